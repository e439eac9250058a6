"""Load: simulated customers over the real WebSocket protocol, side by side with raw Rasa.

Starts Redis (the machine's or an embedded one), the trained Rasa server and a gateway on
loopback, ramps to ``--concurrency`` conversations that each send realistic messages with think
time, then sends the same messages straight to Rasa's REST webhook. Prints one JSON line:
concurrency, msgs_per_s, rasa_msgs_per_s, latency_ms_p50/p95/p99, lost (no reply within 300 s),
sent_after_queued (a message that crossed its chat's escalation: the bot rightly stays quiet and it
waits for a person, so it is not lost), duplicated,
rss_growth_pct (gateway, Rasa and model workers, start vs end), cpu_ms_per_msg (CPU seconds the
gateway, Rasa and the model workers spent per answered message: the figure that stays meaningful
on a shared machine) and the load average. ``--model-workers``, ``--rasa-processes`` and
``--gateway-processes`` say how many of each to start (the scaling runs of docs/capacity.md; the
gateway's default is ``make run``'s). ``--quick`` is a short run (60 s;
50 conversations unless ``--concurrency`` says); the default soaks for ``--seconds`` (600).

``--capacity`` instead raises the offered rate step by step (``--step-rate`` messages per second
more each ``--step-seconds``; conversations = rate x think time) until the 95th percentile
latency passes 1 s or a message is lost, and reports ``capacity_msgs_per_s``: the offered rate
of the last step that held (docs/capacity.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil

from bot.core.config import Settings
from knowledge_base.folder import read_folder
from outcomes.metrics import percentile
from rasa_bridge import RasaClient, RasaUnavailable
from tests.support.clients import CustomerClient
from tests.support.system import RunningSystem, running_system

ARTICLES = Path(__file__).resolve().parents[1] / "knowledge_base" / "demo" / "articles"
OTHER_MESSAGES = [
    "hello", "hi there", "thanks!", "great, thank you", "How do I reset my iPhone?",
    "Does Netflix work on this?", "what's the weather tomorrow", "I want to talk to a person",
]


def realistic_messages(seed: int = 7) -> list[str]:
    """Product questions as customers phrase them (the demo articles' alternative phrasings, some
    lower-cased or without punctuation, as people type), with greetings, thanks, third-party,
    out-of-scope and handoff requests mixed in at about one in five."""
    rng = random.Random(seed)
    questions = [text for article in read_folder(ARTICLES) for text in (article.title, *article.questions)]
    variants = [q.lower().rstrip("?") if rng.random() < 0.3 else q for q in questions]
    return variants + OTHER_MESSAGES * max(1, len(variants) // (4 * len(OTHER_MESSAGES)))


MESSAGES = realistic_messages()
REPLY_TIMEOUT_S = 300  # a message with no reply by then counts as lost
P95_LIMIT_MS = 1000  # the capacity mode's service level


def rss_mb(*pids: int) -> float:
    total = 0
    for pid in pids:
        process = psutil.Process(pid)
        total += process.memory_info().rss + sum(c.memory_info().rss for c in process.children(recursive=True))
    return total / 2**20


def cpu_s(*pids: int) -> float:
    """CPU seconds (user + system) used so far by the processes and their children."""
    total = 0.0
    for pid in pids:
        process = psutil.Process(pid)
        for each in (process, *process.children(recursive=True)):
            times = each.cpu_times()
            total += times.user + times.system
    return total


def system_pids(system: RunningSystem) -> tuple[int, ...]:
    return tuple(pid for pids in pids_by_role(system).values() for pid in pids)


def pids_by_role(system: RunningSystem) -> dict[str, tuple[int, ...]]:
    """The gateway's, the Rasa servers' and the model workers' processes (running ones only)."""
    return {"gateway": (system.gateway.child.process.pid,),
            "rasa": tuple(child.process.pid for child in system.rasas if child.process.poll() is None),
            "model_workers": tuple(child.process.pid for child in system.model_workers if child.process.poll() is None)}


def queued(client: CustomerClient) -> bool:
    """Whether the chat went to the queue: the customer now waits for a person, not the bot."""
    return any(f["type"] == "state" and f["state"] == "queued" for f in client.frames)


