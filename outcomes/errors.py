"""Errors of the outcomes subsystem.

Every error says what the caller can do; ``code`` is the WebSocket protocol's error code::

    OutcomesError
    ├── UnknownConversation   no outcome record for that session: it has not ended (or never existed)
    ├── InvalidRating         the score is not 1-5
    └── InvalidPeriod         a report period that ends before it starts
"""


class OutcomesError(Exception):
    """Base class of every outcomes error."""

    code = "invalid_state"


class UnknownConversation(OutcomesError):
    """There is no record for the session: it is still open, or the id is wrong."""

    code = "session_not_found"

    def __init__(self, session_id: str) -> None:
        super().__init__(f"no finished conversation {session_id}; a conversation can be rated once it has ended")


class InvalidRating(OutcomesError):
    """A satisfaction score outside 1-5."""

    code = "invalid_frame"

    def __init__(self, score: int) -> None:
        super().__init__(f"a rating is a whole number from 1 to 5, not {score}")


class InvalidPeriod(OutcomesError):
    """The period's start is not before its end."""

    code = "invalid_frame"

    def __init__(self, since: object, until: object) -> None:
        super().__init__(f"the period must start before it ends (since={since}, until={until})")
