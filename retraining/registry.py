"""The model registry: every trained model with its metrics, data hash, times and people, and which is live.

It is a folder of JSON manifests beside the model archives rather than a SQL table, because the
archives are files Rasa loads by path anyway: a model's record, data snapshot, evaluation reports
and archive live in one folder (``<root>/<model id>/``), so they cannot drift apart, a folder can
be copied to another machine whole, and ``make run`` can find the live model before any database
or gateway is up. Writes are atomic (write, then rename) and serialised by a file lock.

Layout::

    <root>/live.json                 the live stack (promotions push, rollback pops) and its history
    <root>/logs/<id>.<job>.log       Rasa's output for each train/evaluate job
    <root>/<id>/model.json           the ModelRecord
    <root>/<id>/model.tar.gz         the Rasa model
    <root>/<id>/data/                the config, domain and training files it was trained on
    <root>/<id>/split/               the held-out split (test_data.yml is never trained on)
    <root>/<id>/evaluation/          intent reports, confusion matrix, misclassified examples
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from filelock import FileLock
from pydantic import BaseModel, Field

from retraining.errors import UnknownModel
from retraining.nlu_yaml import write_atomically

ARCHIVE = "model.tar.gz"
RECORD = "model.json"
LIVE = "live.json"
MODEL_ID = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{8}(-\d+)?$")


def now() -> datetime:
    """The registry's clock (UTC)."""
    return datetime.now(UTC)


class IntentScore(BaseModel):
    """One intent's scores on a test set."""

    precision: float
    recall: float
    f1: float
    support: int


class Metrics(BaseModel):
    """Intent classification quality on one test set (a held-out split, or cross-validation folds)."""

    accuracy: float
    macro_f1: float
    weighted_f1: float
    examples: int
    per_intent: dict[str, IntentScore]


class Comparison(BaseModel):
    """Candidate against the live model on the same held-out examples; deltas are candidate - live."""

    live_model: str  # the archive name the live Rasa server reports
    live_rasa_model_id: str
    examples: int
    candidate: Metrics
    live: Metrics
    accuracy_delta: float
    macro_f1_delta: float
    f1_delta_per_intent: dict[str, float]
    # How many of these examples the live model was trained on (None: its data is unknown).
    live_trained_on: int | None = None


class ContainmentFigures(BaseModel):
    """What the bot does with the containment set's messages (routing.evaluation's shares)."""

    contained_share: float | None
    answered_right_share: float | None
    clarify_share: float | None
    wrong_share: float | None
    false_escalation_share: float | None
    boundary_accuracy: float | None
    escalation_share: float | None
    messages: int

    @classmethod
    def of(cls, figures: dict[str, Any]) -> ContainmentFigures:
        """The figures :func:`routing.evaluation.score` computed."""
        return cls.model_validate({name: figures.get(name) for name in cls.model_fields})


class ContainmentComparison(BaseModel):
    """The candidate and the live model on the same containment set; the delta is candidate - live."""

    candidate: ContainmentFigures
    live: ContainmentFigures | None = None  # None: the live model's archive could not be found
    live_model: str = ""
    contained_delta: float | None = None


class Evaluation(BaseModel):
    """What ``evaluate`` found; report files are relative to the model's folder."""

    evaluated_at: datetime
    evaluated_by: str
    holdout: Metrics | None = None
    cross_validation: Metrics | None = None
    folds: int = 0
    comparison: Comparison | None = None
    containment: ContainmentComparison | None = None
    files: list[str] = Field(default_factory=list)


class ModelEvent(BaseModel):
    """A model went live (promote), was returned to (rollback), or was replaced by one of these."""

    action: Literal["promoted", "rolled_back_to", "replaced"]
    at: datetime
    by: str


class ModelRecord(BaseModel):
    """One model in the registry."""

    id: str
    source: Literal["trained", "adopted"]  # adopted: a model Rasa already ran before the registry
    created_at: datetime
    trained_by: str
    data_hash: str
    rasa_model_id: str  # Rasa's fingerprint of the archive; GET /status reports it as model_id
    train_seconds: float | None = None
    holdout_fraction: float = 0.0
    heldout_examples: int = 0
    # The sentence encoder fitted for this model (a folder under the model's, see encoders.fitting);
    # None: the packaged all-MiniLM-L6-v2. Rasa's featurizer and the knowledge base both use it.
    encoder: str | None = None
    encoder_seconds: float | None = None
    evaluation: Evaluation | None = None
    events: list[ModelEvent] = Field(default_factory=list)


class LiveEvent(BaseModel):
    """One change of the live model."""

    action: Literal["promote", "rollback"]
    model_id: str
    at: datetime
    by: str


class LiveState(BaseModel):
    """The live stack (last is live; rollback pops) and the full history of changes."""

    stack: list[str] = Field(default_factory=list)
    history: list[LiveEvent] = Field(default_factory=list)


