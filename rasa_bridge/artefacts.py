"""Rasa's files in this project: its binary, config, domain, training files, models, endpoints.

Rasa runs in its own virtualenv (``.venv-rasa``: it pins pydantic 1 and TensorFlow), so Tandem
drives it through its command line and its HTTP API, never by importing it.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
from pathlib import Path
from urllib.parse import urlparse

import yaml

from encoders import packaged

PROJECT_ROOT = Path(__file__).resolve().parents[1]
RASA_BIN = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
MODELS_DIR = PROJECT_ROOT / "models"  # where `make train` and the launcher put the model Rasa starts with
# Relative to the project (Rasa runs there): config.yml also holds Tandem's own `tandem:` section.
CONFIG = "config.yml"
DOMAIN = "domain.yml"
ENDPOINTS = "endpoints.yml"
CREDENTIALS = "credentials.yml"
# The training files (training_data/test/ holds `rasa test` conversations, never trained on);
# nlu_reviewed.yml holds the messages admins labelled in the review queue (docs/retraining.md);
# vocabulary.yml is generated from the knowledge base's customers' vocabulary (knowledge_base/vocabulary.py).
TRAINING_FILES = ("training_data/nlu.yml", "training_data/nlu_reviewed.yml", "training_data/vocabulary.yml",
                  "training_data/rules.yml", "training_data/stories.yml")


#: What a trained model is made from besides its data: the custom components' code (and the encoders they
#: call), Rasa's pinned release (with MiniLM's package) and mpnet's pinned parts. A model trained from the
#: same contents of all these is the same model.
MODEL_CODE = ("nlu", "encoders", "requirements/rasa.lock", "requirements/mpnet.txt")
INPUTS_SUFFIX = ".inputs"  # beside an archive: the digest of what it was trained from


#: The pipeline component that embeds each message with a sentence model (nlu/components.py), and the
#: packaged small model a fitted encoder replaces (the large one, if the pipeline has it too, stays).
FEATURIZER = "nlu.components.SentenceEmbeddingFeaturizer"
FITTED_BASE = packaged.MINILM


def with_featurizer_model(config: Path, model: Path) -> None:
    """Point the small model's sentence featurizer of the Rasa config at ``model`` (a fitted encoder's
    folder, fitted from :data:`FITTED_BASE`), rewriting the file in place: a candidate's snapshot of
    config.yml, never the project's. A featurizer of another model (all-mpnet-base-v2) keeps it."""
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    featurizers = [step for step in data.get("pipeline") or []
                   if step.get("name") == FEATURIZER and step.get("model", FITTED_BASE) == FITTED_BASE]
    if not featurizers:
        raise ValueError(f"{config} has no {FEATURIZER} of {FITTED_BASE} to give the fitted encoder to")
    for step in featurizers:
        step["model"] = str(model)
    config.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def inputs_digest(root: Path = PROJECT_ROOT,
                  names: tuple[str, ...] = (CONFIG, DOMAIN, *TRAINING_FILES, *MODEL_CODE)) -> str:
    """A digest of every file a model is trained from (folders: their Python files; a missing file counts too)."""
    digest = hashlib.sha256()
    for name in names:
        path = root / name
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for each in files:
            digest.update(str(each.relative_to(root)).encode() + b"\0")
            digest.update(each.read_bytes() if each.is_file() else b"<absent>")
    return digest.hexdigest()


def record_inputs(archive: Path, digest: str) -> None:
    """Note beside ``archive`` what it was trained from (:func:`inputs_digest`)."""
    archive.with_name(archive.name + INPUTS_SUFFIX).write_text(digest, encoding="utf-8")


def up_to_date_model(digest: str, models_dir: Path = MODELS_DIR) -> Path | None:
    """The newest archive in ``models_dir`` when it was trained from exactly these inputs, else None.

    Rasa 3 writes a new archive on every ``rasa train``, changed or not (about 20 s here); the
    launcher and every test system asked for one at each start."""
    archive = latest_model(models_dir)
    if archive is None:
        return None
    noted = archive.with_name(archive.name + INPUTS_SUFFIX)
    return archive if noted.is_file() and noted.read_text(encoding="utf-8").strip() == digest else None


def latest_model(models_dir: Path = MODELS_DIR) -> Path | None:
    """The newest model archive in ``models_dir``, if there is one."""
    models = sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def model_fingerprint(archive: Path) -> str:
    """The fingerprint Rasa gives a model at training (``GET /status`` reports it as ``model_id``)."""
    with tarfile.open(archive) as tar:
        member = tar.extractfile("metadata.json")
        assert member is not None, f"{archive} has no metadata.json"
        return str(json.load(member)["model_id"])


def endpoints_env(*, redis_url: str, action_url: str, action_token: str, tracker_record_exp_s: int) -> dict[str, str]:
    """The variables endpoints.yml reads: Rasa's tracker and lock stores in Redis (trackers expiring
    ``tracker_record_exp_s`` after their last save), and the action endpoint (the gateway) with its token."""
    parsed = urlparse(redis_url)
    return {
        "TANDEM_REDIS_HOST": parsed.hostname or "127.0.0.1",
        "TANDEM_REDIS_PORT": str(parsed.port or 6379),
        "TANDEM_REDIS_DB": (parsed.path or "/0").lstrip("/") or "0",
        "TANDEM_REDIS_PASSWORD": parsed.password or "",
        "TANDEM_ACTION_URL": action_url,
        "TANDEM_ACTION_TOKEN": action_token,
        "TANDEM_TRACKER_RECORD_EXP": str(tracker_record_exp_s),
    }
