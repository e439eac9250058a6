"""One NLU job at a time across processes (a real Redis), with its progress and outcome visible."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest
from redis.asyncio import Redis

from rasa_bridge import OnProgress, Progress
from retraining.errors import JobRunning, UnknownModel
from retraining.jobs import JOB_KEY, LOCK_KEY, Job, JobBoard
from tests.support import system as support

pytestmark = pytest.mark.integration


@pytest.fixture
async def board() -> AsyncIterator[JobBoard]:
    url, embedded = support.test_redis_url(offset=1)  # not the system's database: its gateways use this lock
    redis = Redis.from_url(url, decode_responses=True)
    await redis.delete(LOCK_KEY, JOB_KEY)
    yield JobBoard(redis)
    await redis.delete(LOCK_KEY, JOB_KEY)
    await redis.aclose()
    if embedded:
        embedded.stop()


async def until(board: JobBoard, ready: Callable[[Job], bool], timeout_s: float = 10.0) -> Job:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = await board.current()
        if job is not None and ready(job):
            return job
        await asyncio.sleep(0.1)
    raise AssertionError(f"job never got there: {await board.current()}")


async def test_one_job_at_a_time_with_its_progress_visible(board: JobBoard) -> None:
    release = asyncio.Event()

    async def work(report: OnProgress) -> str:
        report(Progress("training DIETClassifier", 40.0))
        await release.wait()
        return "20261125-101010-abcdef12"

    job = await board.start("train", "ada", work)
    assert (job.kind, job.state, job.started_by) == ("train", "running", "ada")
    with pytest.raises(JobRunning, match="a train job started by ada is running"):
        await board.start("evaluate", "sam", work)
    with pytest.raises(JobRunning):
        async with board.exclusive("promote", "sam"):
            pass
    await until(board, lambda j: j.progress == "training DIETClassifier 40%")
    release.set()
    done = await until(board, lambda j: j.state == "succeeded")
    assert done.model_id == "20261125-101010-abcdef12" and done.finished_at
    async with board.exclusive("promote", "sam") as promotion:  # free again
        assert promotion.kind == "promote"
    assert (await board.current()).state == "succeeded"  # type: ignore[union-attr]


async def test_a_failed_job_says_why_and_frees_the_lock(board: JobBoard) -> None:
    async def work(report: OnProgress) -> str:
        raise UnknownModel("20990101-000000-deadbeef")

    await board.start("evaluate", "ada", work)
    failed = await until(board, lambda j: j.state == "failed")
    assert failed.error_code == "model_not_found" and "20990101-000000-deadbeef" in failed.error
    async with board.exclusive("rollback", "ada"):
        pass


async def test_a_job_whose_holder_vanished_reads_as_interrupted(board: JobBoard) -> None:
    await board._redis.hset(JOB_KEY, mapping={"id": "x", "kind": "train", "state": "running", "started_by": "ada",
                                              "started_at": "2026-11-25T10:00:00+00:00"})
    assert (await board.current()).state == "interrupted"  # type: ignore[union-attr]
