"""Handoff relay latency across two gateways, claim contention, and lost/duplicated messages.

Starts the system without Rasa (``tests.support.system.running_system``) plus a second gateway
process, all over one Redis on loopback; puts N customers in the queue, gives each to an agent
connected to the *other* gateway, and has both sides take turns sending messages. Prints one
JSON line:

- ``relay_ms_p50/p95/p99/mean``: send → delivery, both directions together; ``relay_ms_p95_c2a``
  and ``relay_ms_p95_a2c`` per direction. The clock starts just before the sender's socket write
  and stops when the receiving socket's reader decodes the frame, in the same client process.
- ``msgs_per_s``: relayed messages per second of the conversation phase.
- ``lost`` (never delivered within 10 s) and ``duplicated`` (the same transcript id twice).
- ``redis_commands_per_msg``: every command the Redis server ran during the conversation phase
  (including the ones inside Lua scripts, heartbeats and sweeps), per relayed message. The
  server's counters are global: point ``TANDEM_TEST_REDIS_URL`` at a Redis of its own for a
  clean figure.
- ``gateway_cpu_ms_per_msg``: CPU time of both gateway processes in that phase, per message;
  unlike latency, it barely moves with the machine's load.
- ``claim_winners``: 100 agents, half on each gateway, claim one session at once.
- ``load_1m``: the machine's load average when the conversations ended (latency is only
  comparable between runs at similar load).

The clients run in ``--client-processes`` processes (default 2), so one Python event loop
serving every socket is not itself the bottleneck being measured. Each pair starts at a random
moment within the first pause and pauses a random 0.5-1.5 × ``--think-ms`` after each exchange
(the same mean load as a fixed pause), as independent people would; ``--lockstep`` instead has
every pair send at the same instant, which measures how a gateway drains a burst of N messages.

Run: ``.venv/bin/python benchmarks/handoff_latency.py [--pairs 50] [--messages 20] [--think-ms 50]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.synchronize import Barrier, Event
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil
import redis as redis_sync
from websockets.asyncio.client import ClientConnection, connect

from bot.core.security import Principal, StaffRole, TokenSigner
from outcomes import EscalationReason
from tests.support.clients import AgentClient
from tests.support.system import SECRET, RunningSystem, running_system

DELIVERY_TIMEOUT_S = 10.0
Frame = dict[str, Any]


@dataclass(frozen=True)
class Pair:
    """One customer (on gateway A) and the agent (on gateway B) who holds their session."""

    session_id: str
    customer_token: str
    agent_token: str


@dataclass(frozen=True)
class WorkerJob:
    """What one client process does: its pairs, against the two gateways."""

    customer_url: str
    agent_url: str
    pairs: list[Pair]
    messages: int
    think_s: float
    lockstep: bool


@dataclass
class WorkerResult:
    """Latencies (ms) per direction, and delivery faults, from one client process."""

    c2a: list[float] = field(default_factory=list)
    a2c: list[float] = field(default_factory=list)
    lost: int = 0
    duplicated: int = 0
    errors: list[str] = field(default_factory=list)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2) if ordered else 0.0


# --- setup (main process) -----------------------------------------------------------------------


async def queued_sessions(redis_url: str, count: int) -> list[str]:
    """Sessions escalated directly in Redis (setup only: the relay is what is measured)."""
    from redis.asyncio import Redis

    from handoff import HandoffService, LiveBus, PresenceRegistry

    client = Redis.from_url(redis_url, decode_responses=True)
    bus = LiveBus(client)
    handoff = HandoffService(client, bus, PresenceRegistry(client, bus, ttl_s=30))
    ids = []
    for _ in range(count):
        session = await handoff.start_session()
        await handoff.escalate(session.session_id, EscalationReason.CUSTOMER_REQUEST)
        ids.append(session.session_id)
    await client.aclose()
    return ids


def agent_tokens(count: int, prefix: str) -> list[str]:
    signer = TokenSigner(SECRET, 3600)
    return [signer.staff_token(Principal(f"{prefix}{i}", f"Agent {i}", StaffRole.AGENT)) for i in range(count)]


async def claim_contention(system: RunningSystem) -> int:
    """100 agents, half on each gateway, claim the same session at once; count the winners."""
    [session_id] = await queued_sessions(system.redis_url, 1)
    tokens = agent_tokens(100, "racer")
    gate = asyncio.Semaphore(10)  # connecting is not what is measured: no handshake storm

    async def connected(i: int, token: str) -> AgentClient:
        async with gate:
            return await AgentClient.open(system.gateways[i % 2].ws_url, token)

    agents = await asyncio.gather(*(connected(i, t) for i, t in enumerate(tokens)))
    await asyncio.gather(*(a.send({"type": "claim", "session_id": session_id}) for a in agents))
    outcomes = await asyncio.gather(*(a.wait_for(lambda f: f["type"] in ("claimed", "error")) for a in agents))
    await asyncio.gather(*(a.close() for a in agents))
    return sum(1 for o in outcomes if o["type"] == "claimed")


# --- the clients (one process per slice of pairs) ----------------------------------------------


class Peer:
    """One socket. Its reader timestamps each ``message`` frame as soon as it is decoded."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.ids: dict[str, list[str]] = {}  # role → transcript ids received
        self.errors: list[str] = []  # codes of the error frames received
        self._expected: dict[str, asyncio.Future[float]] = {}  # text → arrival time
        self._control: asyncio.Queue[Frame] = asyncio.Queue()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(Exception):
            async for raw in self.connection:
                arrived = time.perf_counter()
                frame = json.loads(raw)
                if frame.get("type") == "error":
                    self.errors.append(frame.get("code", "?"))
                if frame.get("type") != "message":
                    self._control.put_nowait(frame)
                    continue
                self.ids.setdefault(frame["role"], []).append(frame["id"])
                waiter = self._expected.pop(frame["text"], None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(arrived)

    def expect(self, text: str) -> asyncio.Future[float]:
        """A future resolved with the arrival time of the message ``text``."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._expected[text] = future
        return future

    async def send(self, frame: Frame) -> None:
        await self.connection.send(json.dumps(frame))

    async def control(self, wanted: set[str], timeout_s: float = 60.0) -> Frame:
        """The next non-message frame of one of the ``wanted`` types (others are skipped)."""
        async with asyncio.timeout(timeout_s):
            while (frame := await self._control.get())["type"] not in wanted:
                pass
        return frame

    async def close(self) -> None:
        await self.connection.close()
        self._reader.cancel()


async def open_pair(job: WorkerJob, pair: Pair) -> tuple[Peer, Peer]:
    """Connect the customer and the agent, and have the agent claim the session."""
    customer = Peer(await connect(f"{job.customer_url}/ws/customer"))
    await customer.send({"type": "hello", "session_token": pair.customer_token, "last_message_id": None})
    await customer.control({"session"})
    agent = Peer(await connect(f"{job.agent_url}/ws/agent"))
    await agent.send({"type": "auth", "token": pair.agent_token})
    await agent.control({"ready"})
    for _ in range(20):  # "unavailable" asks the client to send again
        await agent.send({"type": "claim", "session_id": pair.session_id})
        claimed = await agent.control({"claimed", "error"})
        if claimed.get("code") != "unavailable":
            break
        await asyncio.sleep(0.2)
    assert claimed["type"] == "claimed", claimed
    return customer, agent


async def relay_one(sender: Peer, receiver: Peer, frame: Frame, latencies: list[float]) -> bool:
    """Send one message and wait for its delivery; False if it never came."""
    arrival = receiver.expect(frame["text"])
    sent = time.perf_counter()
    await sender.send(frame)
    try:
        arrived = await asyncio.wait_for(arrival, DELIVERY_TIMEOUT_S)
    except TimeoutError:
        return False
    latencies.append((arrived - sent) * 1000)
    return True


async def converse(job: WorkerJob, pair: Pair, customer: Peer, agent: Peer, result: WorkerResult) -> None:
    """Take turns; each pause is random around ``think_s`` (same mean), so pairs talk independently
    rather than all at the same instant, unless the job asks for lockstep."""
    rng = random.Random(pair.session_id)
    if not job.lockstep:
        await asyncio.sleep(rng.uniform(0, job.think_s))
    for i in range(job.messages):
        text = f"c{i}-{uuid.uuid4().hex[:8]}"
        frame = {"type": "message", "client_id": uuid.uuid4().hex, "text": text}
        result.lost += not await relay_one(customer, agent, frame, result.c2a)
        text = f"a{i}-{uuid.uuid4().hex[:8]}"
        frame = {"type": "message", "session_id": pair.session_id, "client_id": uuid.uuid4().hex, "text": text}
        result.lost += not await relay_one(agent, customer, frame, result.a2c)
        await asyncio.sleep(job.think_s if job.lockstep else rng.uniform(0.5, 1.5) * job.think_s)


async def run_worker(job: WorkerJob, ready: Barrier, go: Event, results: Any, finish: Event) -> None:
    peers = await asyncio.gather(*(open_pair(job, pair) for pair in job.pairs))
    await asyncio.to_thread(ready.wait)
    await asyncio.to_thread(go.wait)  # every process starts talking at once
    result = WorkerResult()
    await asyncio.gather(*(converse(job, pair, c, a, result) for pair, (c, a) in zip(job.pairs, peers, strict=True)))
    await asyncio.sleep(0.5)  # let stragglers (duplicates, if any) arrive
    for customer, agent in peers:
        for peer, role in ((customer, "agent"), (agent, "customer")):
            ids = peer.ids.get(role, [])
            result.duplicated += len(ids) - len(set(ids))
            result.errors += peer.errors
    results.put(result)
    await asyncio.to_thread(finish.wait)  # closing sockets is not part of the measured phase
    await asyncio.gather(*(peer.close() for pair in peers for peer in pair))


def worker_main(job: WorkerJob, ready: Barrier, go: Event, results: Any, finish: Event) -> None:
    """A client process: its own event loop (uvloop when installed, as the gateways use)."""
    try:
        import uvloop

        uvloop.run(run_worker(job, ready, go, results, finish))
    except BaseException:
        ready.abort()  # the main process stops waiting for us
        raise


# --- the measured phase ------------------------------------------------------------------------


def redis_commands(url: str) -> int:
    stats = redis_sync.Redis.from_url(url).info("commandstats")
    return sum(int(entry["calls"]) for entry in stats.values())


def cpu_seconds(system: RunningSystem) -> float:
    total = 0.0
    for gateway in system.gateways:
        process = psutil.Process(gateway.child.process.pid)
        for part in (process, *process.children(recursive=True)):
            times = part.cpu_times()
            total += times.user + times.system
    return total


def relay(system: RunningSystem, pairs: int, messages: int, think_s: float, processes: int,
          lockstep: bool) -> dict[str, Any]:
    signer = TokenSigner(SECRET, 3600)
    session_ids = asyncio.run(queued_sessions(system.redis_url, pairs))
    everyone = [Pair(sid, signer.customer_token(sid), token)
                for sid, token in zip(session_ids, agent_tokens(pairs, "relay"), strict=True)]
    context = multiprocessing.get_context("fork")  # the children need none of the parent's imports
    ready, go, finish, results = context.Barrier(processes + 1), context.Event(), context.Event(), context.Queue()
    workers = [
        context.Process(target=worker_main, args=(
            WorkerJob(system.gateways[0].ws_url, system.gateways[1].ws_url, everyone[i::processes], messages,
                      think_s, lockstep), ready, go, results, finish))
        for i in range(processes)
    ]
    for worker in workers:
        worker.start()
    try:
        ready.wait(timeout=300)  # every pair connected and claimed
        commands, cpu, began = redis_commands(system.redis_url), cpu_seconds(system), time.perf_counter()
        go.set()
        print(f"conversations started: {pairs} pairs", file=sys.stderr, flush=True)
        parts: list[WorkerResult] = [results.get(timeout=600) for _ in workers]
        elapsed = time.perf_counter() - began - 0.5  # each worker waits 0.5 s for stragglers
        commands, cpu = redis_commands(system.redis_url) - commands, cpu_seconds(system) - cpu
        load = os.getloadavg()[0]
    finally:
        finish.set()
        for worker in workers:
            worker.join(timeout=30)
    c2a = [x for part in parts for x in part.c2a]
    a2c = [x for part in parts for x in part.a2c]
    both = c2a + a2c
    return {
        "relay_ms_p50": percentile(both, 0.50), "relay_ms_p95": percentile(both, 0.95),
        "relay_ms_p99": percentile(both, 0.99), "relay_ms_mean": round(statistics.fmean(both), 2) if both else 0.0,
        "relay_ms_p95_c2a": percentile(c2a, 0.95), "relay_ms_p95_a2c": percentile(a2c, 0.95),
        "relayed": len(both), "msgs_per_s": round(len(both) / elapsed, 1),
        "lost": sum(p.lost for p in parts), "duplicated": sum(p.duplicated for p in parts),
        "errors": dict(Counter(code for p in parts for code in p.errors)),
        "redis_commands_per_msg": round(commands / max(1, len(both)), 2),
        "gateway_cpu_ms_per_msg": round(cpu * 1000 / max(1, len(both)), 3),
        "load_1m": round(load, 2),
    }


def main(pairs: int, messages: int, think_ms: float, processes: int, lockstep: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="tandem-bench-") as state_dir, \
            running_system(Path(state_dir), with_rasa=False) as system:
        system.start_gateway()
        figures = relay(system, pairs, messages, think_ms / 1000, processes, lockstep)
        winners = asyncio.run(claim_contention(system))
    return {"pairs": pairs, "messages_per_side": messages, "think_ms": think_ms, "lockstep": lockstep,
            "client_processes": processes, **figures, "claim_winners": winners}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--pairs", type=int, default=50)
    parser.add_argument("--messages", type=int, default=20, help="per side; the per-session limit is 30/minute")
    parser.add_argument("--think-ms", type=float, default=50.0, help="mean pause after each exchange")
    parser.add_argument("--lockstep", action="store_true",
                        help="every pair sends at the same instant, pausing exactly --think-ms (a burst test)")
    parser.add_argument("--client-processes", type=int, default=2)
    args = parser.parse_args()
    print(json.dumps(main(args.pairs, args.messages, args.think_ms, args.client_processes, args.lockstep)))
