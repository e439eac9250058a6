"""The retraining loop as one object: what the admin API and the CLI call.

It runs each step under the job lock (:mod:`retraining.jobs`) when it has Redis, so a CLI run and
a gateway never train, evaluate or promote at the same time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from redis.asyncio import Redis
from sqlalchemy import Engine

from rasa_bridge import OnProgress, RasaServer
from rasa_bridge.artefacts import CONFIG, DOMAIN, TRAINING_FILES
from retraining import evaluator, promoter, trainer
from retraining.containment import ContainmentCheck
from retraining.jobs import Job, JobBoard
from retraining.live_encoder import LiveEncoder
from retraining.nlu_yaml import REVIEWED_HEADER, render, write_atomically
from retraining.recording import ReviewRecorder
from retraining.registry import ModelRecord, Registry
from retraining.review import Redact, ReviewFiles, ReviewQueue
from retraining.settings import PROJECT_ROOT, RetrainingSettings
from retraining.sources import TrainingSources

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Setup:
    """Everything the steps need besides the registry."""

    sources: TrainingSources
    servers: tuple[RasaServer, ...]
    holdout_fraction: float
    folds: int
    base_models_dir: Path
    containment_tolerance: float = 0.01  # see RetrainingSettings
    cwd: Path = PROJECT_ROOT  # Rasa's component cache (.rasa/) is kept here, as for `make train`


class Retraining:
    """train, evaluate, promote, rollback and the review queue."""

    def __init__(self, registry: Registry, setup: Setup, review: ReviewQueue, recorder: ReviewRecorder,
                 jobs: JobBoard | None) -> None:
        self.registry = registry
        self.setup = setup
        self.review = review
        self.recorder = recorder
        self.jobs = jobs
        #: Set once the knowledge base is loaded (it needs the bot's search and routing policy);
        #: until then, and in the CLI, evaluations have no containment figures.
        self.containment: ContainmentCheck | None = None
        #: Set by the gateway: fits each candidate's sentence encoder to the knowledge base (None: the
        #: candidate uses the packaged one), and keeps the knowledge base on the live model's encoder.
        self.encoder_fit: trainer.EncoderFit | None = None
        self.live_encoder: LiveEncoder | None = None

    async def train(self, by: str, holdout_fraction: float | None = None,
                    on_progress: OnProgress | None = None) -> ModelRecord:
        """Train a candidate now (the CLI); the API uses :meth:`start_train`."""
        async with self._exclusive("train", by):
            return await self._train(by, holdout_fraction, on_progress)

    async def evaluate(self, model_id: str, by: str, folds: int | None = None, compare_live: bool = True,
                       on_progress: OnProgress | None = None) -> ModelRecord:
        """Evaluate a model now (the CLI); the API uses :meth:`start_evaluate`."""
        self.registry.get(model_id)  # unknown ids fail before taking the lock
        async with self._exclusive("evaluate", by):
            return await self._evaluate(model_id, by, folds, compare_live, on_progress)

    async def start_train(self, by: str, holdout_fraction: float | None = None) -> Job:
        """Train in the background; the job's progress is at :meth:`JobBoard.current`."""
        assert self.jobs is not None, "background jobs need Redis"
        return await self.jobs.start("train", by, lambda report: self._model_id(
            self._train(by, holdout_fraction, report)))

    async def start_evaluate(self, model_id: str, by: str, folds: int | None = None) -> Job:
        """Evaluate in the background."""
        assert self.jobs is not None, "background jobs need Redis"
        self.registry.get(model_id)
        return await self.jobs.start("evaluate", by, lambda report: self._model_id(
            self._evaluate(model_id, by, folds, True, report)))

    async def promote(self, model_id: str, by: str, force: bool = False) -> ModelRecord:
        """Make a model live on every Rasa server (a running job is reported before an unknown id)."""
        async with self._exclusive("promote", by):
            record = await promoter.promote(self.registry, self.setup.servers, model_id, by=by, force=force,
                                            containment_tolerance=self.setup.containment_tolerance,
                                            base_models_dir=self.setup.base_models_dir)
            await self._follow_live_encoder()
            return record

    async def rollback(self, by: str) -> ModelRecord:
        """Return every Rasa server to the previous live model."""
        async with self._exclusive("rollback", by):
            record = await promoter.rollback(self.registry, self.setup.servers, by=by)
            await self._follow_live_encoder()
            return record

    async def _follow_live_encoder(self) -> None:
        """This gateway's knowledge base onto the new live model's encoder now (others follow by polling).

        The models already answer with the new model, so a failure here (a model worker slow to load
        a new encoder) does not undo the change: the gateway's follower tries again every second."""
        if self.live_encoder is None:
            return
        try:
            await asyncio.to_thread(self.live_encoder.sync)
        except Exception:
            logger.exception("the knowledge base will follow the new live model on its next poll")

    async def _train(self, by: str, holdout_fraction: float | None, on_progress: OnProgress | None) -> ModelRecord:
        fraction = self.setup.holdout_fraction if holdout_fraction is None else holdout_fraction
        return await trainer.train(self.setup.sources, self.registry, cwd=self.setup.cwd, by=by,
                                   holdout_fraction=fraction, on_progress=on_progress, fit=self.encoder_fit)

    async def _evaluate(self, model_id: str, by: str, folds: int | None, compare_live: bool,
                        on_progress: OnProgress | None) -> ModelRecord:
        live = self.setup.servers[0] if compare_live and self.setup.servers else None
        return await evaluator.evaluate(self.registry, model_id, cwd=self.setup.cwd, by=by, live=live,
                                        folds=self.setup.folds if folds is None else folds, on_progress=on_progress,
                                        containment=self.containment, base_models_dir=self.setup.base_models_dir)

    @staticmethod
    async def _model_id(step: Awaitable[ModelRecord]) -> str:
        return (await step).id

    @asynccontextmanager
    async def _exclusive(self, kind: str, by: str) -> AsyncIterator[None]:
        if self.jobs is None:
            yield
            return
        async with self.jobs.exclusive(kind, by):
            yield

    async def aclose(self) -> None:
        """Stop background jobs (at shutdown)."""
        if self.jobs is not None:
            await self.jobs.aclose()


