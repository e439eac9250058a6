"""One sentence-transformers model (transformer, mean pooling, L2 normalisation) on ONNX Runtime.

Why not sentence-transformers on torch: ONNX Runtime with its graph optimisations computes the
same vectors (cosine 1.0000 to torch on StackFAQ and CLINC150) for about a third of the CPU time
per query, and releases the GIL while it runs. ``int8`` precision (weights quantised per
channel, see :mod:`encoders.export`) halves that again at a small cost in fidelity, measured in
docs/capacity.md; it is opt-in.

The ONNX file is exported on first use into ``cache_dir`` and reused by every process after.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from encoders.export import EXPORT_VERSION, export, quantize

if TYPE_CHECKING:
    import onnxruntime

logger = logging.getLogger(__name__)

#: Where exported models are kept (under ``onnx/``), shared by every process on the machine.
DEFAULT_CACHE_DIR = Path.home() / ".cache" / "tandem" / "models"


class EncoderUnavailable(RuntimeError):
    """The model folder or a package the encoder needs is missing; the message says which."""


class Precision(StrEnum):
    """Weights as trained (``fp32``) or quantised to 8 bits (``int8``)."""

    FP32 = "fp32"
    INT8 = "int8"


class SentenceEncoder:
    """Encodes texts with the model in ``model_dir``; loads (exporting if needed) on first use.

    Thread-safe: one lock guards loading and tokenising (fast tokenizers are not safe to call
    from several threads); the ONNX session runs outside it. ``threads`` is ONNX Runtime's
    intra-op pool for this session alone: 1 keeps a 2-core machine responsive for Rasa and the
    event loop.
    """

    def __init__(self, model_dir: Path, cache_dir: Path = DEFAULT_CACHE_DIR, precision: Precision = Precision.FP32,
                 threads: int = 1) -> None:
        self._model_dir = model_dir
        self._cache_dir = cache_dir
        self._precision = Precision(precision)
        self._threads = threads
        self._lock = threading.Lock()
        self._session: onnxruntime.InferenceSession | None = None
        self._tokenizer: Any = None
        self._max_length = 0
        self._dimension = 0

    @property
    def dimension(self) -> int:
        self._loaded()
        return self._dimension

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """A ``(len(texts), dimension)`` float32 array of unit rows."""
        session = self._loaded()
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        # Shortest first, so each batch pads to similar lengths; put back in order at the end.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = np.empty((len(texts), self._dimension), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            chosen = order[start:start + batch_size]
            vectors[chosen] = self._encode_batch(session, [texts[i] for i in chosen])
        return vectors

    def _encode_batch(self, session: onnxruntime.InferenceSession, texts: list[str]) -> np.ndarray:
        with self._lock:
            tokens = self._tokenizer(texts, padding=True, truncation=True, max_length=self._max_length,
                                     return_tensors="np")
        feed = {i.name: tokens[i.name].astype(np.int64) for i in session.get_inputs()}
        hidden = session.run(None, feed)[0]
        mask = tokens["attention_mask"][..., np.newaxis].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)

    def _loaded(self) -> onnxruntime.InferenceSession:
        with self._lock:
            if self._session is None:
                self._session = self._load()
            return self._session

    def _load(self) -> onnxruntime.InferenceSession:
        """Tokenizer and session; the caller holds the lock."""
        try:
            import onnxruntime
            from transformers import AutoTokenizer
            from transformers.utils import logging as transformers_logging
        except ImportError as error:
            raise EncoderUnavailable(f"missing package: {error.name}") from error
        _check_mean_pooling(self._model_dir)
        transformers_logging.disable_progress_bar()
        self._tokenizer = AutoTokenizer.from_pretrained(str(self._model_dir), local_files_only=True)
        self._max_length = max_seq_length(self._model_dir)
        self._dimension = int(json.loads((self._model_dir / "config.json").read_text())["hidden_size"])
        path = self._onnx_file()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self._threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        logger.info("loading sentence encoder model=%s precision=%s", self._model_dir.name, self._precision.value)
        return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def _onnx_file(self) -> Path:
        """The exported (and, for int8, quantised) model, made on first use."""
        folder = self._cache_dir / "onnx" / f"{_cache_name(self._model_dir)}-v{EXPORT_VERSION}"
        fp32 = folder / "model-fp32.onnx"
        if not fp32.exists():
            export(self._model_dir, fp32)
        if self._precision is Precision.FP32:
            return fp32
        int8 = folder / "model-int8.onnx"
        if not int8.exists():
            quantize(fp32, int8)
        return int8


def _cache_name(model_dir: Path) -> str:
    """A cache folder name per model folder: two packages whose folders are both called ``model``
    (or two virtualenvs' copies of one) never share an export."""
    digest = hashlib.sha256(str(model_dir.resolve()).encode()).hexdigest()[:12]
    return f"{model_dir.name}-{digest}"


def _check_mean_pooling(model_dir: Path) -> None:
    """Refuse a model whose pooling is not the mean of token vectors (what ``_encode_batch`` does)."""
    pooling = model_dir / "1_Pooling" / "config.json"
    if not pooling.exists():
        raise EncoderUnavailable(f"{model_dir} is not a sentence-transformers model folder (no 1_Pooling)")
    config = json.loads(pooling.read_text())
    if not (config.get("pooling_mode_mean_tokens") or config.get("pooling_mode") == "mean"):
        raise EncoderUnavailable(f"{model_dir}: only mean pooling is supported")


def max_seq_length(model_dir: Path) -> int:
    """The longest input the model was made for, in tokens, from either way the folder says it.

    sentence-transformers before 6 wrote ``max_seq_length`` to ``sentence_bert_config.json`` (the
    packaged models); 6 leaves it to the tokenizer's ``model_max_length`` (a fitted encoder).
    """
    config = json.loads((model_dir / "sentence_bert_config.json").read_text())
    if "max_seq_length" in config:
        return int(config["max_seq_length"])
    return int(json.loads((model_dir / "tokenizer_config.json").read_text())["model_max_length"])
