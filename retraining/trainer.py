"""``train``: a new candidate model from the training files, beside (never instead of) the live one.

The candidate is trained on the training part of a held-out split of the NLU examples (Rasa's own
``rasa data split nlu``, stratified by intent, fixed seed); the test part is kept with it and never
trained on, so ``evaluate`` measures the very model ``promote`` would put live. A fraction of 0
trains on every example (then only cross-validation can measure it).
"""

from __future__ import annotations

import json
import shutil
import tarfile
import time
from pathlib import Path

from retraining.errors import InvalidTrainingData, RasaCommandFailed
from retraining.nlu_yaml import load_yaml, read_examples
from retraining.rasa_cli import OnProgress, run_rasa
from retraining.registry import ARCHIVE, ModelRecord, Registry, now
from retraining.sources import TrainingSources

SPLIT_SEED = 42
SPLIT_DIR = "split"
TRAIN_SPLIT = "training_data.yml"  # the names `rasa data split nlu` writes
TEST_SPLIT = "test_data.yml"


async def train(sources: TrainingSources, registry: Registry, *, rasa_bin: Path, cwd: Path, by: str,
                holdout_fraction: float, on_progress: OnProgress | None = None) -> ModelRecord:
    """Train a candidate into the registry and return its record (the live model is not touched).

    ``cwd`` is where Rasa keeps its component cache (``.rasa/``): unchanged components (the
    dialogue policies, usually) are reused rather than retrained.
    """
    if not 0 <= holdout_fraction < 1:
        raise InvalidTrainingData(f"the held-out fraction must be at least 0 and below 1, got {holdout_fraction}")
    sources.check()
    data_hash = sources.data_hash()
    model_id, folder = registry.new_model_folder(data_hash)
    log = registry.log(model_id, "train")
    started = time.monotonic()
    try:
        snapshot = sources.snapshot(folder / "data")
        files = list(snapshot.files)
        heldout = 0
        if holdout_fraction > 0:
            files, heldout = await _split(snapshot, folder / SPLIT_DIR, holdout_fraction, rasa_bin, cwd, log,
                                          on_progress)
        await run_rasa(rasa_bin, ["train", "--out", str(folder), "--fixed-model-name", "model",
                                  "--config", str(snapshot.config), "--domain", str(snapshot.domain),
                                  "--data", *map(str, files)],
                       log=log, cwd=cwd, step="validating data", on_progress=on_progress)
        if not (folder / ARCHIVE).is_file():
            raise RasaCommandFailed("train", 0, log)
        record = ModelRecord(
            id=model_id, source="trained", created_at=now(), trained_by=by, data_hash=data_hash,
            rasa_model_id=rasa_model_id(folder / ARCHIVE), train_seconds=round(time.monotonic() - started, 1),
            holdout_fraction=holdout_fraction, heldout_examples=heldout)
        registry.save(record)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # no half-made candidates; the log stays in logs/
        raise
    return record


async def _split(snapshot: TrainingSources, out: Path, holdout_fraction: float, rasa_bin: Path, cwd: Path,
                 log: Path, on_progress: OnProgress | None) -> tuple[list[Path], int]:
    """Split the NLU examples; return the files to train on and how many examples were held out."""
    for path in snapshot.nlu_files():
        if {"rules", "stories"} & set(load_yaml(path)):
            raise InvalidTrainingData(f"{path.name} mixes NLU examples with rules or stories; the held-out "
                                      "split needs them in separate files")
    await run_rasa(rasa_bin, ["data", "split", "nlu", "--nlu", str(snapshot.files[0].parent),
                              "--training-fraction", str(round(1 - holdout_fraction, 4)),
                              "--random-seed", str(SPLIT_SEED), "--out", str(out)],
                   log=log, cwd=cwd, step="splitting examples", on_progress=on_progress)
    heldout = sum(len(examples) for examples in read_examples(out / TEST_SPLIT).values())
    return [out / TRAIN_SPLIT, *snapshot.dialogue_files()], heldout


def rasa_model_id(archive: Path) -> str:
    """The fingerprint Rasa gives a model at training (``GET /status`` reports it as ``model_id``)."""
    with tarfile.open(archive) as tar:
        member = tar.extractfile("metadata.json")
        assert member is not None, f"{archive} has no metadata.json"
        return str(json.load(member)["model_id"])
