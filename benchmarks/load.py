"""Load: simulated customers over the real WebSocket protocol, side by side with raw Rasa.

Starts Redis (the machine's or an embedded one), the trained Rasa server and a gateway on
loopback, ramps to ``--concurrency`` conversations that each send realistic messages with think
time, then sends the same messages straight to Rasa's REST webhook. Prints one JSON line:
concurrency, msgs_per_s, rasa_msgs_per_s, latency_ms_p50/p95/p99, lost, duplicated,
rss_growth_pct (gateway + Rasa, start vs end). ``--quick`` is a short run; the default soaks for
``--seconds`` (600).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil

from knowledge_base.folder import read_folder
from outcomes.metrics import percentile
from rasa_bridge import RasaClient
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


def rss_mb(*pids: int) -> float:
    total = 0
    for pid in pids:
        process = psutil.Process(pid)
        total += process.memory_info().rss + sum(c.memory_info().rss for c in process.children(recursive=True))
    return total / 2**20


async def customer(url: str, until: float, think_s: float, latencies: list[float], counts: dict[str, int]) -> None:
    client = await CustomerClient.open(url)
    while time.monotonic() < until:
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
            counts["lost"] += 1
        if any(f["type"] == "state" and f["state"] == "queued" for f in client.frames):
            break  # escalated: a real customer now waits for a person
        await asyncio.sleep(random.uniform(0.5, 1.5) * think_s)
    ids = [m["id"] for m in client.frames if m.get("type") == "message"]
    counts["duplicated"] += len(ids) - len(set(ids))
    await client.close()


async def gateway_load(system: RunningSystem, concurrency: int, seconds: float, think_s: float) -> dict[str, float]:
    latencies: list[float] = []
    counts = {"sent": 0, "lost": 0, "duplicated": 0, "held": 0}
    until = time.monotonic() + seconds
    started = time.monotonic()
    tasks = []
    for _ in range(concurrency):  # ramp: one new conversation every 50 ms, each replaced when escalated
        tasks.append(asyncio.create_task(keep_customer(system.gateway.ws_url, until, think_s, latencies, counts)))
        await asyncio.sleep(0.05)
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - started
    return {"msgs_per_s": round(len(latencies) / elapsed, 1), "latency_ms_p50": percentile(latencies, 50),
            "latency_ms_p95": percentile(latencies, 95), "latency_ms_p99": percentile(latencies, 99),
            "sent": counts["sent"], "held_for_a_person": counts["held"], "lost": counts["lost"],
            "duplicated": counts["duplicated"]}


async def keep_customer(url: str, until: float, think_s: float, latencies: list[float], counts: dict[str, int]) -> None:
    while time.monotonic() < until:
        await customer(url, until, think_s, latencies, counts)


async def rasa_load(system: RunningSystem, concurrency: int, seconds: float, think_s: float) -> float:
    """The same kind of traffic straight to Rasa's REST webhook (its actions still run on the gateway)."""
    done = 0
    until = time.monotonic() + seconds
    rasa = RasaClient(system.rasa_urls, timeout_s=60)  # spreads conversations as the gateway does

    async def sender() -> None:
        nonlocal done
        sender_id = uuid.uuid4().hex
        while time.monotonic() < until:
            await rasa.send(sender_id, random.choice(MESSAGES))
            done += 1
            await asyncio.sleep(random.uniform(0.5, 1.5) * think_s)

    started = time.monotonic()
    try:
        await asyncio.gather(*(sender() for _ in range(concurrency)))
    finally:
        await rasa.aclose()
    return round(done / (time.monotonic() - started), 1)


async def main(concurrency: int, seconds: float, think_s: float, rasa_processes: int) -> dict[str, object]:
    with running_system(Path(tempfile.mkdtemp(prefix="tandem-load-")), rasa_processes=rasa_processes) as system:
        pids = (system.gateway.child.process.pid, *(child.process.pid for child in system.rasas))
        await gateway_load(system, min(10, concurrency), 10, think_s)  # warm-up
        rss_start = rss_mb(*pids)
        figures = await gateway_load(system, concurrency, seconds, think_s)
        rss_end = rss_mb(*pids)
        rasa_rate = await rasa_load(system, concurrency, min(seconds, 60), think_s)
    return {"concurrency": concurrency, "seconds": seconds, "think_s": think_s, "rasa_processes": rasa_processes,
            "distinct_messages": len(set(MESSAGES)), **figures,
            "rasa_msgs_per_s": rasa_rate,
            "ratio_to_rasa": round(figures["msgs_per_s"] / rasa_rate, 2) if rasa_rate else None,
            "rss_start_mb": round(rss_start), "rss_end_mb": round(rss_end),
            "rss_growth_pct": round(100 * (rss_end - rss_start) / rss_start, 1)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--think", type=float, default=5.0, help="mean think time between messages (s)")
    parser.add_argument("--quick", action="store_true", help="50 conversations for 60 s")
    parser.add_argument("--rasa-processes", type=int, default=1, help="Rasa servers sharing the Redis stores")
    args = parser.parse_args()
    if args.quick:
        args.concurrency, args.seconds = 50, 60
    print(json.dumps(asyncio.run(main(args.concurrency, args.seconds, args.think, args.rasa_processes))))
