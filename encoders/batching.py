"""Micro-batching: concurrent encode calls from several threads share one model call.

The gateway searches the knowledge base from worker threads, one per conversation being
answered. While one thread's texts are in the model, the texts of the others queue; the next
free thread takes all of them in one call. There is no timer: a batch is whatever arrived during
the previous call, so a lone request waits for nothing, and under load the model runs batches,
which cost about half as much per text as single texts (docs/capacity.md).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

Encode = Callable[[list[str]], np.ndarray]


class _Request:
    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.vectors: np.ndarray | None = None
        self.error: BaseException | None = None

    @property
    def done(self) -> bool:
        return self.vectors is not None or self.error is not None


class MicroBatcher:
    """Wraps ``encode`` so that calls made at the same time run as one; thread-safe."""

    def __init__(self, encode: Encode) -> None:
        self._encode = encode
        self._ready = threading.Condition()
        self._pending: list[_Request] = []
        self._busy = False
        self.calls = 0  #: model calls made (fewer than requests when batching happened)

    def encode(self, texts: list[str]) -> np.ndarray:
        """The vectors of ``texts``, in order, possibly computed with other threads' texts."""
        request = _Request(texts)
        with self._ready:
            self._pending.append(request)
            while not request.done:
                if self._busy:
                    self._ready.wait()
                    continue
                batch, self._pending, self._busy = self._pending, [], True
                self._ready.release()
                try:
                    self._run(batch)
                finally:
                    self._ready.acquire()
                    self._busy = False
                    self._ready.notify_all()
        if request.error is not None:
            raise request.error
        assert request.vectors is not None
        return request.vectors

    def _run(self, batch: list[_Request]) -> None:
        """One model call for every request in ``batch``; each gets its rows, or the error."""
        self.calls += 1
        try:
            vectors = self._encode([text for request in batch for text in request.texts])
        except BaseException as error:  # every waiting caller must hear of it, not only this one
            for request in batch:
                request.error = error
            return
        start = 0
        for request in batch:
            request.vectors = vectors[start:start + len(request.texts)]
            start += len(request.texts)
