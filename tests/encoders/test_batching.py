"""Concurrent requests share model calls, and each caller still gets its own vectors (or error)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from encoders import SentenceEncoder
from encoders.batching import MicroBatcher
from knowledge_base.embedder import _minilm_path

pytestmark = [pytest.mark.unit]

QUESTIONS = [f"how do I reset my lumen hub number {n}?" for n in range(24)] + ["hi", "thanks, bye"]


def test_concurrent_callers_share_model_calls_and_get_their_own_vectors() -> None:
    encoder = SentenceEncoder(_minilm_path())
    batcher = MicroBatcher(encoder.encode)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda text: batcher.encode([text]), QUESTIONS))
    alone = encoder.encode(QUESTIONS)
    assert np.allclose(np.vstack(results), alone, atol=1e-5)
    assert batcher.calls < len(QUESTIONS)


def test_a_lone_request_is_served_at_once_with_every_text_in_order() -> None:
    calls: list[list[str]] = []

    def encode(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return np.arange(len(texts), dtype=np.float32)[:, np.newaxis]

    assert MicroBatcher(encode).encode(["a", "b", "c"]).ravel().tolist() == [0.0, 1.0, 2.0]
    assert calls == [["a", "b", "c"]]


def test_a_failing_model_call_reaches_every_caller_in_the_batch() -> None:
    started = threading.Event()
    release = threading.Event()

    def encode(texts: list[str]) -> np.ndarray:
        if texts == ["first"]:
            started.set()
            release.wait(5)
            return np.zeros((1, 1), dtype=np.float32)
        raise RuntimeError("model gone")

    batcher = MicroBatcher(encode)
    with ThreadPoolExecutor(max_workers=3) as pool:
        first = pool.submit(batcher.encode, ["first"])
        started.wait(5)
        later = [pool.submit(batcher.encode, [text]) for text in ("second", "third")]
        release.set()
        assert first.result().shape == (1, 1)
        for future in later:
            with pytest.raises(RuntimeError, match="model gone"):
                future.result()
