"""Starts the real system for integration tests: Redis, model workers, a trained Rasa server, gateways.

It uses the same functions as ``make run`` (bot.processes), on free ports, with state in a
temporary folder, so the tests exercise what a user runs.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any

import httpx
import redis as redis_sync
import yaml

from bot.accounts import AccountStore
from bot.core.config import PROJECT_ROOT, Settings
from bot.core.security import StaffRole
from bot.processes import (
    Child,
    EmbeddedRedis,
    free_port,
    http_ok,
    model_worker_ready,
    redis_reachable,
    start_gateway,
    start_model_worker,
    start_rasa,
    wait_until,
)
from bot.services import make_engine
from rasa_bridge import server_ready, train_project

SECRET = "test-secret-key-that-is-long-enough-0123456789"
ACTION_TOKEN = "test-action-token"
RASA_TOKEN = "test-rasa-token"
PASSWORD = "correct horse battery staple"
#: How long a gateway or Rasa server may take to become ready; raise it on a loaded machine
#: (e.g. TANDEM_TEST_STARTUP_TIMEOUT_S=900 when other jobs share the cores).
STARTUP_TIMEOUT_S = float(os.environ.get("TANDEM_TEST_STARTUP_TIMEOUT_S", "240"))
ACCOUNTS = [
    ("agent1", "Alex Agent", StaffRole.AGENT),
    ("agent2", "Blair Agent", StaffRole.AGENT),
    ("super", "Sam Supervisor", StaffRole.SUPERVISOR),
    ("content", "Cora Content", StaffRole.CONTENT),
    ("admin", "Ada Admin", StaffRole.ADMIN),
]


#: Each test run takes a slot of three Redis databases on the machine's Redis (system, handoff,
#: reports), so two runs on one machine (a developer's and a helper's) never flush each other's data.
DATABASES_PER_RUN = 3
_SLOT_FIRST_DBS = range(1, 16 - DATABASES_PER_RUN + 1, DATABASES_PER_RUN)  # 1, 4, 7, 10, 13
_held_slot: int | None = None
_SLOT_HANDLES: list[IO[str]] = []
#: Where this run's embedded Redis (when the machine has none) keeps its data and works.
EMBEDDED_REDIS_DIR = Path(os.environ.get("TMPDIR", "/tmp")) / f"tandem-test-redis-{os.getpid()}"


def _claim_database_slot() -> int:
    """The first database of a slot no other live test run holds (an flock held until exit)."""
    global _held_slot
    if _held_slot is not None:
        return _held_slot
    for first_db in _SLOT_FIRST_DBS:
        handle = open(Path(tempfile.gettempdir()) / f"tandem-test-redis-slot-{first_db}.lock", "w")  # noqa: SIM115
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        _SLOT_HANDLES.append(handle)  # kept open: the lock lasts as long as this process
        _held_slot = first_db
        return first_db
    raise RuntimeError("every Redis database slot is held by another test run on this machine")



def test_redis_url(offset: int = 0) -> tuple[str, EmbeddedRedis | None]:
    """A Redis database of this run's own: the machine's Redis when it runs, else an embedded one.

    ``offset`` (0 to 2) picks one of the run's three databases, for suites that flush theirs.
    """
    assert 0 <= offset < DATABASES_PER_RUN
    base = os.environ.get("TANDEM_TEST_REDIS_URL", "redis://127.0.0.1:6379")
    if redis_reachable(base):
        return f"{base.rstrip('/')}/{_claim_database_slot() + offset}", None
    embedded = EmbeddedRedis.start(EMBEDDED_REDIS_DIR)
    return f"{embedded.url.rsplit('/', 1)[0]}/{offset}", embedded


@dataclass
class Gateway:
    """One running gateway process."""

    url: str
    child: Child

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://")


@dataclass
class RunningSystem:
    """Model workers, Rasa and one or more gateways over one Redis and one database."""

    state_dir: Path
    redis_url: str
    database_url: str
    rasa_url: str  # one server, or several separated by commas
    model_workers: list[Child] = field(default_factory=list)
    rasas: list[Child] = field(default_factory=list)
    gateways: list[Gateway] = field(default_factory=list)
    settings_env: dict[str, str] = field(default_factory=dict)  # overrides for every gateway

    @property
    def gateway(self) -> Gateway:
        return self.gateways[0]

    def gateway_env(self) -> dict[str, str]:
        return {
            "TANDEM_STATE_DIR": str(self.state_dir),
            # Vocabulary edits in tests must not rewrite the repository's training_data/vocabulary.yml.
            "TANDEM_KB_RASA_VOCABULARY_FILE": str(self.state_dir / "rasa_vocabulary.yml"),
            "TANDEM_REDIS_URL": self.redis_url,
            "TANDEM_DATABASE_URL": self.database_url,
            "TANDEM_RASA_URL": self.rasa_url,
            "TANDEM_RASA_TOKEN": RASA_TOKEN,
            "TANDEM_MODELS__URL": self.redis_url,  # this system's model workers, whatever Redis a gateway uses
            "TANDEM_SECRET_KEY": SECRET,
            "TANDEM_ACTION_TOKEN": ACTION_TOKEN,
            "TANDEM_SESSION_IDLE_TIMEOUT_S": "3600",
            # Fast presence and sweeps, so lost-agent tests take seconds, not minutes.
            "TANDEM_SWEEP_INTERVAL_S": "1",
            "TANDEM_HANDOFF__HEARTBEAT_S": "1",
            "TANDEM_HANDOFF__AGENT_GRACE_S": "2",
            # The suite's agents hold chats across many tests; capacity is tested on its own.
            "TANDEM_HANDOFF__DEFAULT_CAPACITY": "50",
            # The suite's agents claim chats; automatic assignment is tested on a system of its own.
            "TANDEM_HANDOFF__ASSIGNMENT": "manual",
            # Every test client comes from 127.0.0.1: per-address limits are tested on their own.
            "TANDEM_RATE_LIMITS__MESSAGES_PER_IP": "100000/minute",
            "TANDEM_RATE_LIMITS__SESSIONS_PER_IP": "100000/minute",
            "TANDEM_RATE_LIMITS__LOGINS_PER_IP": "100000/minute",
            # Webhook retries in a second or two, not minutes (tests/integration/test_webhooks.py).
            "TANDEM_WEBHOOKS__BACKOFF_BASE_S": "0.5",
            "TANDEM_WEBHOOKS__MAX_ATTEMPTS": "3",
            "TANDEM_WEBHOOKS__POLL_INTERVAL_S": "0.25",
            "TANDEM_WEBHOOKS__TIMEOUT_S": "3",
        } | self.settings_env

    def start_model_worker(self) -> Child:
        """Start one more model worker on this system's Redis and wait until it is ready."""
        child = start_model_worker(url=self.redis_url, settings=Settings().models,
                                   log=self.state_dir / "logs" / f"model-worker-{len(self.model_workers)}.log")
        self.model_workers.append(child)
        wait_until(partial(model_worker_ready, self.redis_url, child), child, timeout_s=STARTUP_TIMEOUT_S)
        return child

    def tracker_record_exp_s(self) -> int:
        """Rasa's tracker expiry for the gateways' settings, as ``make run`` computes it."""
        idle_s = int(self.gateway_env()["TANDEM_SESSION_IDLE_TIMEOUT_S"])
        return Settings(session_idle_timeout_s=idle_s).tracker_record_exp_s

    def start_gateway(self, port: int | None = None, extra_env: dict[str, str] | None = None,
                      processes: int = 1) -> Gateway:
        """Start one more gateway (``extra_env`` overrides settings for it alone; ``processes``: uvicorn
        workers sharing its port, as ``make run`` starts them)."""
        port = port or free_port()
        log = self.state_dir / "logs" / f"gateway-{port}.log"
        child = start_gateway(port=port, env=self.gateway_env() | (extra_env or {}), log=log, processes=processes)
        gateway = Gateway(f"http://127.0.0.1:{port}", child)
        try:
            wait_until(lambda: http_ok(f"{gateway.url}/openapi.json"), child, timeout_s=STARTUP_TIMEOUT_S)
        except BaseException:
            child.stop()  # not in self.gateways yet, so stop() would not reach it
            raise
        self.gateways.append(gateway)
        return gateway

    @property
    def rasa_urls(self) -> list[str]:
        return self.rasa_url.split(",")

    @property
    def rasa(self) -> Child | None:
        """The first Rasa server (the only one unless the system was started with several)."""
        return self.rasas[0] if self.rasas else None

    def spawn_rasa(self, action_gateway_port: int) -> None:
        """Train if needed, then start every Rasa server not running (without waiting for them:
        the caller starts gateways meanwhile)."""
        model = train_project(log=self.state_dir / "logs" / "train.log")
        for n, url in enumerate(self.rasa_urls):
            if n < len(self.rasas) and self.rasas[n].process.poll() is None:
                continue
            child = start_rasa(
                port=int(url.rsplit(":", 1)[1]), redis_url=self.redis_url,
                action_url=f"http://127.0.0.1:{action_gateway_port}/actions/webhook", action_token=ACTION_TOKEN,
                api_token=RASA_TOKEN, model=model, log=self.state_dir / "logs" / f"rasa-{n}.log",
                tracker_record_exp_s=self.tracker_record_exp_s(), models_url=self.redis_url,
                models_timeout_s=Settings().models.timeout_s,
            )
            if n < len(self.rasas):
                self.rasas[n] = child
            else:
                self.rasas.append(child)

    def wait_for_rasa(self) -> None:
        for url, child in zip(self.rasa_urls, self.rasas, strict=True):
            wait_until(partial(server_ready, url, RASA_TOKEN), child, timeout_s=STARTUP_TIMEOUT_S)

    def stop(self) -> None:
        for gateway in self.gateways:
            gateway.child.stop()
        for child in self.rasas:
            child.stop()
        for child in self.model_workers:
            child.stop()


