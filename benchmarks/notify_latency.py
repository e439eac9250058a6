"""Escalation → agent notification latency across two gateways, with automatic assignment.

Starts the system without Rasa (``tests.support.system.running_system``, every queue ``auto``)
plus a second gateway, over one Redis on loopback. Agents are connected to gateway B; customers'
escalations arrive on gateway A's action webhook exactly as Rasa posts them (``action_handoff``),
one every ``--interval-ms`` (random 0.5-1.5 × the interval, as independent customers). Agents
have room for every chat (capacity ``chats / agents`` + 1, at most 50), so every escalation is
assigned at once and the figure is the notification path, not a wait for a free place; with
``--resolve`` each agent instead resolves a chat as soon as it is notified of it (capacity 5),
which adds closing conversations (outcome records, redaction) to the gateways' work. Prints one
JSON line:

- ``assigned_ms_p50/p95/p99/max``: from just before the webhook request is sent to the moment
  the ``notify`` frame of kind ``assigned`` is decoded by the chosen agent's socket on gateway B
  (both clocks are this process's);
- ``assigned_from_queued_ms_p50/p95``: the same, but from the chat's ``queued_at`` (the server's
  clock at the escalation, the same machine's clock), i.e. without the webhook's own work (the
  routing record, the review queue);
- ``waiting_ms_p50/p95``: to the first ``notify`` of kind ``waiting`` on any agent's socket;
- ``missed``: escalations with no ``assigned`` notification within 10 s;
- ``load_1m``: the machine's load average at the end (latency is only comparable at similar load).

Run: ``.venv/bin/python benchmarks/notify_latency.py [--chats 200] [--agents 8] [--interval-ms 100]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from websockets.asyncio.client import ClientConnection, connect

from bot.core.security import Principal, StaffRole, TokenSigner
from tests.support.clients import handoff_action_call
from tests.support.system import ACTION_TOKEN, SECRET, RunningSystem, running_system

NOTIFY_TIMEOUT_S = 10.0
RESOLVING_CAPACITY = 5


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1) if ordered else 0.0


class Arrivals:
    """When each session's notifications reached an agent socket (this process's clock)."""

    def __init__(self) -> None:
        self.assigned: dict[str, float] = {}
        self.queued_at: dict[str, float] = {}
        self.waiting: dict[str, float] = {}
        self.done: dict[str, asyncio.Event] = {}

    def expect(self, session_id: str) -> asyncio.Event:
        return self.done.setdefault(session_id, asyncio.Event())

    def record(self, frame: dict[str, Any], arrived: float) -> None:
        session_id = frame["session_id"]
        if frame["kind"] == "waiting":
            self.waiting.setdefault(session_id, arrived)
        if frame["kind"] == "assigned" and session_id not in self.assigned:
            self.assigned[session_id] = arrived
            self.queued_at[session_id] = datetime.fromisoformat(frame["queued_at"]).timestamp()
            self.expect(session_id).set()


async def agent_socket(url: str, token: str, arrivals: Arrivals,
                       resolve: bool) -> tuple[ClientConnection, asyncio.Task[None]]:
    """An agent console on gateway B that records notifications (and resolves each chat it is given)."""
    connection = await connect(f"{url}/ws/agent")
    await connection.send(json.dumps({"type": "auth", "token": token}))

    async def read() -> None:
        with contextlib.suppress(Exception):
            async for raw in connection:
                arrived = time.time()
                frame = json.loads(raw)
                if frame.get("type") != "notify":
                    continue
                arrivals.record(frame, arrived)
                if frame["kind"] == "assigned" and resolve:
                    await connection.send(json.dumps({"type": "resolve", "session_id": frame["session_id"]}))

    return connection, asyncio.create_task(read())


async def new_sessions(redis_url: str, count: int) -> list[str]:
    """Customers talking to the bot (setup: the escalation is what is measured)."""
    from redis.asyncio import Redis

    from handoff import HandoffService, LiveBus, PresenceRegistry

    client = Redis.from_url(redis_url, decode_responses=True)
    bus = LiveBus(client)
    handoff = HandoffService(client, bus, PresenceRegistry(client, bus, ttl_s=30))
    ids = [(await handoff.start_session()).session_id for _ in range(count)]
    await client.aclose()
    return ids


async def escalate(http: httpx.AsyncClient, url: str, session_id: str, arrivals: Arrivals) -> float | None:
    """Post the escalation; the time it was sent, or None when the assigned notification never came."""
    notified = arrivals.expect(session_id)
    sent = time.time()
    response = await http.post(f"{url}/actions/webhook", params={"token": ACTION_TOKEN},
                               json=handoff_action_call(session_id))
    response.raise_for_status()
    try:
        await asyncio.wait_for(notified.wait(), NOTIFY_TIMEOUT_S)
    except TimeoutError:
        return None
    return sent


async def measure(system: RunningSystem, chats: int, agents: int, interval_s: float,
                  resolve: bool) -> dict[str, Any]:
    gateway_a, gateway_b = system.gateways
    signer = TokenSigner(SECRET, 3600)
    arrivals = Arrivals()
    sockets = [await agent_socket(gateway_b.ws_url, signer.staff_token(Principal(f"n{i}", f"N {i}", StaffRole.AGENT)),
                                  arrivals, resolve) for i in range(agents)]
    session_ids = await new_sessions(system.redis_url, chats)
    await asyncio.sleep(1.0)  # every agent's presence stored
    rng = random.Random(7)
    async with httpx.AsyncClient(timeout=60) as http:
        tasks = []
        for session_id in session_ids:
            tasks.append(asyncio.create_task(escalate(http, gateway_a.url, session_id, arrivals)))
            await asyncio.sleep(rng.uniform(0.5, 1.5) * interval_s)
        sent = dict(zip(session_ids, await asyncio.gather(*tasks), strict=True))
    load = os.getloadavg()[0]
    for connection, reader in sockets:
        await connection.close()
        reader.cancel()
    done = [sid for sid, at in sent.items() if at is not None and sid in arrivals.assigned]
    assigned = [(arrivals.assigned[s] - (sent[s] or 0.0)) * 1000 for s in done]
    from_queued = [(arrivals.assigned[s] - arrivals.queued_at[s]) * 1000 for s in done]
    waiting = [(arrivals.waiting[s] - (sent[s] or 0.0)) * 1000 for s in done if s in arrivals.waiting]
    return {
        "chats": chats, "agents": agents, "interval_ms": round(interval_s * 1000, 1), "resolve": resolve,
        "assigned_ms_p50": percentile(assigned, 0.50), "assigned_ms_p95": percentile(assigned, 0.95),
        "assigned_ms_p99": percentile(assigned, 0.99), "assigned_ms_max": percentile(assigned, 1.0),
        "assigned_from_queued_ms_p50": percentile(from_queued, 0.50),
        "assigned_from_queued_ms_p95": percentile(from_queued, 0.95),
        "waiting_ms_p50": percentile(waiting, 0.50), "waiting_ms_p95": percentile(waiting, 0.95),
        "missed": chats - len(done), "load_1m": round(load, 2),
    }


def main(chats: int, agents: int, interval_ms: float, resolve: bool) -> dict[str, Any]:
    capacity = RESOLVING_CAPACITY if resolve else min(50, chats // agents + 1)
    settings = {"TANDEM_HANDOFF__ASSIGNMENT": "auto", "TANDEM_HANDOFF__DEFAULT_CAPACITY": str(capacity)}
    with tempfile.TemporaryDirectory(prefix="tandem-bench-") as state_dir, \
            running_system(Path(state_dir), with_rasa=False, settings_env=settings) as system:
        system.start_gateway()
        return asyncio.run(measure(system, chats, agents, interval_ms / 1000, resolve))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--agents", type=int, default=8)
    parser.add_argument("--interval-ms", type=float, default=100.0, help="mean time between escalations")
    parser.add_argument("--resolve", action="store_true", help="agents resolve each chat at once (capacity 5)")
    args = parser.parse_args()
    print(json.dumps(main(args.chats, args.agents, args.interval_ms, args.resolve)))
