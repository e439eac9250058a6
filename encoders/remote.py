"""The model workers' client: vectors of texts, from the shared cache or from a worker.

Used by the gateway's knowledge base and by Rasa's featurizer (in Rasa's virtualenv), so it is
small, synchronous (both call it from worker threads or Rasa's graph) and needs only numpy and
redis. Each call first reads the cache (one round trip; a message Rasa already embedded costs the
knowledge base nothing more), then queues the texts not found there for the workers and waits for
their replies. When no worker is alive it fails at once with :class:`WorkerUnavailable`, which the
gateway turns into a holding reply and a place in the queue for a person, as when Rasa is down.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import redis

from encoders import protocol
from encoders.sentence import EncoderUnavailable, Precision

#: Texts per request: a long list (re-indexing articles) goes as several, so the workers can fit
#: conversations' one-text requests in between.
REQUEST_TEXTS = 64


class WorkerUnavailable(EncoderUnavailable):
    """No model worker answered in time (none running, or it died): the caller holds the message."""


class WorkerClient:
    """One connection pool to the workers' Redis, shared by every model a process asks about."""

    def __init__(self, url: str, timeout_s: float = 20.0) -> None:
        self.redis = redis.Redis.from_url(url, socket_connect_timeout=2.0)
        self.timeout_s = timeout_s

    def encoder(self, model_dir: Path, precision: Precision | str = Precision.FP32) -> RemoteEncoder:
        return RemoteEncoder(self, model_dir, Precision(precision))

    def workers_alive(self) -> int:
        """How many workers said they were alive within :data:`protocol.LIVENESS_S`."""
        return int(self.redis.zcount(protocol.WORKERS, time.time() - protocol.LIVENESS_S, "+inf"))


class RemoteEncoder:
    """One model (a sentence-transformers folder) served by the workers; a drop-in for
    :class:`encoders.SentenceEncoder`: same ``dimension``, same ``encode``, the same vectors."""

    def __init__(self, client: WorkerClient, model_dir: Path, precision: Precision = Precision.FP32) -> None:
        self._client = client
        self._model_dir = model_dir.resolve()
        self._precision = Precision(precision)
        self._identity = ""
        self._dimension = 0

    @property
    def identity(self) -> str:
        """The model's :func:`protocol.model_identity` (read once: it hashes the weights)."""
        if not self._identity:
            if not (self._model_dir / "config.json").is_file():
                raise EncoderUnavailable(f"{self._model_dir} is not a sentence-transformers model folder")
            self._identity = protocol.model_identity(self._model_dir)
        return self._identity

    @property
    def dimension(self) -> int:
        if not self._dimension:
            config = json.loads((self._model_dir / "config.json").read_text())
            self._dimension = int(config["hidden_size"])
        return self._dimension

    def encode(self, texts: list[str], batch_size: int = REQUEST_TEXTS) -> np.ndarray:
        """A ``(len(texts), dimension)`` float32 array of unit rows (``batch_size``: texts per request)."""
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return vectors
        keys = [protocol.vector_key(self.identity, self._precision.value, text) for text in texts]
        try:
            rows_of: dict[str, list[int]] = {}
            for row in self._from_cache(keys, vectors):
                rows_of.setdefault(texts[row], []).append(row)
            if rows_of:
                self._from_workers(rows_of, vectors, max(1, min(batch_size, REQUEST_TEXTS)))
        except redis.RedisError as error:
            raise WorkerUnavailable(f"the model workers' Redis did not answer: {error}") from error
        return vectors

    def _from_cache(self, keys: list[str], vectors: np.ndarray) -> list[int]:
        """Fill the rows the cache has; the positions it has not."""
        missing = []
        found: Any = self._client.redis.mget(keys)
        for i, cached in enumerate(found):
            if cached is None or len(cached) != 4 * self.dimension:
                missing.append(i)
            else:
                vectors[i] = np.frombuffer(cached, dtype=np.float32)
        return missing

    def _from_workers(self, rows_of: dict[str, list[int]], vectors: np.ndarray, per_request: int) -> None:
        """Queue the distinct ``texts`` (``rows_of``: their rows in ``vectors``) and fill from the replies."""
        if not self._client.workers_alive():
            raise WorkerUnavailable("no model worker is running (make run starts them; or python -m encoders.worker)")
        distinct = list(rows_of)
        deadline = time.time() + self._client.timeout_s
        chunks = [distinct[start:start + per_request] for start in range(0, len(distinct), per_request)]
        replies = [protocol.reply_key(uuid.uuid4().hex) for _ in chunks]
        with self._client.redis.pipeline(transaction=False) as pipe:
            for chunk, reply in zip(chunks, replies, strict=True):
                pipe.xadd(protocol.REQUESTS, {
                    "model": str(self._model_dir), "identity": self.identity, "precision": self._precision.value,
                    "texts": json.dumps(chunk), "reply": reply, "deadline": repr(deadline),
                }, maxlen=protocol.MAX_QUEUED, approximate=True)
            pipe.execute()
        for chunk, reply in zip(chunks, replies, strict=True):
            try:
                chunk_vectors = protocol.decode_reply(self._wait(reply, deadline), len(chunk))
            except ValueError as error:
                raise EncoderUnavailable(f"the model worker refused {self._model_dir.name}: {error}") from error
            for text, vector in zip(chunk, chunk_vectors, strict=True):
                vectors[rows_of[text]] = vector

    def _wait(self, reply: str, deadline: float) -> bytes:
        """The reply, waiting in slices so that a worker dying mid-request is noticed within seconds."""
        while (left := deadline - time.time()) > 0:
            popped: Any = self._client.redis.blpop([reply], timeout=min(left, protocol.HEARTBEAT_S))
            if popped is not None:
                return bytes(popped[1])
            if not self._client.workers_alive():
                raise WorkerUnavailable("the model workers stopped answering (none alive)")
        raise WorkerUnavailable(f"no model worker answered within {self._client.timeout_s:.0f} s")
