"""Redis persistence loses a value soon after it leaves Redis (bot/persistence.py), on a real
redis-server persisting to a temporary folder (the embedded one ``make run`` starts)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.persistence import PersistenceCompactor
from bot.processes import EmbeddedRedis

pytestmark = [pytest.mark.integration]
SECRET = "ada.lovelace@example.org"


@pytest.fixture
async def persisting_redis(tmp_path: Path) -> AsyncIterator[tuple[Redis, Path]]:
    server = EmbeddedRedis.start(tmp_path)
    client = Redis.from_url(server.url, decode_responses=True)
    await client.config_set("rdbcompression", "no")  # a snapshot as readable as the append-only file
    try:
        yield client, tmp_path
    finally:
        await client.aclose()
        server.stop()


def on_disk(folder: Path) -> str:
    return "\n".join(p.read_bytes().decode("latin-1") for p in folder.rglob("*") if p.is_file())


async def until(condition: object, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "not within the deadline"
        await asyncio.sleep(0.1)


async def test_a_scrubbed_value_leaves_the_files_after_a_requested_rewrite(persisting_redis: tuple[Redis, Path]
                                                                          ) -> None:
    redis, folder = persisting_redis
    await redis.hset("tandem:s:{x}", "contact", SECRET)
    await until(lambda: SECRET in on_disk(folder))  # appended as written
    await redis.hdel("tandem:s:{x}", "contact")
    assert SECRET in on_disk(folder)  # deleted, but the file keeps the history

    compactor = PersistenceCompactor(redis, min_interval_s=0.0)
    runner = asyncio.create_task(compactor.run())
    try:
        compactor.request()
        compactor.request()  # requests made together share one rewrite
        await until(lambda: compactor.rewrites >= 1)
        await until(lambda: SECRET not in on_disk(folder))
        assert compactor.rewrites == 1
    finally:
        runner.cancel()


async def test_a_rewrite_that_began_before_the_scrub_is_followed_by_another(persisting_redis: tuple[Redis, Path]
                                                                            ) -> None:
    redis, folder = persisting_redis
    await redis.set("filler", "x" * 2_000_000)  # a rewrite that takes a moment
    await redis.set("tandem:s:{y}:log", SECRET)
    await redis.bgrewriteaof()  # already running when the value is scrubbed: its copy still has it
    await redis.delete("tandem:s:{y}:log")
    await PersistenceCompactor(redis).compact_now()  # waits for that rewrite, then starts its own
    await until(lambda: SECRET not in on_disk(folder))