async def customer(url: str, until: float, think_s: float, latencies: list[float], counts: dict[str, int]) -> None:
    client = await CustomerClient.open(url)
    while time.monotonic() < until and not queued(client):  # the queued state may follow the bot's reply
        text = random.choice(MESSAGES)
        started = time.perf_counter()
        sent = await client.say(text)
        counts["sent"] += 1
        try:
            # Past saturation replies queue up: a late reply is slow, not lost (the latency shows it).
            reply = await client.bot_reply_after(sent, timeout_s=REPLY_TIMEOUT_S)
            latencies.append((time.perf_counter() - started) * 1000)
            if reply["role"] == "system":
                counts["held"] += 1  # Rasa too slow or down: the holding reply, and the chat goes to a person
        except AssertionError:
            # Queued while the message was on its way: it waits for a person (kept, not lost), and the bot stays quiet.
            counts["sent_after_queued" if queued(client) else "lost"] += 1
        if queued(client):
            break  # escalated: a real customer now waits for a person
        await asyncio.sleep(random.uniform(0.5, 1.5) * think_s)
    ids = [m["id"] for m in client.frames if m.get("type") == "message"]
    counts["duplicated"] += len(ids) - len(set(ids))
    await client.close()


async def gateway_load(system: RunningSystem, concurrency: int, seconds: float, think_s: float) -> dict[str, float]:
    latencies: list[float] = []
    counts = {"sent": 0, "lost": 0, "duplicated": 0, "held": 0, "sent_after_queued": 0}
    until = time.monotonic() + seconds
    started = time.monotonic()
    tasks = []
    for _ in range(concurrency):  # ramp: one new conversation every 50 ms, each replaced when escalated
        tasks.append(asyncio.create_task(keep_customer(system.gateway.ws_url, until, think_s, latencies, counts)))
        await asyncio.sleep(0.05)
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - started
    return {"msgs_per_s": round(len(latencies) / elapsed, 1), "latency_ms_p50": percentile(latencies, 50) or 0.0,
            "latency_ms_p95": percentile(latencies, 95) or 0.0, "latency_ms_p99": percentile(latencies, 99) or 0.0,
            "sent": counts["sent"], "answered": len(latencies), "held_for_a_person": counts["held"],
            "lost": counts["lost"], "sent_after_queued": counts["sent_after_queued"],
            "duplicated": counts["duplicated"]}


async def keep_customer(url: str, until: float, think_s: float, latencies: list[float], counts: dict[str, int]) -> None:
    while time.monotonic() < until:
        await customer(url, until, think_s, latencies, counts)


async def rasa_load(system: RunningSystem, concurrency: int, seconds: float, think_s: float) -> float:
    """The same kind of traffic straight to Rasa's REST webhook (its actions still run on the gateway)."""
    done = 0
    until = time.monotonic() + seconds
    rasa = RasaClient(system.rasa_urls, timeout_s=REPLY_TIMEOUT_S)  # spreads conversations as the gateway does

    async def sender() -> None:
        nonlocal done
        sender_id = uuid.uuid4().hex
        while time.monotonic() < until:
            try:
                await rasa.send(sender_id, random.choice(MESSAGES))
            except RasaUnavailable:
                return  # past saturation: this sender's messages count as not done
            done += 1
            await asyncio.sleep(random.uniform(0.5, 1.5) * think_s)

    started = time.monotonic()
    try:
        await asyncio.gather(*(sender() for _ in range(concurrency)))
    finally:
        await rasa.aclose()
    return round(done / (time.monotonic() - started), 1)


async def measured_load(system: RunningSystem, concurrency: int, seconds: float, think_s: float
                        ) -> dict[str, float]:
    """:func:`gateway_load` with the CPU time the gateway, Rasa and the model workers spent per answered
    message, in all and by role (where the CPU goes: what scaling out has to add)."""
    roles = pids_by_role(system)
    started = {role: cpu_s(*pids) for role, pids in roles.items()}
    figures = await gateway_load(system, concurrency, seconds, think_s)
    answered = figures["answered"] or 1
    spent = {role: 1000 * (cpu_s(*pids) - started[role]) / answered for role, pids in roles.items()}
    figures["cpu_ms_per_msg"] = round(sum(spent.values()), 1)
    figures |= {f"cpu_ms_per_msg_{role}": round(ms, 1) for role, ms in spent.items()}
    return figures


