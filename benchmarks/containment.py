"""Containment on unseen wording: one half of benchmarks/data/unseen_wording through the running system.

Starts Redis (the machine's, on a database of its own, or an embedded one), the trained Rasa
server and a gateway, exactly as the integration tests do. Each message of the half is sent over
the real customer WebSocket in a fresh session (``--concurrency`` at a time), and the bot's first
reply to it is classified as one of:

- ``answer``: a bot message naming an article (``article.id``);
- ``clarify``: a "Did you mean…?" message whose buttons offer articles (``/choose_article``);
- ``escalate``: the session went to the queue (a ``state`` frame ``queued``, with its ``reason``;
  ``bot_unavailable`` when Rasa did not answer in time: such a message is sent again in a new
  session up to twice, counted in ``retried_bot_unavailable``, since it measures the machine's
  load, not the bot's understanding);
- ``rephrase``: no article and no escalation, only a button to ask for a person (the two-stage
  fallback's "Could you say it in other words?");
- ``other``: any other reply (small talk, a greeting back), or no reply within the timeout.

What counts as right, and the figures, are :mod:`routing.evaluation`'s (shared with the retraining
loop's containment check).

Figures (one JSON line): over answerable messages, ``contained_share`` = (answered_right +
clarified_right) / answerable, ``answered_right_share``, ``clarify_share`` (clarified_right),
``clarify_wrong_share``, ``wrong_share``, ``false_escalation_share``, ``rephrase_share``,
``other_share`` (these seven add up to 1 with contained counted once); ``boundary_accuracy`` =
right / boundary messages, also ``boundary_by_pattern``; ``escalation_share`` = must-escalate
messages (requests for a person, third-party-only and off-topic) that were escalated with any
reason, and ``escalation_reason_right_share`` those escalated with the expected reason;
``redacted_for_bot`` = messages the gateway's redactor changed before Rasa saw them (Rasa gets
the redacted text, as shipped; only these can differ from a bot reading them unredacted);
``answer_ms_p50`` / ``answer_ms_p95`` = milliseconds from sending to the answer, over messages
answered directly, ``reply_ms_p50`` over every first reply; the counts, the half, the
concurrency and the load average (1, 5, 15 min) at the end.

Run: ``.venv/bin/python benchmarks/containment.py [--half reporting|tuning] [--concurrency 4]
[--details FILE] [--limit N]``. ``--details`` writes one JSON line per message (text, expected,
what happened, verdict, latency) for studying misses: only ever on the tuning half when tuning.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from routing.evaluation import (
    HALVES,
    Case,
    InvalidSet,
    Observation,
    is_right,
    load_half,
    score,
    verdict,
)
from tests.support.clients import CustomerClient
from tests.support.system import running_system

SET_DIR = Path(__file__).resolve().parent / "data" / "unseen_wording"
REPLY_TIMEOUT_S = 120.0  # no first reply by then: "other" (and counted in no_reply)
ESCALATION_GRACE_S = 3.0  # a reply without article or options: how long to wait for the queued state
CHOOSE_PREFIX = "/choose_article"
UNAVAILABLE_RETRIES = 2  # a holding reply (Rasa too slow) is sent again, in a fresh session, this often
WARM_UP = ("hello", "How do I factory reset my Lumen Hub?", "I want to talk to a person")


def classify(reply: dict[str, Any], queued_reason: str | None) -> Observation:
    """The outcome of one message from the bot's first reply and the queue state that followed."""
    text = str(reply.get("text") or "")[:200]
    if queued_reason is not None:
        return Observation("escalate", reason=queued_reason, text=text)
    if reply.get("article"):
        return Observation("answer", article=reply["article"].get("id"), text=text)
    buttons = reply.get("buttons") or []
    options = [chosen_article(b["payload"]) for b in buttons if str(b.get("payload", "")).startswith(CHOOSE_PREFIX)]
    if options:
        return Observation("clarify", options=options, text=text)
    if buttons and all(b.get("payload") == "/request_human" for b in buttons):
        return Observation("rephrase", text=text)
    return Observation("other", text=text)


def chosen_article(payload: str) -> str:
    """The article id in a ``/choose_article{"article_id": ...}`` button payload."""
    return str(json.loads(payload[len(CHOOSE_PREFIX):] or "{}").get("article_id", ""))


def queued_reason(frames: list[dict[str, Any]]) -> str | None:
    return next((str(f.get("reason")) for f in frames if f.get("type") == "state" and f.get("state") == "queued"),
                None)


