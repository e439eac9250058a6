"""A session's live data in Redis after the conversation: scrubbed at the close, erased on request.

A closed session stays in Redis for ``Settings.privacy.closed_session_ttl_s`` so a reconnecting
customer still sees the end of their chat and can rate it; what stays must not hold personal data,
so the close replaces the transcript's customer and agent lines with their redacted text and drops
the offline ticket's contact. An erasure request does not wait for the expiry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from redis.asyncio import Redis

from handoff import keys


async def scrub_closed_session(redis: Redis, session_id: str, texts: Mapping[str, str]) -> None:
    """Rewrite the transcript with ``texts`` (entry id → redacted text; other lines unchanged),
    keeping every entry's id and the key's expiry, and delete the ticket contact: one transaction."""
    log = keys.transcript(session_id)
    rows: list[tuple[str, dict[Any, Any]]] = await redis.xrange(log)  # type: ignore[assignment]  # decoded
    ttl_ms = await redis.pttl(log)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.delete(log)
        for entry_id, fields in rows:
            pipe.xadd(log, {**fields, "text": texts.get(entry_id, fields["text"])}, id=entry_id)
        if rows and ttl_ms > 0:
            pipe.pexpire(log, ttl_ms)
        pipe.hdel(keys.session(session_id), "contact")
        await pipe.execute()


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
