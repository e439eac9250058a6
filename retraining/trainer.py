"""``train``: a new candidate model from the training files, beside (never instead of) the live one.

The candidate is trained on the training part of a held-out split of the NLU examples (Rasa's own
split, :func:`rasa_bridge.commands.split_nlu`: stratified by intent, fixed seed); the test part is
kept with it and never trained on, so ``evaluate`` measures the very model ``promote`` would put
live. A fraction of 0 trains on every example (then only cross-validation can measure it).

With a ``fit`` (the gateway gives one, :class:`EncoderFit`: the knowledge base's published articles
and vocabulary, :mod:`encoders.fitting`), the candidate first gets its own sentence encoder,
fitted to the domain, in its folder; its snapshot of config.yml points Rasa's featurizer at it,
and the knowledge base uses the same encoder once the candidate is live (:mod:`retraining.encoders`).
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from encoders.fitting import FittedEncoder
from rasa_bridge import Logged, OnProgress, Progress, model_fingerprint
from rasa_bridge import commands as rasa
from rasa_bridge.artefacts import with_featurizer_model
from retraining.errors import InvalidTrainingData
from retraining.nlu_yaml import load_yaml, read_examples
from retraining.registry import ARCHIVE, ModelRecord, Registry, now
from retraining.sources import TrainingSources

SPLIT_SEED = 42
SPLIT_DIR = "split"
ENCODER_DIR = "encoder"

#: Fits a sentence encoder into the folder it is given (blocking; run in a thread).
EncoderFit = Callable[[Path], FittedEncoder]


async def train(sources: TrainingSources, registry: Registry, *, cwd: Path, by: str, holdout_fraction: float,
                on_progress: OnProgress | None = None, fit: EncoderFit | None = None) -> ModelRecord:
    """Train a candidate into the registry and return its record (the live model is not touched).

    ``cwd`` is where Rasa keeps its component cache (:class:`rasa_bridge.Logged`).
    """
    if not 0 <= holdout_fraction < 1:
        raise InvalidTrainingData(f"the held-out fraction must be at least 0 and below 1, got {holdout_fraction}")
    sources.check()
    data_hash = sources.data_hash()
    model_id, folder = registry.new_model_folder(data_hash)
    logged = Logged(registry.log(model_id, "train"), cwd, on_progress)
    started = time.monotonic()
    try:
        snapshot = sources.snapshot(folder / "data")
        fitted = await _fit_encoder(fit, folder, snapshot.config, on_progress)
        files = list(snapshot.files)
        heldout = 0
        if holdout_fraction > 0:
            files, heldout = await _split(snapshot, folder / SPLIT_DIR, holdout_fraction, logged)
        archive = await rasa.train(logged, out=folder, config=snapshot.config, domain=snapshot.domain, data=files,
                                   fixed_model_name=ARCHIVE.removesuffix(".tar.gz"))
        record = ModelRecord(
            id=model_id, source="trained", created_at=now(), trained_by=by, data_hash=data_hash,
            rasa_model_id=model_fingerprint(archive), train_seconds=round(time.monotonic() - started, 1),
            holdout_fraction=holdout_fraction, heldout_examples=heldout,
            encoder=fitted.folder.relative_to(folder).as_posix() if fitted else None,
            encoder_seconds=fitted.seconds if fitted else None)
        registry.save(record)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # no half-made candidates; the log stays in logs/
        raise
    return record


async def _fit_encoder(fit: EncoderFit | None, folder: Path, config: Path,
                       on_progress: OnProgress | None) -> FittedEncoder | None:
    """The candidate's own encoder, with the snapshot's featurizer pointed at it (None: no fitting)."""
    if fit is None:
        return None
    if on_progress is not None:
        on_progress(Progress("fitting the sentence encoder to the knowledge base"))
    fitted = await asyncio.to_thread(fit, folder / ENCODER_DIR)
    with_featurizer_model(config, fitted.folder)
    return fitted


async def _split(snapshot: TrainingSources, out: Path, holdout_fraction: float,
                 logged: Logged) -> tuple[list[Path], int]:
    """Split the NLU examples; return the files to train on and how many examples were held out."""
    for path in snapshot.nlu_files():
        if {"rules", "stories"} & set(load_yaml(path)):
            raise InvalidTrainingData(f"{path.name} mixes NLU examples with rules or stories; the held-out "
                                      "split needs them in separate files")
    training, test = await rasa.split_nlu(logged, nlu=snapshot.files[0].parent,
                                          training_fraction=round(1 - holdout_fraction, 4), seed=SPLIT_SEED, out=out)
    heldout = sum(len(examples) for examples in read_examples(test).values())
    return [training, *snapshot.dialogue_files()], heldout