def seed_accounts(database_url: str) -> None:
    """The staff accounts the tests log in with (password: PASSWORD)."""
    store = AccountStore(make_engine(database_url))
    store.create_schema()
    for username, name, role in ACCOUNTS:
        store.upsert(username, name, role, PASSWORD)


def staff_token(gateway_url: str, username: str) -> str:
    """Log in through the API, as the console does."""
    response = httpx.post(f"{gateway_url}/api/auth/token", json={"username": username, "password": PASSWORD})
    response.raise_for_status()
    return str(response.json()["access_token"])


@contextmanager
def running_system(state_dir: Path, *, with_rasa: bool = True, rasa_processes: int = 1, model_workers: int = 1,
                   database_url: str | None = None, redis_in_state_dir: bool = False,
                   settings_env: dict[str, str] | None = None, gateway_processes: int = 1) -> Iterator[RunningSystem]:
    """Redis (this run's own database, emptied), SQL with the staff accounts, ``model_workers``
    model workers, Rasa (trained if needed; ``rasa_processes`` servers sharing the Redis stores)
    and one gateway (``gateway_processes`` processes on its port); all stopped on exit.

    ``database_url``: another database than a SQLite file in ``state_dir``; ``redis_in_state_dir``:
    an embedded Redis persisting under ``state_dir/redis``, as ``make run`` starts one;
    ``settings_env``: settings of every gateway that differ from the suite's (``TANDEM_*``)."""
    if redis_in_state_dir:
        embedded: EmbeddedRedis | None = EmbeddedRedis.start(state_dir / "redis")
        redis_url = embedded.url  # type: ignore[union-attr]
    else:
        redis_url, embedded = test_redis_url()
    redis_sync.Redis.from_url(redis_url).flushdb()
    running = RunningSystem(state_dir=state_dir, redis_url=redis_url,
                            database_url=database_url or f"sqlite:///{state_dir / 'tandem.db'}",
                            rasa_url=",".join(f"http://127.0.0.1:{free_port()}" for _ in range(rasa_processes)),
                            settings_env=settings_env or {})
    seed_accounts(running.database_url)
    gateway_port = free_port()
    try:
        for _ in range(model_workers):
            running.start_model_worker()
        if with_rasa:
            running.spawn_rasa(gateway_port)
        running.start_gateway(gateway_port, processes=gateway_processes)
        if with_rasa:
            running.wait_for_rasa()
        yield running
    finally:
        running.stop()
        if embedded:
            embedded.stop()


def demo_vocabulary() -> dict[str, Any]:
    """The demo's customers' vocabulary as the content API takes it (PUT /api/content/vocabulary):
    tests that fuzz or edit the vocabulary put this back, so later tests see the seeded terms."""
    return {"terms": yaml.safe_load((PROJECT_ROOT / "knowledge_base" / "demo" / "vocabulary.yml").read_text())["terms"]}

