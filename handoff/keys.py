"""Redis key names, in one place.

Per-session keys share the hash tag ``{session_id}`` so that the Lua scripts touching several of
them stay in one slot on Redis Cluster.
"""

PREFIX = "tandem:"
QUEUE = PREFIX + "queue"  # sorted set: queued session ids by ticket number (arrival order)
QUEUE_TICKETS = PREFIX + "queue:tickets"  # counter: the next ticket number
HANDOFFS = PREFIX + "handoffs"  # sorted set: queued or assigned session ids
OPEN_SESSIONS = PREFIX + "open"  # sorted set: open session ids by last activity
LIVE_PREFIX = PREFIX + "live:"
LIVE_AGENTS = LIVE_PREFIX + "agents"


def session(session_id: str) -> str:
    """The session's state hash."""
    return f"{PREFIX}s:{{{session_id}}}"


def transcript(session_id: str) -> str:
    """The session's transcript stream."""
    return f"{PREFIX}s:{{{session_id}}}:log"


def dedupe(session_id: str) -> str:
    """client_id → transcript id, so a re-sent message is stored once."""
    return f"{PREFIX}s:{{{session_id}}}:dedupe"


def live_session(session_id: str) -> str:
    """The pub/sub channel of one session's live events."""
    return f"{LIVE_PREFIX}s:{session_id}"
AGENTS = PREFIX + "agents"  # sorted set: agent ids by last heartbeat
RECENT_WAITS = PREFIX + "stats:waits"  # list: recent queue waits (seconds), newest first
LAST_ASSIGNED = PREFIX + "agents:assigned"  # sorted set: agent ids by the time they last got a chat


def agent(agent_id: str) -> str:
    """The agent's presence hash (expires when heartbeats stop)."""
    return f"{PREFIX}agent:{agent_id}"


def agent_sessions(agent_id: str) -> str:
    """The set of sessions the agent holds."""
    return f"{PREFIX}agent:{agent_id}:sessions"
