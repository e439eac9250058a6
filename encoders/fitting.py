"""Fitting the small sentence encoder to one deployment's domain: contrastive fine-tuning, SetFit-style.

The packaged all-MiniLM-L6-v2 has never seen Lumen's products nor how customers name them, so
"the bridge" and "the base station" are far from the Hub's articles. A few dozen steps of
contrastive training on pairs that should be close (a customer-style wording of an article's
question and the article's title, phrasings or body; see :mod:`knowledge_base.encoder_pairs`) pull
them together: on the unseen-wording tuning half, MiniLM's article-question signal picks the
right article first for 85.6 % of answerable messages instead of 74.9 % (benchmarks/README.md,
"Fitted encoder").

The training is sentence-transformers' own: :class:`~sentence_transformers.SentenceTransformerTrainer`
with :class:`~sentence_transformers.losses.MultipleNegativesRankingLoss` (each pair's positive
against every other pair's in the batch) and batches without two pairs of one article, so an
in-batch "negative" is never a right answer. Forty steps of 32 short pairs take about a minute
on two idle cores (docs/capacity.md).

The fitted model is saved in sentence-transformers' folder format into ``<out_root>/<identity>``,
named by :func:`encoders.protocol.model_identity` of its files: a folder never changes once
written, so every cache keyed by a model folder (the ONNX export, the workers' sessions and
vectors) stays right. This module needs torch and sentence-transformers' training extras
(``datasets``, ``accelerate``): the gateway's virtualenv has them, Rasa's does not need them (it
only reads the folder).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from encoders.protocol import model_identity

logger = logging.getLogger(__name__)


class FitFailed(RuntimeError):
    """The encoder could not be fitted (too few pairs, a missing package); the message says which."""


@dataclass(frozen=True)
class FitSettings:
    """How long and how hard to train (the defaults were chosen on the unseen-wording tuning half)."""

    steps: int = 40
    batch_size: int = 32
    learning_rate: float = 3e-5
    max_seq_length: int = 64  # the pairs are questions and the start of a body: longer costs time, not quality
    warmup_ratio: float = 0.1  # a share of the steps (transformers 5 takes it as a float warmup_steps)
    seed: int = 0
    threads: int = 2


@dataclass(frozen=True)
class Pair:
    """Two texts the fitted encoder should put close together (``group`` names what they are about)."""

    anchor: str
    positive: str
    group: str


@dataclass(frozen=True)
class FittedEncoder:
    """Where the fitted model was saved, and what fitting it took."""

    folder: Path
    pairs: int
    steps: int
    seconds: float


def fit_encoder(base: Path, pairs: Sequence[Pair], out_root: Path, settings: FitSettings = FitSettings()
                ) -> FittedEncoder:
    """Fine-tune the model in ``base`` on ``pairs`` and save it under ``out_root`` (see the module docstring)."""
    if len({pair.group for pair in pairs}) < 2:
        raise FitFailed(f"fitting needs pairs about at least two things, got {len(pairs)} pairs")
    try:
        import torch
        from datasets import Dataset
        from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer
        from sentence_transformers import SentenceTransformerTrainingArguments as Arguments
        from sentence_transformers.base.sampler import BatchSamplers
        from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    except ImportError as error:
        raise FitFailed(f"fitting needs the package {error.name} (requirements/main.in)") from error
    started = time.monotonic()
    torch.set_num_threads(settings.threads)
    model = SentenceTransformer(str(base), device="cpu", local_files_only=True)
    serving_length = model.max_seq_length
    model.max_seq_length = settings.max_seq_length
    data = Dataset.from_dict({"anchor": [p.anchor for p in pairs], "positive": [p.positive for p in pairs]})
    out_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".fitting-", dir=out_root) as scratch:
        arguments = Arguments(
            output_dir=str(Path(scratch) / "trainer"), max_steps=settings.steps,
            per_device_train_batch_size=settings.batch_size, learning_rate=settings.learning_rate,
            warmup_steps=settings.warmup_ratio, batch_sampler=BatchSamplers.NO_DUPLICATES, seed=settings.seed,
            save_strategy="no", report_to=[], use_cpu=True, dataloader_num_workers=0, disable_tqdm=True,
            logging_steps=max(settings.steps // 4, 1))
        SentenceTransformerTrainer(model=model, args=arguments, train_dataset=data,
                                   loss=MultipleNegativesRankingLoss(model)).train()
        model.max_seq_length = serving_length  # serve whole messages, as the base model does
        saved = Path(scratch) / "model"
        model.save(str(saved))
        folder = _move_into_place(saved, out_root / model_identity(saved))
    seconds = round(time.monotonic() - started, 1)
    logger.info("fitted sentence encoder pairs=%d steps=%d seconds=%.1f folder=%s", len(pairs), settings.steps,
                seconds, folder.name)
    return FittedEncoder(folder, len(pairs), settings.steps, seconds)


def _move_into_place(saved: Path, target: Path) -> Path:
    """Rename the saved model to its content-named folder (an identical one already there is kept)."""
    if target.exists():
        return target
    try:
        os.rename(saved, target)
    except OSError:
        if not target.exists():
            raise
        shutil.rmtree(saved, ignore_errors=True)  # another process saved the same model first
    return target
