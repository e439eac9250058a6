"""Erasing a session's live data from Redis (an erasure request), beside the SQL record.

Closed sessions stay in Redis for a day so a reconnecting customer still sees the end of their
chat; an erasure request must not wait for that to expire.
"""

from __future__ import annotations

from redis.asyncio import Redis

from handoff import keys


async def forget_session(redis: Redis, session_id: str) -> int:
    """Delete the session's state, transcript and de-duplication keys and its index entries.

    Returns how many keys were deleted (0 if Redis held nothing of it any more).
    """
    async with redis.pipeline(transaction=False) as pipe:
        pipe.delete(keys.session(session_id), keys.transcript(session_id), keys.dedupe(session_id))
        for index in (keys.QUEUE, keys.HANDOFFS, keys.OPEN_SESSIONS):
            pipe.zrem(index, session_id)
        results = await pipe.execute()
    return int(results[0])
