"""Personal data: found and replaced by a label before any customer text is stored or logged.

Public surface: the :class:`Redactor` protocol (``redact(text) -> text``), the Presidio + spaCy
implementation :class:`PresidioRedactor` with its :class:`RedactionSettings`, a logging filter
that redacts log records, and the errors in :mod:`privacy.errors`.
"""

from typing import Protocol

from privacy.errors import PrivacyError, RedactionUnavailable
from privacy.redactor import LABELS, SECRETS, PresidioRedactor, RedactionSettings, Screened


class Redactor(Protocol):
    """Anything that turns text into the same text without personal data, and screens chat
    messages at the door (see :meth:`PresidioRedactor.screen`)."""

    def redact(self, text: str) -> str: ...

    def screen(self, text: str) -> Screened: ...

    def person_spans(self, text: str) -> list[tuple[int, int]]: ...


__all__ = ["LABELS", "SECRETS", "PresidioRedactor", "PrivacyError", "RedactionSettings", "RedactionUnavailable",
           "Redactor", "Screened"]