async def observe(ws_url: str, text: str) -> Observation:
    """Send ``text`` in a fresh session and classify what the customer sees."""
    client = await CustomerClient.open(ws_url)
    try:
        started = time.perf_counter()
        try:
            reply = await client.bot_reply_after(await client.say(text), REPLY_TIMEOUT_S)
        except AssertionError:
            return Observation("other", text="(no reply)")
        latency_ms = round((time.perf_counter() - started) * 1000, 1)
        if reply["role"] == "system":  # the holding reply: Rasa did not answer, the chat is queued
            return Observation("escalate", reason="bot_unavailable", text=str(reply.get("text", ""))[:200],
                               latency_ms=latency_ms)
        seen = classify(reply, queued_reason(client.frames))
        if seen.outcome in ("rephrase", "other"):  # a handoff message may come before its queued state
            await wait_for_queue(client)
            seen = classify(reply, queued_reason(client.frames))
        seen.latency_ms = latency_ms
        return seen
    finally:
        await client.close()


async def wait_for_queue(client: CustomerClient) -> None:
    """Give a reply without an article the chance to be followed by the queued state."""
    with contextlib.suppress(AssertionError):
        await client.wait_for(lambda f: f.get("type") == "state" and f.get("state") == "queued", ESCALATION_GRACE_S)


async def observe_retrying(ws_url: str, text: str, retried: Counter[str]) -> Observation:
    """``observe``, sent again in a new session while Rasa did not answer in time (a slow machine,
    not the bot's understanding); the last observation counts if it never does."""
    for attempt in range(1 + UNAVAILABLE_RETRIES):
        seen = await observe(ws_url, text)
        if seen.reason != "bot_unavailable":
            break
        if attempt < UNAVAILABLE_RETRIES:
            retried["bot_unavailable"] += 1
    return seen


async def run_half(ws_url: str, cases: list[Case], concurrency: int,
                   retried: Counter[str]) -> list[tuple[Case, Observation]]:
    """Every case through the system, ``concurrency`` sessions at a time, in the set's order."""
    slots = asyncio.Semaphore(concurrency)

    async def one(case: Case) -> tuple[Case, Observation]:
        async with slots:
            return case, await observe_retrying(ws_url, case.text, retried)

    return list(await asyncio.gather(*(one(case) for case in cases)))


def detail_line(case: Case, seen: Observation) -> str:
    expected: dict[str, Any] = {"answer": list(case.answer)} if case.escalate is None else {
        "escalate": list(case.escalate)}
    return json.dumps({"id": case.id, "text": case.text, "kind": case.kind, "pattern": case.pattern,
                       "styles": list(case.styles), "expected": expected, "seen": asdict(seen),
                       "verdict": verdict(case, seen), "right": is_right(verdict(case, seen))}, ensure_ascii=False)


def redacted_for_bot(cases: Iterable[Case]) -> int:
    """How many messages the gateway's redactor changes before Rasa sees them (settings as deployed).

    The gateway sends Rasa the redacted text, so the figures are those of the system as shipped; a
    bot reading the messages unredacted could differ on these messages only."""
    from bot.core.config import Settings
    from bot.services import lookup_names
    from privacy import PresidioRedactor

    redactor = PresidioRedactor(Settings().privacy.redaction(lookup_names()))
    return sum(redactor.screen(case.text).bot != case.text for case in cases)


async def main(half: str, concurrency: int, details: Path | None, limit: int | None) -> dict[str, Any]:
    cases = load_half(half, SET_DIR)[:limit]
    changed = redacted_for_bot(cases)
    started = time.monotonic()
    with running_system(Path(tempfile.mkdtemp(prefix="tandem-containment-"))) as system:
        for warm_up in WARM_UP:  # loads the models on the first path through, not counted
            await observe_retrying(system.gateway.ws_url, warm_up, Counter())
        retried: Counter[str] = Counter()
        results = await run_half(system.gateway.ws_url, cases, concurrency, retried)
    if details:
        details.write_text("".join(detail_line(c, s) + "\n" for c, s in results))
    return {"half": half, **score(results), "retried_bot_unavailable": retried["bot_unavailable"],
            "redacted_for_bot": changed,
            "concurrency": concurrency,
            "elapsed_s": round(time.monotonic() - started, 1),
            "load_average": [round(x, 2) for x in os.getloadavg()]}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=HALVES, default="reporting")
    parser.add_argument("--concurrency", type=int, default=4, help="sessions in flight at once")
    parser.add_argument("--details", type=Path, help="write one JSON line per message here")
    parser.add_argument("--limit", type=int, help="only the first N messages (a smoke run)")
    args = parser.parse_args()
    try:
        print(json.dumps(asyncio.run(main(args.half, args.concurrency, args.details, args.limit))))
    except InvalidSet as error:
        sys.exit(f"containment: invalid set: {error}")