def build_retraining(settings: RetrainingSettings, *, engine: Engine, redact: Redact | None, redis: Redis | None,
                     rasa_urls: Sequence[str], rasa_token: str, state_dir: Path) -> Retraining:
    """The loop for a gateway (``redis`` given: jobs in the background, lock shared) or a CLI run;
    promotions go to every server in ``rasa_urls``, the first one is the live model compared with.

    It trains from the project's training files (rasa_bridge.TRAINING_FILES), the reviewed
    examples file among them replaced by ``settings.reviewed_file``.
    """
    ensure_reviewed_file(settings.reviewed_file)
    sources = TrainingSources.from_paths(PROJECT_ROOT, CONFIG, DOMAIN, TRAINING_FILES,
                                         replace=[settings.reviewed_file])
    servers = tuple(RasaServer(url, rasa_token) for url in rasa_urls)
    setup = Setup(sources=sources, servers=servers, holdout_fraction=settings.holdout_fraction,
                  folds=settings.cv_folds, base_models_dir=settings.base_models_dir,
                  containment_tolerance=settings.containment_tolerance)
    review = ReviewQueue(engine, redact, ReviewFiles(
        reviewed_file=settings.reviewed_file, domain=sources.domain,
        other_nlu_files=tuple(p for p in sources.nlu_files() if p != settings.reviewed_file)))
    return Retraining(Registry(settings.registry_path(state_dir)), setup, review,
                      ReviewRecorder(review, settings.review_below_confidence),
                      JobBoard(redis) if redis is not None else None)


def ensure_reviewed_file(path: Path) -> None:
    """An empty reviewed-examples file where none exists yet, so Rasa finds every training file."""
    if not path.exists():
        write_atomically(path, render({}, REVIEWED_HEADER))
