"""The session hashes: open a conversation, read one or many, count the bot's answers."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from redis.asyncio import Redis

from handoff import keys
from handoff.errors import SessionNotFound
from handoff.models import Session, SessionState


class Sessions:
    """Reads and writes of the per-session state hash (moves between states are in :mod:`handoff.moves`)."""

    def __init__(self, redis: Redis, clock: Callable[[], float]) -> None:
        self._redis: Any = redis  # decoded replies (see HandoffService)
        self._clock = clock

    async def start_session(self) -> Session:
        """Open a new conversation with the bot (hash and open-sessions index in one MULTI/EXEC)."""
        session_id = uuid.uuid4().hex
        now = self._clock()
        fields = {"state": SessionState.BOT.value, "created_at": repr(now), "last_activity": repr(now)}
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(keys.session(session_id), mapping=fields)
            pipe.zadd(keys.OPEN_SESSIONS, {session_id: now})
            await pipe.execute()
        return Session.from_hash(session_id, fields)

    async def get_session(self, session_id: str) -> Session:
        """The session's current state; raises SessionNotFound."""
        raw = await self._redis.hgetall(keys.session(session_id))
        if not raw:
            raise SessionNotFound(session_id)
        return Session.from_hash(session_id, raw)

    async def sessions(self, session_ids: Sequence[str]) -> list[Session]:
        """Snapshots of several sessions in one round trip, skipping those that vanished."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for session_id in session_ids:
                pipe.hgetall(keys.session(session_id))
            raws = await pipe.execute()
        return [Session.from_hash(sid, raw) for sid, raw in zip(session_ids, raws, strict=True) if raw]

    async def note_bot_answer(self, session_id: str, article_id: str | None) -> None:
        """Record that the bot answered (from an article, if given): feeds outcomes.

        Read, then write: not atomic. Two answers stored on one session at the same instant may
        keep only one of their article ids (the bot answers one message at a time, so it does not).
        """
        key = keys.session(session_id)
        raw = await self._redis.hget(key, "articles")
        articles = json.loads(raw or "[]")
        if article_id and article_id not in articles:
            articles.append(article_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(key, "kb_answers", 1 if article_id else 0)
            pipe.hset(key, "articles", json.dumps(articles))
            await pipe.execute()

    async def note_agent_article(self, session_id: str, article_id: str) -> None:
        """Record that an agent's reply was taken from an article (the desk's suggestion): feeds outcomes.

        Read, then write, as :meth:`note_bot_answer`: two agents' replies stored at the same
        instant on one session may keep one of their ids (one agent holds a session at a time).
        """
        key = keys.session(session_id)
        articles = json.loads(await self._redis.hget(key, "agent_articles") or "[]")
        if article_id not in articles:
            await self._redis.hset(key, "agent_articles", json.dumps([*articles, article_id]))
