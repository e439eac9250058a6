"""Personal data: found and replaced by a label before any customer text is stored or logged.

Public surface: the :class:`Redactor` protocol (``redact(text) -> text``), the Presidio + spaCy
implementation :class:`PresidioRedactor` with its :class:`RedactionSettings`, a logging filter
that redacts log records, and the errors in :mod:`privacy.errors`.
"""

from typing import Protocol

from privacy.errors import PrivacyError, RedactionUnavailable
from privacy.redactor import LABELS, PresidioRedactor, RedactionSettings


class Redactor(Protocol):
    """Anything that turns text into the same text without personal data."""

    def redact(self, text: str) -> str: ...


__all__ = ["LABELS", "PresidioRedactor", "PrivacyError", "RedactionSettings", "RedactionUnavailable", "Redactor"]
