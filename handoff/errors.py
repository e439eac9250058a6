"""Errors of the handoff subsystem.

Every error names the session and says what the caller can do about it::

    HandoffError
    ├── SessionNotFound        the session id is unknown or expired: start a new session
    ├── SessionAlreadyClaimed  another agent holds it: pick another session
    ├── SessionNotHeld         the agent does not hold it: claim it first
    ├── InvalidTransition      the verb does not apply in the session's state
    ├── AgentAtCapacity        the agent already has as many chats as they can take
    └── AgentUnavailable       a transfer's target is offline, away or full: pick someone else
"""


class HandoffError(Exception):
    """Base class of every handoff error; ``code`` is the protocol's error code."""

    code = "invalid_state"


class SessionNotFound(HandoffError):
    """The session does not exist (never created, or expired)."""

    code = "session_not_found"

    def __init__(self, session_id: str) -> None:
        super().__init__(f"session {session_id} does not exist or has expired; start a new one")


class SessionAlreadyClaimed(HandoffError):
    """Another agent claimed the session first."""

    code = "already_claimed"

    def __init__(self, session_id: str, agent_id: str) -> None:
        super().__init__(f"session {session_id} is already held by agent {agent_id or 'unknown'}")
        self.agent_id = agent_id


class SessionNotHeld(HandoffError):
    """An agent tried to act on a session it does not hold."""

    code = "not_claimed"

    def __init__(self, session_id: str) -> None:
        super().__init__(f"you do not hold session {session_id}; claim it first")


class InvalidTransition(HandoffError):
    """The requested change does not apply to the session's current state."""

    code = "invalid_state"

    def __init__(self, session_id: str, state: str, verb: str) -> None:
        super().__init__(f"cannot {verb} session {session_id} while it is {state}")


class AgentAtCapacity(HandoffError):
    """The agent is away, offline, or already at their chat capacity."""

    code = "at_capacity"

    def __init__(self, agent_id: str) -> None:
        super().__init__(f"agent {agent_id} cannot take another chat now (away, offline or at capacity)")


class AgentUnavailable(HandoffError):
    """A transfer's target cannot take the chat (offline; or, unless a supervisor assigns it,
    away or at capacity)."""

    code = "agent_unavailable"

    def __init__(self, agent_name: str, why: str) -> None:
        super().__init__(f"{agent_name} {why}; transfer to someone who is online with room, or to a queue")