async def capacity(system: RunningSystem, think_s: float, step_seconds: float, step_rate: float,
                   max_rate: float) -> dict[str, object]:
    """Raise the offered rate until p95 passes ``P95_LIMIT_MS`` or a message is lost; the last offered rate
    that held (each step's ``msgs_per_s`` is lower: it counts the ramp and the wait for the last replies)."""
    steps: list[dict[str, float]] = []
    held = 0.0
    rate = step_rate
    while rate <= max_rate:
        figures = await measured_load(system, max(1, round(rate * think_s)), step_seconds, think_s)
        steps.append({"offered_msgs_per_s": rate, **figures, "load_average": round(os.getloadavg()[0], 2)})
        if figures["latency_ms_p95"] > P95_LIMIT_MS or figures["lost"] or not figures["msgs_per_s"]:
            break
        held = rate
        rate += step_rate
    return {"capacity_msgs_per_s": held, "p95_limit_ms": P95_LIMIT_MS, "steps": steps}


async def main(args: argparse.Namespace) -> dict[str, object]:
    with running_system(Path(tempfile.mkdtemp(prefix="tandem-load-")), rasa_processes=args.rasa_processes,
                        model_workers=args.model_workers, gateway_processes=args.gateway_processes) as system:
        await gateway_load(system, min(10, args.concurrency), 10, args.think)  # warm-up
        if args.capacity:
            found = await capacity(system, args.think, args.step_seconds, args.step_rate, args.max_rate)
            return {"think_s": args.think, "rasa_processes": args.rasa_processes,
                    "gateway_processes": args.gateway_processes,
                    "model_workers": args.model_workers, **found}
        pids = system_pids(system)
        rss_start = rss_mb(*pids)
        figures = await measured_load(system, args.concurrency, args.seconds, args.think)
        rss_end = rss_mb(*pids)
        load_average = round(os.getloadavg()[0], 2)
        rasa_rate = await rasa_load(system, args.concurrency, min(args.seconds, 60), args.think)
    return {"concurrency": args.concurrency, "seconds": args.seconds, "think_s": args.think,
            "rasa_processes": args.rasa_processes, "model_workers": args.model_workers,
            "gateway_processes": args.gateway_processes,
            "distinct_messages": len(set(MESSAGES)), **figures,
            "rasa_msgs_per_s": rasa_rate,
            "ratio_to_rasa": round(figures["msgs_per_s"] / rasa_rate, 2) if rasa_rate else None,
            "rss_start_mb": round(rss_start), "rss_end_mb": round(rss_end),
            "rss_growth_pct": round(100 * (rss_end - rss_start) / rss_start, 1), "load_average": load_average}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=None, help="conversations (default 200; 50 with --quick)")
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--think", type=float, default=5.0, help="mean think time between messages (s)")
    parser.add_argument("--quick", action="store_true", help="60 s, 50 conversations unless --concurrency says")
    parser.add_argument("--rasa-processes", type=int, default=1, help="Rasa servers sharing the Redis stores")
    parser.add_argument("--model-workers", type=int, default=1, help="model worker processes (encoders/worker.py)")
    parser.add_argument("--gateway-processes", type=int, default=Settings.model_fields["gateway_processes"].default,
                        help="gateway processes on the one port (default: as make run starts them)")
    parser.add_argument("--capacity", action="store_true", help="find the highest rate with p95 <= 1 s")
    parser.add_argument("--step-rate", type=float, default=5.0, help="capacity: msgs/s added per step")
    parser.add_argument("--step-seconds", type=float, default=40.0, help="capacity: length of each step")
    parser.add_argument("--max-rate", type=float, default=100.0, help="capacity: stop at this offered rate")
    args = parser.parse_args()
    if args.quick:
        args.seconds = 60
    if args.concurrency is None:
        args.concurrency = 50 if args.quick else 200
    print(json.dumps(asyncio.run(main(args))))
