"""Errors of the agent's desk (canned responses, labels).

Every error says what to change; ``code`` is the error code the API returns::

    DeskError
    ├── CannedNotFound     no canned response with that id or shortcut: list them first
    ├── DuplicateShortcut  another canned response already uses the shortcut: pick another one
    ├── InvalidCanned      empty text, a malformed shortcut or an unknown placeholder
    └── InvalidLabel       a label that is empty, too long, of other characters, or too many labels
"""


class DeskError(ValueError):
    """Base class of every desk error; ``code`` is the API's error code. A ValueError, so a bad
    configured default fails the settings' validation with its message."""

    code = "invalid_frame"


class CannedNotFound(DeskError):
    """The canned response does not exist (never made, or deleted)."""

    code = "not_found"

    def __init__(self, key: str) -> None:
        super().__init__(f"no canned response {key}; GET /api/handoff/canned lists them")


class DuplicateShortcut(DeskError):
    """Shortcuts are unique: ``/thanks`` must insert one text."""

    code = "duplicate_shortcut"

    def __init__(self, shortcut: str) -> None:
        super().__init__(f"the shortcut /{shortcut} is already taken; pick another one or edit that response")


class InvalidCanned(DeskError):
    """A canned response the agents could not use as written."""

    code = "invalid_canned"


class InvalidLabel(DeskError):
    """A label the queue, the records and the reports could not show as a short tag."""

    code = "invalid_label"
