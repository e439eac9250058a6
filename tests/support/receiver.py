"""A webhook receiver for tests: a real HTTP server on 127.0.0.1 (a free port) in a thread.

It records every POST (path, headers, body, arrival time) and answers each path with the status
codes planned for it, in order, then 200 (or ``always`` for that path).
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    answered: int


class Receiver:
    """The server's records and plans; ``url(path)`` is where to point a webhook."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.received: list[Received] = []
        self._plans: dict[str, list[int]] = defaultdict(list)
        self._always: dict[str, int] = {}
        self._lock = threading.Lock()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def plan(self, path: str, *codes: int, always: int | None = None) -> None:
        """Answer ``path`` with ``codes`` first, then ``always`` (default 200) for ever after."""
        with self._lock:
            self._plans[path] = list(codes)
            if always is None:
                self._always.pop(path, None)
            else:
                self._always[path] = always

    def answer(self, path: str) -> int:
        with self._lock:
            planned = self._plans[path]
            return planned.pop(0) if planned else self._always.get(path, 200)

    def record(self, request: Received) -> None:
        with self._lock:
            self.received.append(request)

    def at(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path == path]

    def wait_for(self, predicate: Callable[[list[Received]], bool], timeout_s: float = 30.0) -> list[Received]:
        """Poll the records until ``predicate`` holds on them (AssertionError after ``timeout_s``)."""
        deadline = time.monotonic() + timeout_s
        while True:
            with self._lock:
                snapshot = list(self.received)
            if predicate(snapshot):
                return snapshot
            if time.monotonic() > deadline:
                raise AssertionError(f"the receiver did not get what was expected within {timeout_s}s; "
                                     f"got {[(r.path, r.headers.get('x-tandem-event')) for r in snapshot]}")
            time.sleep(0.05)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            code = receiver.answer(self.path)
            receiver.record(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body,
                                     time.time(), code))
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the test reads the records."""

    return Handler


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    """A receiver on a free loopback port, stopped on exit."""
    receiver = Receiver(0)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
