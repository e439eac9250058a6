"""Latency of one bot answer through the whole path: widget socket → gateway → Rasa → KB action.

Starts Redis (the machine's or an embedded one), the trained Rasa server and a gateway, then asks
``--questions`` product questions one at a time, each in a fresh conversation, and prints one JSON
line: median and p95 milliseconds from sending the message to receiving the bot's answer, and the
knowledge base's size.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.clients import CustomerClient
from tests.support.system import RunningSystem, running_system

QUESTIONS = [
    "How do I factory reset my Lumen Hub?", "How long does shipping take?", "Can I cut the Lumen Strip?",
    "What does Lumen Plus cost?", "How do I change my password?", "Does Lumen work with Alexa?",
    "Why is my hub LED amber?", "How do I pair a new bulb?", "What is the warranty on my lights?",
    "How do I cancel Lumen Plus?",
]


async def measure(system: RunningSystem, count: int) -> list[float]:
    latencies = []
    for index in range(count + 2):  # two warm-up questions are not counted
        client = await CustomerClient.open(system.gateway.ws_url)
        started = time.perf_counter()
        sent = await client.say(QUESTIONS[index % len(QUESTIONS)])
        await client.bot_reply_after(sent)
        if index >= 2:
            latencies.append((time.perf_counter() - started) * 1000)
        await client.close()
    return latencies


async def main(count: int) -> dict[str, object]:
    with running_system(Path(tempfile.mkdtemp(prefix="tandem-latency-"))) as system:
        latencies = await measure(system, count)
    articles = len(list((Path(__file__).resolve().parents[1] / "knowledge_base/demo/articles").glob("*.md")))
    ordered = sorted(latencies)
    return {"questions": count, "answer_ms_median": round(statistics.median(latencies), 1),
            "answer_ms_p95": round(ordered[int(0.95 * (len(ordered) - 1))], 1), "kb_articles": articles}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=20)
    print(json.dumps(asyncio.run(main(parser.parse_args().questions))))
