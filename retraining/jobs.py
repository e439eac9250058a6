"""One NLU job at a time across every gateway and CLI: a Redis lock, and the job's state in Redis.

Training and evaluation take minutes and both cores, and promote/rollback change what every
customer talks to, so they exclude each other: whoever holds ``tandem:nlu:lock`` runs, everyone
else gets :class:`JobRunning`. The lock expires a minute after its holder stops renewing it (a
gateway that died mid-training does not block the loop for long); the job's state, progress and
result sit in the hash ``tandem:nlu:job`` so any gateway can answer "how far is it?".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.lock import Lock

from rasa_bridge import OnProgress, Progress, RasaError
from retraining.errors import JobRunning, RetrainingError

logger = logging.getLogger(__name__)
LOCK_KEY = "tandem:nlu:lock"
JOB_KEY = "tandem:nlu:job"
LOCK_TTL_S = 60.0
TICK_S = 1.0  # how often progress is published and, every RENEW_EVERY ticks, the lock renewed
RENEW_EVERY = 15
Work = Callable[[OnProgress], Awaitable[str | None]]  # returns the model id the job made or changed


@dataclass
class Job:
    """The latest job: running, or how it ended."""

    id: str
    kind: str
    state: str  # running, succeeded, failed, interrupted (its gateway stopped)
    started_by: str
    started_at: str
    progress: str = ""
    finished_at: str = ""
    model_id: str = ""
    error: str = ""
    error_code: str = ""

    def as_dict(self) -> dict[str, str]:
        return {key: str(value) for key, value in asdict(self).items()}


class JobBoard:
    """Starts jobs under the lock and reports on them."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._tasks: set[asyncio.Task[None]] = set()

    async def current(self) -> Job | None:
        """The latest job, if any ("interrupted" when it says running but nobody holds the lock)."""
        raw = await self._redis.hgetall(JOB_KEY)
        if not raw:
            return None
        job = Job(**{_text(k): _text(v) for k, v in raw.items()})
        if job.state == "running" and not await self._redis.exists(LOCK_KEY):
            job.state = "interrupted"
        return job

    async def start(self, kind: str, by: str, work: Work) -> Job:
        """Take the lock and run ``work`` in the background; JobRunning if another job holds it."""
        lock, job = await self._acquire(kind, by)
        task = asyncio.create_task(self._run(lock, job, work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return job

    @asynccontextmanager
    async def exclusive(self, kind: str, by: str) -> AsyncIterator[Job]:
        """Hold the lock for a short job run by the caller (promote, rollback)."""
        lock, job = await self._acquire(kind, by)
        async with self._held(lock, job, lambda: ""):
            yield job

    async def aclose(self) -> None:
        """Stop running jobs (their Rasa processes are killed); used at shutdown."""
        for task in list(self._tasks):
            await _stop(task)

    async def _acquire(self, kind: str, by: str) -> tuple[Lock, Job]:
        lock = self._redis.lock(LOCK_KEY, timeout=LOCK_TTL_S, blocking=False, thread_local=False)
        if not await lock.acquire():
            running = await self.current()
            raise JobRunning(running.kind if running else "NLU", running.started_by if running else "someone")
        job = Job(id=secrets.token_hex(6), kind=kind, state="running", started_by=by,
                  started_at=datetime.now(UTC).isoformat())
        await self._write(job)
        logger.info("nlu job started kind=%s id=%s by=%s", kind, job.id, by)
        return lock, job

    async def _run(self, lock: Lock, job: Job, work: Work) -> None:
        latest = Progress("starting")

        def on_progress(progress: Progress) -> None:
            nonlocal latest
            latest = progress

        try:
            async with self._held(lock, job, lambda: latest.describe()):
                job.model_id = await work(on_progress) or ""
        except (RetrainingError, RasaError):
            pass  # an expected failure: its message is the job's error
        except Exception:
            logger.exception("nlu job failed kind=%s id=%s", job.kind, job.id)

    @asynccontextmanager
    async def _held(self, lock: Lock, job: Job, describe: Callable[[], str]) -> AsyncIterator[None]:
        """While the block runs: progress published, lock renewed; then the outcome written, lock freed."""
        ticker = asyncio.create_task(self._tick(lock, job, describe))
        try:
            yield
        except BaseException as exc:
            await self._finish(job, exc)
            raise
        else:
            await self._finish(job, None)
        finally:
            await _stop(ticker)
            await _release(lock)

    async def _tick(self, lock: Lock, job: Job, describe: Callable[[], str]) -> None:
        """Publish progress every tick and keep the lock alive."""
        ticks = 0
        while True:
            await asyncio.sleep(TICK_S)
            ticks += 1
            if (progress := describe()) != job.progress:
                job.progress = progress
                await self._redis.hset(JOB_KEY, "progress", progress)
            if ticks % RENEW_EVERY == 0:
                await lock.reacquire()

    async def _finish(self, job: Job, error: BaseException | None) -> None:
        job.finished_at = datetime.now(UTC).isoformat()
        if error is None:
            job.state, job.progress = "succeeded", "done"
        else:
            job.state = "interrupted" if isinstance(error, asyncio.CancelledError) else "failed"
            job.error = str(error) or type(error).__name__
            job.error_code = getattr(error, "code", "internal_error")
        with contextlib.suppress(Exception):  # a Redis outage must not hide the job's own error
            await asyncio.shield(self._write(job))
        logger.info("nlu job ended kind=%s id=%s state=%s", job.kind, job.id, job.state)

    async def _write(self, job: Job) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(JOB_KEY)
            fields: dict[Any, Any] = job.as_dict()  # redis-py's key type is a union dict[str, ...] is not
            pipe.hset(JOB_KEY, mapping=fields)
            await pipe.execute()


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


async def _stop(task: asyncio.Task[Any]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _release(lock: Lock) -> None:
    with contextlib.suppress(Exception):  # expired already: nothing to release
        await lock.release()
