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

What counts as right (``verdict``):

- An ``answer`` expectation (acceptable article ids) is met by an answer with one of them
  (``answered_right``) or by a clarification offering one of them among its options
  (``clarified_right``: the customer can pick it). An answer with another article is ``wrong``,
  a clarification without any acceptable article is ``clarified_wrong``, an escalation (any
  reason) is ``false_escalation``; ``rephrase`` and ``other`` are misses of their own.
- An ``escalate`` expectation (acceptable reasons; empty = any reason) is met by an escalation
  with an acceptable reason. For ``unanswerable_ours`` boundary cases (any reason), a rephrase
  request also counts: the bot did not answer wrongly and a second miss hands over. Anything else
  (an answer, a clarification, another reason) is not right.

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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from outcomes.metrics import percentile
from tests.support.clients import CustomerClient
from tests.support.system import running_system

SET_DIR = Path(__file__).resolve().parent / "data" / "unseen_wording"
HALVES = ("tuning", "reporting")
KINDS = ("answerable", "boundary", "must_escalate")
PATTERNS = ("covered_third_party", "uncovered_third_party", "unanswerable_ours", "greeting_mixed", "order_problem")
REPLY_TIMEOUT_S = 120.0  # no first reply by then: "other" (and counted in no_reply)
ESCALATION_GRACE_S = 3.0  # a reply without article or options: how long to wait for the queued state
CHOOSE_PREFIX = "/choose_article"
UNAVAILABLE_RETRIES = 2  # a holding reply (Rasa too slow) is sent again, in a fresh session, this often
WARM_UP = ("hello", "How do I factory reset my Lumen Hub?", "I want to talk to a person")


class InvalidSet(ValueError):
    """A line of the unseen-wording set is malformed; the message names the file and line."""


@dataclass(frozen=True)
class Case:
    """One message of the set and what the bot should do with it."""

    id: str
    text: str
    kind: str
    answer: tuple[str, ...] = ()  # acceptable article ids (an answer expectation)
    escalate: tuple[str, ...] | None = None  # acceptable reasons (an escalation expectation; () = any)
    pattern: str | None = None
    styles: tuple[str, ...] = ()


@dataclass
class Observation:
    """What the customer saw after sending one message."""

    outcome: str  # answer | clarify | escalate | rephrase | other
    article: str | None = None
    options: list[str] = field(default_factory=list)
    reason: str | None = None
    text: str = ""
    latency_ms: float | None = None


def parse_case(raw: str, where: str) -> Case:
    """One JSON line as a Case, or InvalidSet saying what is wrong at ``where`` (file:line)."""
    try:
        row = json.loads(raw)
        expected = row["expected"]
        if not isinstance(row["text"], str) or not row["text"].strip() or row["kind"] not in KINDS:
            raise ValueError("text must be a non-empty string and kind one of " + ", ".join(KINDS))
        if row.get("pattern") not in (None, *PATTERNS) or (row["kind"] == "boundary") != bool(row.get("pattern")):
            raise ValueError("boundary lines need a pattern from " + ", ".join(PATTERNS) + "; others none")
        if set(expected) not in ({"answer"}, {"escalate"}):
            raise ValueError('expected must be {"answer": [ids]} or {"escalate": [reasons]}')
        answer, escalate = expected.get("answer"), expected.get("escalate")
        if answer is not None and not (answer and all(isinstance(a, str) for a in answer)):
            raise ValueError("expected.answer must list at least one article id")
        return Case(id=str(row["id"]), text=row["text"], kind=row["kind"], answer=tuple(answer or ()),
                    escalate=None if escalate is None else tuple(escalate), pattern=row.get("pattern"),
                    styles=tuple(row.get("styles") or ()))
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise InvalidSet(f"{where}: {type(error).__name__}: {error}") from error


