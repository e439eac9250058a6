"""The model worker serves the same vectors as the in-process encoder, batched, cached, and recovered.

Real Redis, real models; the worker runs in a thread of the test (the fault test in
tests/integration/test_faults.py kills a real worker process).
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import redis as redis_sync

from encoders import EncoderUnavailable, Precision, SentenceEncoder, protocol
from encoders.remote import WorkerClient, WorkerUnavailable
from encoders.worker import ModelWorker
from knowledge_base.embedder import DEFAULT_MODEL_CACHE, minilm_folder, unpacked_mpnet

pytestmark = [pytest.mark.integration, pytest.mark.slow]

QUESTIONS = [f"how do I reset my lumen hub number {n}?" for n in range(20)] + [
    "hi", "thanks, bye", "Does the strip work with Alexa and Google Home, or only with the app?",
    "my bulb keeps blinking after the update", "what's the weather tomorrow"]


@pytest.fixture
def url(redis_url: str) -> str:
    redis_sync.Redis.from_url(redis_url).flushdb()
    return redis_url


class Running:
    """Workers in threads of this process, stopped at the end."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.workers: list[tuple[ModelWorker, threading.Thread]] = []

    def start(self, name: str, **options: float) -> ModelWorker:
        worker = ModelWorker(self.url, name, **options)  # type: ignore[arg-type]
        thread = threading.Thread(target=worker.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while WorkerClient(self.url).workers_alive() < len(self.workers) + 1:
            assert time.monotonic() < deadline, "the worker did not say it was alive"
            time.sleep(0.05)
        self.workers.append((worker, thread))
        return worker

    def stop(self) -> None:
        for worker, thread in self.workers:
            worker.stop.set()
            thread.join(timeout=10)


@pytest.fixture
def running(url: str) -> Iterator[Running]:
    workers = Running(url)
    yield workers
    workers.stop()


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray((a * b).sum(axis=1))


def test_worker_vectors_equal_the_in_process_ones_for_both_models(url: str, running: Running) -> None:
    running.start("w1")
    client = WorkerClient(url)
    for folder in (minilm_folder(), unpacked_mpnet(DEFAULT_MODEL_CACHE)):
        alone = SentenceEncoder(folder).encode(QUESTIONS)
        with ThreadPoolExecutor(max_workers=8) as pool:  # conversations at once: batched by the worker
            served = np.vstack(list(pool.map(lambda text, f=folder: client.encoder(f).encode([text]), QUESTIONS)))
        assert served.shape == alone.shape and served.dtype == np.float32
        np.testing.assert_allclose(served, alone, atol=2e-6)  # the same vectors, to float rounding (padding)
        assert cosines(served, alone).min() > 0.99999


def test_concurrent_requests_share_model_calls(url: str, running: Running) -> None:
    worker = running.start("w1", batch_window_s=0.02)
    encoder = WorkerClient(url).encoder(minilm_folder())
    encoder.encode(["warm the model up"])
    calls = worker.batches
    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(lambda text: encoder.encode([text]), QUESTIONS))
    assert worker.batches - calls < len(QUESTIONS) / 2


def test_a_text_is_embedded_once_per_model_whichever_copy_of_the_model_asks(
        url: str, running: Running, tmp_path: Path) -> None:
    worker = running.start("w1")
    copy = tmp_path / "minilm-copy"  # as Rasa's virtualenv holds its own copy of the package
    shutil.copytree(minilm_folder(), copy)
    client = WorkerClient(url)
    first = client.encoder(minilm_folder()).encode(["my hub blinks amber"])
    calls = worker.batches
    second = client.encoder(copy).encode(["my hub blinks amber"])
    assert worker.batches == calls  # from the shared cache, no model call
    np.testing.assert_array_equal(first, second)


def test_a_fine_tuned_folder_is_another_model(tmp_path: Path) -> None:
    copy = tmp_path / "tuned"
    shutil.copytree(minilm_folder(), copy)
    (copy / "model.safetensors").write_bytes(b"\0" * 16)  # other weights, same shape of folder
    assert protocol.model_identity(copy) != protocol.model_identity(minilm_folder())


def test_with_no_worker_alive_a_client_fails_at_once(url: str) -> None:
    started = time.monotonic()
    with pytest.raises(WorkerUnavailable, match="no model worker"):
        WorkerClient(url).encoder(minilm_folder()).encode(["hello"])
    assert time.monotonic() - started < 1


def test_a_folder_that_is_not_a_model_gets_a_clear_error(url: str, running: Running, tmp_path: Path) -> None:
    running.start("w1")
    (tmp_path / "config.json").write_text('{"hidden_size": 384}')
    with pytest.raises(EncoderUnavailable, match="not a sentence-transformers model folder"):
        WorkerClient(url).encoder(tmp_path).encode(["hello"])


def test_requests_of_a_worker_that_died_are_served_by_another(url: str, running: Running) -> None:
    client = WorkerClient(url)
    encoder = client.encoder(minilm_folder())
    # A worker that read a request and died before answering: its consumer holds it, unacknowledged.
    dead = redis_sync.Redis.from_url(url)
    dead.xgroup_create(protocol.REQUESTS, protocol.GROUP, id="0", mkstream=True)
    dead.zadd(protocol.WORKERS, {"dead": time.time() - 2 * protocol.LIVENESS_S})
    reply = protocol.reply_key("orphan")
    dead.xadd(protocol.REQUESTS, {"model": str(minilm_folder()), "identity": encoder.identity,
                                  "precision": Precision.FP32.value, "texts": '["left behind"]', "reply": reply,
                                  "deadline": repr(time.time() + 30)})
    assert dead.xreadgroup(protocol.GROUP, "dead", {protocol.REQUESTS: ">"}, count=1)
    running.start("w2")
    popped = dead.blpop([reply], timeout=15)
    assert popped is not None
    vector = protocol.decode_reply(popped[1], 1)
    np.testing.assert_allclose(vector, SentenceEncoder(minilm_folder()).encode(["left behind"]), atol=2e-6)


def test_a_malformed_request_is_refused_with_a_reason(url: str, running: Running) -> None:
    running.start("w1")
    raw = redis_sync.Redis.from_url(url)
    reply = protocol.reply_key("malformed")
    raw.xadd(protocol.REQUESTS, {"model": "/nowhere", "texts": "not json", "reply": reply})
    popped = raw.blpop([reply], timeout=10)
    assert popped is not None
    with pytest.raises(ValueError, match="bad request"):
        protocol.decode_reply(popped[1], 1)


def test_a_worker_keeps_serving_after_its_request_stream_is_deleted(url: str, running: Running) -> None:
    """A flushed database or a Redis restart without persistence loses the stream and its group."""
    running.start("w1")
    client = WorkerClient(url)
    folder = minilm_folder()
    before = client.encoder(folder).encode(["how do I reset my hub?"])
    redis_sync.Redis.from_url(url).delete(protocol.REQUESTS)  # while the worker is blocked reading it
    deadline = time.monotonic() + 15
    while True:
        try:
            after = client.encoder(folder).encode(["how do I pair a bulb after the stream went away?"])
            break
        except WorkerUnavailable:
            assert time.monotonic() < deadline, "the worker did not serve again after its stream was deleted"
            time.sleep(0.2)
    assert after.shape == before.shape
    assert all(thread.is_alive() for _, thread in running.workers)
