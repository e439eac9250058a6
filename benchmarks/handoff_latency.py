"""Handoff relay latency across two gateways, claim contention, and lost/duplicated messages.

Starts Redis (the machine's, or an embedded one) and two gateway processes on loopback, puts N
customers in the queue, gives each to an agent connected to the *other* gateway, and has both
sides send messages. Prints one JSON line:
relay_ms_p50/p95/p99 (both directions), claim_winners (100 agents race for one session), lost,
duplicated. Run: ``.venv/bin/python benchmarks/handoff_latency.py [--pairs 50] [--messages 20]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import redis as redis_sync
from redis.asyncio import Redis

from bot.core.security import Principal, StaffRole, TokenSigner
from handoff import HandoffService, LiveBus, PresenceRegistry
from tests.support.clients import AgentClient, CustomerClient
from tests.support.system import SECRET, RunningSystem, test_redis_url


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


async def queued_sessions(redis_url: str, count: int) -> list[str]:
    """Sessions escalated directly in Redis (setup only: the relay is what is measured)."""
    client = Redis.from_url(redis_url, decode_responses=True)
    bus = LiveBus(client)
    handoff = HandoffService(client, bus, PresenceRegistry(client, bus, ttl_s=30))
    ids = []
    for _ in range(count):
        session = await handoff.start_session()
        await handoff.escalate(session.session_id, "customer_request")
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
    agents = await asyncio.gather(*(AgentClient.open(system.gateways[i % 2].ws_url, t) for i, t in enumerate(tokens)))
    await asyncio.gather(*(a.send({"type": "claim", "session_id": session_id}) for a in agents))
    outcomes = await asyncio.gather(*(a.wait_for(lambda f: f["type"] in ("claimed", "error")) for a in agents))
    await asyncio.gather(*(a.close() for a in agents))
    return sum(1 for o in outcomes if o["type"] == "claimed")


async def relay(system: RunningSystem, pairs: int, messages: int) -> dict[str, float | int]:
    session_ids = await queued_sessions(system.redis_url, pairs)
    signer = TokenSigner(SECRET, 3600)
    customers = await asyncio.gather(*(
        CustomerClient.open(system.gateways[0].ws_url, token=signer.customer_token(sid)) for sid in session_ids))
    agents = await asyncio.gather(*(AgentClient.open(system.gateways[1].ws_url, t)
                                    for t in agent_tokens(pairs, "relay")))
    for agent, sid in zip(agents, session_ids, strict=True):
        await agent.send({"type": "claim", "session_id": sid})
        await agent.wait_for(lambda f: f["type"] == "claimed")
    latencies: list[float] = []

    async def converse(customer: CustomerClient, agent: AgentClient, sid: str) -> None:
        for i in range(messages):
            text = f"c{i}-{uuid.uuid4().hex[:6]}"
            started = time.perf_counter()
            await customer.send({"type": "message", "client_id": uuid.uuid4().hex, "text": text})
            await agent.wait_for(lambda f, t=text: f.get("type") == "message" and f.get("text") == t)
            latencies.append((time.perf_counter() - started) * 1000)
            reply = f"a{i}-{uuid.uuid4().hex[:6]}"
            started = time.perf_counter()
            await agent.send({"type": "message", "session_id": sid, "client_id": uuid.uuid4().hex, "text": reply})
            await customer.wait_for(lambda f, t=reply: f.get("type") == "message" and f.get("text") == t)
            latencies.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(0.05)  # think time

    await asyncio.gather(*(converse(c, a, s) for c, a, s in zip(customers, agents, session_ids, strict=True)))
    await asyncio.sleep(0.5)  # let stragglers (duplicates, if any) arrive
    lost = duplicated = 0
    for customer, agent in zip(customers, agents, strict=True):
        for client, role in ((customer, "agent"), (agent, "customer")):
            frames = [f for f in client.frames if f.get("type") == "message" and f.get("role") == role]
            ids = [f["id"] for f in frames]
            duplicated += len(ids) - len(set(ids))
            lost += messages - len(set(ids))
    await asyncio.gather(*(c.close() for c in [*customers, *agents]))
    return {
        "relay_ms_p50": percentile(latencies, 0.50), "relay_ms_p95": percentile(latencies, 0.95),
        "relay_ms_p99": percentile(latencies, 0.99), "relay_ms_mean": round(statistics.fmean(latencies), 2),
        "relayed": len(latencies), "lost": lost, "duplicated": duplicated,
    }


async def main(pairs: int, messages: int) -> dict[str, object]:
    state_dir = Path(tempfile.mkdtemp(prefix="tandem-bench-"))
    redis_url, embedded = test_redis_url()
    redis_sync.Redis.from_url(redis_url).flushdb()
    system = RunningSystem(state_dir=state_dir, redis_url=redis_url,
                           database_url=f"sqlite:///{state_dir / 'tandem.db'}", rasa_url="http://127.0.0.1:9")
    try:
        await asyncio.to_thread(system.start_gateway)
        await asyncio.to_thread(system.start_gateway)
        figures = await relay(system, pairs, messages)
        winners = await claim_contention(system)
    finally:
        system.stop()
        if embedded:
            embedded.stop()
    return {"pairs": pairs, "messages_per_side": messages, **figures, "claim_winners": winners}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=50)
    parser.add_argument("--messages", type=int, default=20)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.pairs, args.messages))))