def load_half(half: str, folder: Path = SET_DIR) -> list[Case]:
    """Every case of ``half`` (tuning or reporting), validated; ids must be unique."""
    path = folder / f"{half}.jsonl"
    cases = [parse_case(line, f"{path}:{n}") for n, line in enumerate(path.read_text().splitlines(), 1)
             if line.strip()]
    duplicates = [i for i, c in Counter(case.id for case in cases).items() if c > 1]
    if duplicates:
        raise InvalidSet(f"{path}: duplicate ids {duplicates[:5]}")
    return cases


def verdict(case: Case, seen: Observation) -> str:
    """How one observation scores against its case (the rules in the module docstring)."""
    if case.escalate is None:
        if seen.outcome == "answer":
            return "answered_right" if seen.article in case.answer else "wrong"
        if seen.outcome == "clarify":
            return "clarified_right" if set(seen.options) & set(case.answer) else "clarified_wrong"
        return {"escalate": "false_escalation"}.get(seen.outcome, seen.outcome)
    if seen.outcome == "escalate" and (not case.escalate or seen.reason in case.escalate):
        return "escalated_right"
    if seen.outcome == "rephrase" and case.pattern == "unanswerable_ours":
        return "escalated_right"
    return "escalated_wrong_reason" if seen.outcome == "escalate" else f"not_escalated_{seen.outcome}"


def is_right(verdict_name: str) -> bool:
    return verdict_name in ("answered_right", "clarified_right", "escalated_right")


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def score(results: Iterable[tuple[Case, Observation]]) -> dict[str, Any]:
    """The benchmark's figures from (case, observation) pairs (defined in the module docstring)."""
    pairs = list(results)
    by_kind: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}
    patterns: dict[str, Counter[str]] = {}
    for case, seen in pairs:
        name = verdict(case, seen)
        by_kind[case.kind][name] += 1
        if case.kind == "boundary":
            patterns.setdefault(str(case.pattern), Counter())["right" if is_right(name) else "not_right"] += 1
    answerable, boundary = by_kind["answerable"], by_kind["boundary"]
    n_answerable, n_boundary = sum(answerable.values()), sum(boundary.values())
    escalated = sum(1 for case, seen in pairs if case.kind == "must_escalate" and seen.outcome == "escalate")
    answered_ms = [s.latency_ms for _, s in pairs if s.outcome == "answer" and s.latency_ms is not None]
    reply_ms = [s.latency_ms for _, s in pairs if s.latency_ms is not None]
    return {
        "contained_share": share(answerable["answered_right"] + answerable["clarified_right"], n_answerable),
        "answered_right_share": share(answerable["answered_right"], n_answerable),
        "clarify_share": share(answerable["clarified_right"], n_answerable),
        "clarify_wrong_share": share(answerable["clarified_wrong"], n_answerable),
        "wrong_share": share(answerable["wrong"], n_answerable),
        "false_escalation_share": share(answerable["false_escalation"], n_answerable),
        "rephrase_share": share(answerable["rephrase"], n_answerable),
        "other_share": share(answerable["other"], n_answerable),
        "boundary_accuracy": share(sum(n for v, n in boundary.items() if is_right(v)), n_boundary),
        "boundary_by_pattern": {p: share(c["right"], c.total()) for p, c in sorted(patterns.items())},
        "escalation_share": share(escalated, sum(by_kind["must_escalate"].values())),
        "escalation_reason_right_share": share(by_kind["must_escalate"]["escalated_right"],
                                               sum(by_kind["must_escalate"].values())),
        "answer_ms_p50": percentile(answered_ms, 50), "answer_ms_p95": percentile(answered_ms, 95),
        "reply_ms_p50": percentile(reply_ms, 50),
        "messages": len(pairs), "answerable": n_answerable, "boundary": n_boundary,
        "must_escalate": sum(by_kind["must_escalate"].values()),
        "counts": {kind: dict(sorted(counter.items())) for kind, counter in by_kind.items()},
        "no_reply": sum(1 for _, s in pairs if s.latency_ms is None),
        "bot_unavailable": sum(1 for _, s in pairs if s.reason == "bot_unavailable"),
    }


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
    cases = load_half(half)[:limit]
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
