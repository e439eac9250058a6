"""How the model workers and their clients talk, over one Redis: keys, requests, replies, identity.

- **Requests** go on one stream (:data:`REQUESTS`), read by every worker through one consumer
  group, so more workers on the same Redis share the load with no other coordination. A request
  names its model by folder path and by :func:`model_identity` (a digest of the files that decide
  the vectors), its precision, its texts, the list its reply goes to and the time after which
  nobody waits for it.
- **Replies** are one item pushed on the request's own list: ``V`` + the float32 rows, or ``E`` +
  a message saying what was wrong with the request.
- **Vectors** are kept under :func:`vector_key` (model identity, precision, text digest) for
  ``cache_ttl_s``, so a message is embedded once per model: Rasa's featurizer and the knowledge
  base ask for the same MiniLM vector of the same text from two virtualenvs' copies of one model,
  and the second finds the first's.
- **Presence**: each worker scores itself in :data:`WORKERS` every ``HEARTBEAT_S``; a client
  with nobody fresher than ``LIVENESS_S`` gives up at once instead of waiting out its timeout.

This module and :mod:`encoders.remote` run in both virtualenvs (the gateway's and Rasa's), so
they need nothing but numpy and redis.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

PREFIX = "tandem:models"
REQUESTS = f"{PREFIX}:requests"
GROUP = "workers"
WORKERS = f"{PREFIX}:workers"
#: How often a worker says it is alive, and how stale that may be before clients stop waiting.
HEARTBEAT_S = 1.0
LIVENESS_S = 4.0
#: Requests are trimmed past this length, so a queue with no worker cannot grow without bound
#: (their clients gave up long before).
MAX_QUEUED = 10_000
#: Files whose content decides a model's vectors (the weights, the tokenizer, the pooling).
_IDENTITY_FILES = ("config.json", "sentence_bert_config.json", "1_Pooling/config.json", "tokenizer.json",
                   "tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "model.safetensors",
                   "pytorch_model.bin")

VECTORS = b"V"
ERROR = b"E"


def model_identity(model_dir: Path) -> str:
    """A digest of the files in ``model_dir`` that decide its vectors: two copies of one model (the
    gateway's and Rasa's packages) share it, a fine-tuned folder of the same shape does not."""
    digest = hashlib.sha256()
    for name in _IDENTITY_FILES:
        path = model_dir / name
        if path.is_file():
            digest.update(name.encode() + b"\0")
            with path.open("rb") as stream:
                digest.update(hashlib.file_digest(stream, "sha256").digest())
    return digest.hexdigest()[:24]


def vector_key(identity: str, precision: str, text: str) -> str:
    """Where the vector of ``text`` by that model and precision is kept."""
    return f"{PREFIX}:vec:{identity}:{precision}:{hashlib.sha256(text.encode()).hexdigest()[:32]}"


def reply_key(request_id: str) -> str:
    return f"{PREFIX}:reply:{request_id}"


def encode_vectors(vectors: np.ndarray) -> bytes:
    return VECTORS + np.ascontiguousarray(vectors, dtype=np.float32).tobytes()


def decode_reply(reply: bytes, rows: int) -> np.ndarray:
    """The ``(rows, dimension)`` vectors of a reply; :class:`ValueError` with the worker's message
    when it refused the request."""
    if reply[:1] == ERROR:
        raise ValueError(reply[1:].decode(errors="replace"))
    flat = np.frombuffer(reply[1:], dtype=np.float32)
    return flat.reshape(rows, -1) if rows else flat.reshape(0, 0)
