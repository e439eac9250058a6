"""The model worker: owns the sentence models and serves vectors to every gateway and Rasa server.

Run as ``python -m encoders.worker --redis-url ...``; ``make run`` and the test harness start
``Settings.models.workers`` of them (bot/processes.py). Each one:

- reads up to ``max_batch`` requests at a time from the shared stream (:mod:`encoders.protocol`),
  waiting ``batch_window_s`` after the first for others to arrive, so conversations answered by
  different gateways and Rasa servers share one model call per model;
- loads a model on the first request that names it (any sentence-transformers folder, exported
  to ONNX once per machine: :class:`encoders.SentenceEncoder`), one session per model identity,
  so Rasa's copy of MiniLM and the gateway's are one model here;
- puts each vector in the shared cache and pushes each request's reply to its list;
- says every second that it is alive, from a thread of its own (a long batch does not make it
  look dead), and takes over the requests of workers that stopped saying so.

Scale-out is more of these processes against the same Redis: the consumer group hands each
request to one of them.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import redis

from encoders import protocol
from encoders.sentence import DEFAULT_CACHE_DIR, Precision, SentenceEncoder

logger = logging.getLogger(__name__)

RECOVER_EVERY_S = 2.0
REDIS_RETRY_S = 1.0  # how long to wait before trying an unreachable Redis again
REPLY_TTL_S = 60


@dataclass(frozen=True)
class Request:
    """One queued request, as read from the stream."""

    entry_id: bytes
    model: Path
    identity: str
    precision: Precision
    texts: list[str]
    reply: str
    deadline: float

    @classmethod
    def parse(cls, entry_id: bytes, fields: dict[bytes, bytes]) -> Request:
        """Raises KeyError or ValueError naming what is wrong with a malformed request."""
        texts = json.loads(fields[b"texts"])
        if not isinstance(texts, list) or not all(isinstance(text, str) for text in texts):
            raise ValueError("texts must be a JSON list of strings")
        return cls(entry_id, Path(fields[b"model"].decode()), fields[b"identity"].decode(),
                   Precision(fields[b"precision"].decode()), texts, fields[b"reply"].decode(),
                   float(fields[b"deadline"]))


class ModelWorker:
    """One worker process's loop; ``stop`` ends it after the batch in hand."""

    def __init__(self, redis_url: str, name: str, *, batch_window_s: float = 0.002, max_batch: int = 64,
                 threads: int = 1, cache_ttl_s: int = 120, cache_dir: Path = DEFAULT_CACHE_DIR) -> None:
        self.redis = redis.Redis.from_url(redis_url)
        self.name = name
        self.batch_window_s = batch_window_s
        self.max_batch = max_batch
        self.threads = threads
        self.cache_ttl_s = cache_ttl_s
        self.cache_dir = cache_dir
        self.stop = threading.Event()
        self._encoders: dict[tuple[str, Precision], SentenceEncoder] = {}
        self.batches = 0  #: model calls made (for logs and tests)

    def run(self) -> None:
        """Serve until :attr:`stop` is set.

        Redis going away (a restart, a failover) or losing the request stream (a restart without
        persistence, a flushed database) must not end the worker: it says so in the log, makes the
        stream and group again, and goes on serving.
        """
        self._create_group()
        self._say_alive()
        heartbeat = threading.Thread(target=self._heartbeat, name="heartbeat", daemon=True)
        heartbeat.start()
        logger.info("model worker ready name=%s", self.name)
        recovered_at = 0.0
        while not self.stop.is_set():
            try:
                if time.monotonic() - recovered_at > RECOVER_EVERY_S:
                    self._recover()
                    recovered_at = time.monotonic()
                self.serve(self._read())
            except redis.ResponseError as error:  # NOGROUP / "the stream key no longer exists"
                logger.warning("model worker lost its request stream (%s); making it again", error)
                self._create_group()
            except (redis.ConnectionError, redis.TimeoutError) as error:
                logger.warning("model worker cannot reach Redis (%s); retrying", error)
                self.stop.wait(REDIS_RETRY_S)
        self.redis.zrem(protocol.WORKERS, self.name)

    def _create_group(self) -> None:
        """The stream and its group, made once for every worker (BUSYGROUP, ignored, when they exist)."""
        with self.redis.pipeline() as pipe:
            pipe.xgroup_create(protocol.REQUESTS, protocol.GROUP, id="0", mkstream=True)
            pipe.execute(raise_on_error=False)

    def _read(self) -> list[tuple[bytes, dict[bytes, bytes]]]:
        """The next requests: whatever is queued, blocking up to a heartbeat for the first."""
        entries = self._read_group(block_ms=int(protocol.HEARTBEAT_S * 1000), count=self.max_batch)
        if entries and len(entries) < self.max_batch and self.batch_window_s > 0:
            time.sleep(self.batch_window_s)
            entries += self._read_group(block_ms=None, count=self.max_batch - len(entries))
        return entries

    def _read_group(self, block_ms: int | None, count: int) -> list[tuple[bytes, dict[bytes, bytes]]]:
        streams: Any = self.redis.xreadgroup(protocol.GROUP, self.name, {protocol.REQUESTS: ">"}, count=count,
                                             block=block_ms)
        return [entry for _, entries in streams or [] for entry in entries]

    def serve(self, entries: Sequence[tuple[bytes, Any]]) -> None:
        """Answer ``entries``: one model call per model and precision, replies, cache, acknowledgement."""
        if not entries:
            return
        now = time.time()
        by_model: dict[tuple[str, Precision], list[Request]] = {}
        with self.redis.pipeline(transaction=False) as pipe:
            for entry_id, fields in entries:
                if fields is None:  # trimmed before it was read: its client gave up long ago
                    continue
                try:
                    request = Request.parse(entry_id, fields)
                except (KeyError, ValueError) as error:
                    logger.warning("malformed model request id=%s: %r", entry_id.decode(), error)
                    if b"reply" in fields:
                        refusal = protocol.ERROR + f"bad request: {error!r}".encode()
                        self._reply(pipe, fields[b"reply"].decode(), refusal)
                    continue
                if request.deadline > now:
                    by_model.setdefault((request.identity, request.precision), []).append(request)
            for requests in by_model.values():
                self._answer(pipe, requests)
            ids = [entry_id for entry_id, _ in entries]
            pipe.xack(protocol.REQUESTS, protocol.GROUP, *ids)
            pipe.xdel(protocol.REQUESTS, *ids)
            pipe.execute()

    def _answer(self, pipe: Any, requests: list[Request]) -> None:
        """One model call for every text of ``requests`` (one model and precision)."""
        distinct = list(dict.fromkeys(text for request in requests for text in request.texts))
        try:
            first = requests[0]
            vectors = self._encoder(first.model, first.identity, first.precision).encode(distinct)
        except Exception as error:  # a bad folder or a broken model: every client hears why
            logger.warning("model worker cannot serve model=%s: %s", requests[0].model, error)
            for request in requests:
                self._reply(pipe, request.reply, protocol.ERROR + str(error).encode())
            return
        self.batches += 1
        row = {text: vectors[n] for n, text in enumerate(distinct)}
        for text, vector in row.items():
            pipe.set(protocol.vector_key(first.identity, first.precision.value, text), vector.tobytes(),
                     ex=self.cache_ttl_s)
        for request in requests:
            rows = np.stack([row[text] for text in request.texts]) if request.texts else np.zeros((0, 0))
            self._reply(pipe, request.reply, protocol.encode_vectors(rows))
        logger.debug("served model=%s requests=%d texts=%d", first.model.name, len(requests), len(distinct))

    @staticmethod
    def _reply(pipe: Any, key: str, payload: bytes) -> None:
        pipe.rpush(key, payload)
        pipe.expire(key, REPLY_TTL_S)

    def preload(self, folders: Sequence[Path], precision: Precision) -> None:
        """Load these models now rather than on their first request (which would wait for it)."""
        for folder in folders:
            self._encoder(folder.resolve(), protocol.model_identity(folder.resolve()), precision)

    def _encoder(self, model: Path, identity: str, precision: Precision) -> SentenceEncoder:
        """The model, loaded on first use (one per identity and precision, whichever folder holds it)."""
        key = (identity, precision)
        if key not in self._encoders:
            if not (model / "modules.json").is_file():
                raise ValueError(f"{model} is not a sentence-transformers model folder on this machine")
            encoder = SentenceEncoder(model, self.cache_dir, precision, self.threads)
            encoder.dimension  # noqa: B018 - loads (and exports) now, so a broken model fails this batch
            self._encoders[key] = encoder
        return self._encoders[key]

    def _say_alive(self) -> None:
        self.redis.zadd(protocol.WORKERS, {self.name: time.time()})

    def _heartbeat(self) -> None:
        while not self.stop.wait(protocol.HEARTBEAT_S):
            try:
                self._say_alive()
            except redis.RedisError as error:  # Redis restarting: say it again next second
                logger.warning("model worker heartbeat failed: %s", error)

    def _recover(self) -> None:
        """Serve the requests a dead worker had read but not answered; forget dead workers."""
        now = time.time()
        fresh: Any = self.redis.zrangebyscore(protocol.WORKERS, now - protocol.LIVENESS_S, "+inf")
        alive = {_text(name) for name in fresh}
        self.redis.zremrangebyscore(protocol.WORKERS, "-inf", now - 10 * protocol.LIVENESS_S)
        consumers: Any = self.redis.xinfo_consumers(protocol.REQUESTS, protocol.GROUP)
        for consumer in consumers:
            name = _text(consumer["name"])
            if name == self.name or name in alive:
                continue
            pending: Any = self.redis.xpending_range(protocol.REQUESTS, protocol.GROUP, min="-", max="+",
                                                     count=self.max_batch, consumername=name)
            if pending:
                ids = [item["message_id"] for item in pending]
                logger.warning("taking over %d requests of stopped model worker %s", len(ids), name)
                claimed: Any = self.redis.xclaim(protocol.REQUESTS, protocol.GROUP, self.name, 0, ids)
                self.serve(claimed)
            else:
                self.redis.xgroup_delconsumer(protocol.REQUESTS, protocol.GROUP, name)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve sentence-model vectors to Tandem's gateways and Rasa servers.")
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--name", default=f"{socket.gethostname()}-{os.getpid()}", help="unique per worker")
    parser.add_argument("--batch-window-ms", type=float, default=2.0, help="wait this long for more requests")
    parser.add_argument("--max-batch", type=int, default=64, help="requests per model call at most")
    parser.add_argument("--threads", type=int, default=1, help="ONNX Runtime threads per model")
    parser.add_argument("--cache-ttl-s", type=int, default=120, help="how long vectors stay in the shared cache")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR, help="where exported models are kept")
    parser.add_argument("--preload", type=Path, action="append", default=[], help="a model folder to load at start")
    parser.add_argument("--precision", type=Precision, default=Precision.FP32, help="of the preloaded models")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    worker = ModelWorker(args.redis_url, args.name, batch_window_s=args.batch_window_ms / 1000,
                         max_batch=args.max_batch, threads=args.threads, cache_ttl_s=args.cache_ttl_s,
                         cache_dir=args.cache_dir)
    signal.signal(signal.SIGTERM, lambda *_: worker.stop.set())
    signal.signal(signal.SIGINT, lambda *_: worker.stop.set())
    worker.preload(args.preload, args.precision)  # before saying it is alive: ready means warm
    worker.run()


if __name__ == "__main__":
    main()