class Registry:
    """The models under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Serialise read-modify-write of records and of the live state across processes."""
        self.root.mkdir(parents=True, exist_ok=True)
        with FileLock(self.root / ".lock", timeout=60):
            yield

    def folder(self, model_id: str) -> Path:
        """The folder of a model id (checked: no other path can be named)."""
        if not MODEL_ID.match(model_id) or not (self.root / model_id / RECORD).is_file():
            raise UnknownModel(model_id)
        return self.root / model_id

    def archive(self, model_id: str) -> Path:
        """The model archive Rasa loads."""
        return self.folder(model_id) / ARCHIVE

    def encoder(self, model_id: str) -> Path | None:
        """The folder of the sentence encoder fitted for a model, or None (the packaged one)."""
        record = self.get(model_id)
        return self.folder(model_id) / record.encoder if record.encoder else None

    def log(self, model_id: str, job: str) -> Path:
        """Where a job's Rasa output goes (kept even when the job failed and its folder was removed)."""
        (self.root / "logs").mkdir(parents=True, exist_ok=True)
        return self.root / "logs" / f"{model_id}.{job}.log"

    def new_model_folder(self, data_hash: str) -> tuple[str, Path]:
        """A fresh, empty folder for a model trained now from data with ``data_hash``."""
        stem = f"{now():%Y%m%d-%H%M%S}-{data_hash[:8]}"
        with self.locked():
            model_id, suffix = stem, 1
            while (self.root / model_id).exists():
                suffix += 1
                model_id = f"{stem}-{suffix}"
            (self.root / model_id).mkdir(parents=True)
        return model_id, self.root / model_id

    def save(self, record: ModelRecord) -> None:
        """Write a model's record (atomically)."""
        write_atomically(self.root / record.id / RECORD, record.model_dump_json(indent=2))

    def get(self, model_id: str) -> ModelRecord:
        """A model's record."""
        return ModelRecord.model_validate_json((self.folder(model_id) / RECORD).read_text())

    def all(self) -> list[ModelRecord]:
        """Every model, newest first."""
        records = [ModelRecord.model_validate_json(path.read_text()) for path in self.root.glob(f"*/{RECORD}")]
        return sorted(records, key=lambda r: r.created_at, reverse=True)

    def live_state(self) -> LiveState:
        """The live stack and history (empty before the first promotion)."""
        path = self.root / LIVE
        return LiveState.model_validate_json(path.read_text()) if path.exists() else LiveState()

    def live(self) -> ModelRecord | None:
        """The live model's record, if the registry has made one live."""
        stack = self.live_state().stack
        return self.get(stack[-1]) if stack else None

    def set_live(self, model_id: str, by: str, action: Literal["promote", "rollback"]) -> None:
        """Record that ``model_id`` is live now: pushed by a promotion, or the top left by a rollback.

        The caller holds :meth:`locked`.
        """
        state = self.live_state()
        at = now()
        if state.stack:
            self._add_event(state.stack[-1], ModelEvent(action="replaced", at=at, by=by))
        if action == "promote":
            state.stack.append(model_id)
        else:
            state.stack.pop()
            assert state.stack and state.stack[-1] == model_id, "rollback goes to the model below the top"
        state.history.append(LiveEvent(action=action, model_id=model_id, at=at, by=by))
        write_atomically(self.root / LIVE, state.model_dump_json(indent=2))
        self._add_event(model_id, ModelEvent(action="promoted" if action == "promote" else "rolled_back_to",
                                             at=at, by=by))

    def _add_event(self, model_id: str, event: ModelEvent) -> None:
        record = self.get(model_id)
        record.events.append(event)
        self.save(record)

    def with_rasa_model_id(self, rasa_model_id: str) -> ModelRecord | None:
        """The registry's record of the archive Rasa fingerprints as ``rasa_model_id``, if any."""
        return next((record for record in self.all() if record.rasa_model_id == rasa_model_id), None)

    def adopt(self, archive: Path, rasa_model_id: str, by: str) -> ModelRecord:
        """Copy a model made outside the registry (``make train``) in, so rollback can return to it."""
        content_hash = hashlib.sha256(archive.read_bytes()).hexdigest()
        model_id, folder = self.new_model_folder(content_hash)
        shutil.copyfile(archive, folder / ARCHIVE)
        created = datetime.fromtimestamp(archive.stat().st_mtime, UTC)
        record = ModelRecord(id=model_id, source="adopted", created_at=created, trained_by=f"adopted by {by}",
                             data_hash="", rasa_model_id=rasa_model_id)
        self.save(record)
        return record


def served_file(status: Mapping[str, Any], base_models_dir: Path | None) -> Path | None:
    """The archive file a Rasa server reports serving (``model_file`` in its status): an absolute path
    as given, else the file of that name in ``base_models_dir`` (``make train``'s models); None when absent."""
    served = Path(str(status.get("model_file", "")))
    candidates = [served] if served.is_absolute() else []
    if base_models_dir is not None and served.name:
        candidates.append(base_models_dir / served.name)
    return next((path for path in candidates if path.is_file()), None)


def live_model(root: Path) -> Path | None:
    """The archive of the registry's live model, for starting Rasa with it (None: none promoted yet)."""
    registry = Registry(root)
    try:
        record = registry.live()
    except UnknownModel:
        return None
    return registry.archive(record.id) if record else None
