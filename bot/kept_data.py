"""Where one conversation's data can be, store by store: what is still held, and erasing it everywhere.

The stores: SQL (the outcome record and stored transcript, the NLU review queue), Redis (every key
naming the session: live session, transcript, de-duplication, Rasa's tracker and lock, rate-limit
counters), and files under the state directory (report exports, logs, Redis persistence). An
access request lists what each store holds; an erasure request empties them (the caller then has
Redis persistence rewritten, bot/persistence.py, so deleted keys do not live on in the append-only file).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import Engine

from handoff.erasure import forget_session
from outcomes import kept_about
from retraining.review import ReviewQueue

REPORTS_DIR = "reports"  # under the state directory: `python -m bot report` writes exports here
UNSCANNED_SUFFIXES = (".tar.gz", ".faiss", ".npy", ".safetensors")  # models and indexes: no conversation data
MAX_SCANNED_BYTES = 256 * 2**20


async def redis_keys_naming(redis: Redis, session_id: str) -> list[dict[str, Any]]:
    """Every Redis key whose name contains the session id, with its remaining lifetime (-1: none)."""
    found = [key async for key in redis.scan_iter(match=f"*{session_id}*", count=1000)]
    async with redis.pipeline(transaction=False) as pipe:
        for key in found:
            pipe.ttl(key)
        ttls = await pipe.execute()
    return [{"key": key, "ttl_s": int(ttl)} for key, ttl in zip(found, ttls, strict=True)]


def files_naming(state_dir: Path, session_id: str) -> list[str]:
    """Files under the state directory (reports, logs, Redis persistence) that contain the session id."""
    needle = session_id.encode()
    return sorted(str(path.relative_to(state_dir)) for path in _scanned_files(state_dir) if _holds(path, needle))


def _scanned_files(state_dir: Path) -> list[Path]:
    return [path for path in state_dir.rglob("*") if path.is_file() and not path.name.endswith(UNSCANNED_SUFFIXES)]


def _holds(path: Path, needle: bytes) -> bool:
    """Whether the file (up to MAX_SCANNED_BYTES) contains ``needle``. Files come and go under the state directory
    while a gateway runs (SQLite's ``-journal`` with each write, Redis's rewrites); one gone since it was listed
    holds nothing, and an access request must not fail on it (it did, with HTTP 500)."""
    try:
        return path.stat().st_size <= MAX_SCANNED_BYTES and needle in path.read_bytes()
    except FileNotFoundError:
        return False


async def held_about(engine: Engine, review: ReviewQueue, redis: Redis, state_dir: Path,
                     session_id: str) -> dict[str, Any]:
    """What each store still holds about one conversation (names and counts, never the text itself)."""
    sql = await asyncio.to_thread(kept_about, engine, session_id)
    reviewed = await asyncio.to_thread(review.count_for_session, session_id)
    return {"sql": sql | {"review_queue": reviewed}, "redis": await redis_keys_naming(redis, session_id),
            "files": await asyncio.to_thread(files_naming, state_dir, session_id)}


async def erase_live_and_files(redis: Redis, state_dir: Path, session_id: str) -> None:
    """The non-SQL half of an erasure: every Redis key naming the session (Rasa's tracker and the
    rate-limit counters too) and report exports naming it."""
    await forget_session(redis, session_id)
    keys = [entry["key"] for entry in await redis_keys_naming(redis, session_id)]
    if keys:
        await redis.delete(*keys)
    for path in await asyncio.to_thread(files_naming, state_dir / REPORTS_DIR, session_id):
        (state_dir / REPORTS_DIR / path).unlink(missing_ok=True)


def purge_old_exports(state_dir: Path, days: int, now: float | None = None) -> int:
    """Delete report exports older than the retention period; how many files went."""
    folder, cutoff = state_dir / REPORTS_DIR, (now or time.time()) - days * 86400
    old = [path for path in folder.rglob("*") if path.is_file() and path.stat().st_mtime < cutoff] \
        if folder.is_dir() else []
    for path in old:
        path.unlink(missing_ok=True)
    return len(old)
