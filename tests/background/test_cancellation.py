"""A background loop that survives failures still ends when cancelled, even when the cancel comes out of
an awaited call as another error (a client's own timeout): the task ends as cancelled, and a real failure
still leaves the loop running."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from background import cancel_requested, raise_if_cancelled
from bot.periodic import run_every

END_TIMEOUT_S = 5.0  # a loop that has not ended by then fails the test instead of hanging it


RELEASED = asyncio.Event()  # set by a failing test, so its loop can be cancelled after all (no hang)


async def cancel_as_timeout() -> None:
    """Wait until cancelled, then report it as a client's timeout would (redis-py and httpx can)."""
    try:
        await asyncio.sleep(3600)
    except asyncio.CancelledError:
        if RELEASED.is_set():
            raise
        raise TimeoutError("the client's own timeout") from None


async def surviving_loop(work: list[str]) -> None:
    """The shape of the gateway's loops: log a failure and go on, unless the task was asked to cancel."""
    while True:
        try:
            work.append("round")
            await cancel_as_timeout()
        except Exception:
            raise_if_cancelled()
            work.append("survived")


async def ended(task: asyncio.Task[None]) -> bool:
    """Whether the task ended in time (asyncio.wait, unlike wait_for, does not cancel it again and wait on)."""
    await asyncio.wait({task}, timeout=END_TIMEOUT_S)
    if not task.done():
        RELEASED.set()
        task.cancel()
    return task.done()


async def started(task: asyncio.Task[None]) -> None:
    for _ in range(100):
        await asyncio.sleep(0.01)
    assert not task.done()


@pytest.mark.unit
async def test_a_cancel_that_surfaces_as_another_error_still_ends_the_loop() -> None:
    work: list[str] = []
    task = asyncio.create_task(surviving_loop(work))
    await started(task)
    task.cancel()
    assert await ended(task) and task.cancelled() and work == ["round"]  # it did not go round again


@pytest.mark.unit
async def test_a_real_failure_is_not_taken_for_a_cancel() -> None:
    async def fails_then_stops() -> bool:
        try:  # a client's own timeout that really expired (redis-py and anyio use asyncio's cancel for it)
            async with asyncio.timeout(0.01):
                await asyncio.sleep(1)
        except TimeoutError:
            raise_if_cancelled()  # nothing else asked this task to cancel: the loop would go on
            return cancel_requested()
        return True

    assert await asyncio.create_task(fails_then_stops()) is False


@pytest.mark.integration
async def test_the_gateways_timer_ends_when_cancelled_inside_its_job(redis: Redis) -> None:
    calls: list[str] = []

    async def job() -> None:
        calls.append("job")
        await cancel_as_timeout()

    task = asyncio.create_task(run_every(redis, "tests:background:lock", 0.05, job, "test job"))
    while not calls:
        await asyncio.sleep(0.02)
    task.cancel()
    assert await ended(task) and task.cancelled() and calls == ["job"]
