"""The knowledge base learning from agents: four simulated weeks through the running system.

Starts Redis, the trained Rasa server and a gateway as the integration tests do, with the demo
knowledge base minus 15 held-back articles (those the unseen-wording set asks about most, ties by
id). The set's answerable questions (both halves: nothing here is tuned on either) are dealt into
four weeks, each article's questions round-robin, so every week asks wordings not asked before.

Each week:

- **customers** ask their question over the customer socket, each in a fresh session. The first
  reply is scored as benchmarks/containment.py scores it (contained = answered right, or offered
  the right article in "Did you mean…?"; wrong = answered with another article). A customer who
  got no help goes on as people do: a wrong answer gets "no, that didn't help"; a menu without the
  right article gets "None of these"; "could you say it in other words?" gets the question again.
  Whoever is then handed over waits for an agent.
- a scripted **agent** claims each waiting chat and answers: with a held-back article's text when
  the question is about one (typed, no article to insert), else by inserting the suggested article
  (``article_id``, as the console's *Use* does; a held-back article too once it is published). A
  third-party or off-topic handover of an answerable question is resolved as "actually ours".
  Every fourth answer ends with the agent's e-mail address and phone number, which must never
  reach a proposal.
- at the end of the week a scripted **content reviewer** goes through the open proposals: one whose
  questions are mostly about a held-back article is accepted (edited: the held-back article's id,
  title, product and tags, the agent's answer as the body, the customers' questions about it as
  phrasings: questions grouped in but about something else are left out, as a person would), or
  merged into it once it is published; every other proposal is rejected with a reason.

One JSON line: ``containment_by_week`` and ``wrong_share_by_week`` (over the week's answerable
questions), ``wrong_article_missing_by_week`` (the part of the wrong answers whose right article was
held back and not learned yet: the bot answered with the nearest article it had),
``wrong_answers_by_week`` (the counts: with about 80 questions a week, 1 % is less than one),
``reporting_half_wrong_answers_by_week`` and ``reporting_half_questions_by_week`` (the same over the
questions of the set's reporting half alone: routing rules are tuned on the other half), ``proposals``
(made), ``accepted``, ``merged``, ``rejected``, ``open_at_end``,
``median_customers_per_proposal`` (over decided proposals), ``questions_by_week``,
``handed_over_by_week``, ``proposals_with_personal_data`` (card, IBAN, e-mail or phone found in any
proposal text; must be 0), ``nlu_examples`` (questions the classifier kept from the knowledge base,
queued for the NLU review), ``gaps_open_at_end``, ``gaps_answered_at_end``, the held-back ids, the
elapsed time and the load average.

``--save-states DIR`` writes the published knowledge base each week's customers met (``DIR/week-N``,
Markdown files as ``python -m bot kb export`` writes them) and the week each question was asked in
(``DIR/weeks.json``): ``benchmarks/replay.py --states DIR --week N`` then decides that week's questions
against that knowledge base in a minute, without running the weeks again.

Run: ``.venv/bin/python benchmarks/kb_learning.py [--concurrency 3] [--limit-per-week N] [--details FILE]
[--save-states DIR]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import difflib
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from limits import parse as parse_limit

from benchmarks.containment import (
    CHOOSE_PREFIX,
    HALVES,
    SET_DIR,
    UNAVAILABLE_RETRIES,
    Case,
    Observation,
    chosen_article,
    classify,
    load_half,
    queued_reason,
    verdict,
)
from bot.core.config import PROJECT_ROOT, RateLimitSettings
from bot.ratelimit import FrameBudget, RateLimited
from bot.services import make_engine
from knowledge_base import ArticleStatus
from knowledge_base.exchange import write_articles
from knowledge_base.store import ArticleStore
from tests.support.clients import AgentClient, CustomerClient
from tests.support.system import RunningSystem, running_system, staff_token

ARTICLES_DIR = PROJECT_ROOT / "knowledge_base" / "demo" / "articles"
HELD_BACK = 15
WEEKS = 4
REPLY_TIMEOUT_S = 120.0
FOLLOW_UP_S = 20.0
CONTACT = "If anything else comes up, write to me at alex.agent@example.com or call +44 20 7946 0958."
PERSONAL = re.compile(r"[\w.+-]+@[\w-]+\.\w+"  # e-mail
                      r"|\+?\d[\d ()-]{7,}\d"  # phone, card
                      r"|\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,}")  # IBAN
DID_NOT_HELP = "no, that didn't help"
#: The scripted agent keeps this far under the gateway's frames-per-connection limit (its window starts
#: when a frame arrives, ours when it leaves).
PACE_MARGIN = 4


class Pace:
    """Keeps the scripted agent within the socket's frame limit. It serves a week's chats in seconds,
    as no person does, and the gateway refuses (``rate_limited``) what goes over: a refused claim or
    resolve would drop a chat from the loop."""

    def __init__(self, limit: str = RateLimitSettings().frames_per_connection) -> None:
        item = parse_limit(limit)
        self._budget = FrameBudget(type(item)(max(item.amount - PACE_MARGIN, 1), item.multiples))

    async def __call__(self) -> None:
        """Wait until one more frame fits in the window, and count it."""
        while True:
            try:
                self._budget.hit()
                return
            except RateLimited:
                await asyncio.sleep(0.1)


@dataclass(frozen=True)
class Demo:
    """A demo article as its Markdown file says (front matter and body)."""

    id: str
    title: str
    body: str
    product: str | None
    tags: list[str]


def read_demo(path: Path) -> Demo:
    _, front, body = path.read_text().split("---", 2)
    meta = yaml.safe_load(front)
    return Demo(meta["id"], meta["title"], body.strip(), meta.get("product"), list(meta.get("tags") or []))


def answerable_cases() -> list[Case]:
    return [c for half in HALVES for c in load_half(half, SET_DIR) if c.kind == "answerable"]


def held_back_ids(cases: Iterable[Case], n: int = HELD_BACK) -> list[str]:
    """The ``n`` articles the set asks about most (ties by id): their absence is felt."""
    counts = Counter(c.answer[0] for c in cases)
    return sorted(sorted(counts), key=lambda a: -counts[a])[:n]


def weeks_of(cases: list[Case], weeks: int = WEEKS) -> list[list[Case]]:
    """Each article's questions dealt round-robin into the weeks (an offset per article keeps them even)."""
    by_article: dict[str, list[Case]] = defaultdict(list)
    for case in sorted(cases, key=lambda c: c.id):
        by_article[case.answer[0]].append(case)
    dealt: list[list[Case]] = [[] for _ in range(weeks)]
    for n, article in enumerate(sorted(by_article)):
        for k, case in enumerate(by_article[article]):
            dealt[(n + k) % weeks].append(case)
    return dealt


def seed_folder(held: set[str]) -> Path:
    """The demo articles without the held-back ones, as the gateway's seed folder."""
    folder = Path(tempfile.mkdtemp(prefix="tandem-kb-learning-seed-"))
    for path in ARTICLES_DIR.glob("*.md"):
        if path.stem not in held:
            shutil.copy(path, folder / path.name)
    return folder


@dataclass
class Visit:
    """One customer's week: the case, what they saw first, and their session if they were handed over."""

    case: Case
    seen: Observation
    handed_over: str | None = None  # the escalation reason
    customer: CustomerClient | None = None


async def first_reply(customer: CustomerClient, text: str) -> tuple[Observation, dict[str, Any]]:
    started = time.perf_counter()
    try:
        reply = await customer.bot_reply_after(await customer.say(text), REPLY_TIMEOUT_S)
    except AssertionError:
        return Observation("other", text="(no reply)"), {}
    if reply["role"] == "system":
        return Observation("escalate", reason="bot_unavailable"), reply
    seen = classify(reply, queued_reason(customer.frames))
    if seen.outcome in ("rephrase", "other"):
        with contextlib.suppress(AssertionError):
            await customer.wait_for(lambda f: f.get("type") == "state" and f.get("state") == "queued", 3.0)
        seen = classify(reply, queued_reason(customer.frames))
    seen.latency_ms = round((time.perf_counter() - started) * 1000, 1)
    return seen, reply


async def queued(customer: CustomerClient, timeout_s: float = FOLLOW_UP_S) -> str | None:
    with contextlib.suppress(AssertionError):
        state = await customer.wait_for(lambda f: f.get("type") == "state" and f.get("state") == "queued", timeout_s)
        return str(state.get("reason"))
    return None


async def pick(customer: CustomerClient, reply: dict[str, Any], case: Case) -> None:
    """Press the "Did you mean…?" button of the right article and wait for its answer."""
    payloads = [str(b.get("payload", "")) for b in reply.get("buttons") or []]
    right = [p for p in payloads if p.startswith(CHOOSE_PREFIX) and chosen_article(p) in case.answer]
    start = len(customer.frames)
    await choose(customer, right[0])
    with contextlib.suppress(AssertionError):
        await customer.wait_for(lambda f: f.get("type") == "message" and bool(f.get("article")), FOLLOW_UP_S,
                                start=start)


async def choose(customer: CustomerClient, payload: str) -> None:
    await customer.send({"type": "choose", "client_id": uuid.uuid4().hex, "payload": payload})


async def visit(ws_url: str, case: Case, retried: Counter[str] | None = None) -> Visit:
    """One customer: ask, score the first reply, and go on to a person when the bot did not help. A holding
    reply (Rasa too slow: the machine's load, not the bot's understanding) is asked again in a new session,
    up to twice, as benchmarks/containment.py does."""
    for attempt in range(1 + UNAVAILABLE_RETRIES):
        customer = await CustomerClient.open(ws_url)
        seen, reply = await first_reply(customer, case.text)
        if seen.reason != "bot_unavailable" or attempt == UNAVAILABLE_RETRIES:
            break
        await customer.close()
        if retried is not None:
            retried["bot_unavailable"] += 1
    name = verdict(case, seen)
    if name in ("answered_right", "clarified_right") or seen.outcome == "other":
        if name == "clarified_right":  # the customer picks the right article, as a person would
            await pick(customer, reply, case)
        with contextlib.suppress(Exception):
            await customer.send({"type": "end"})
        await customer.close()
        return Visit(case, seen)
    reason = seen.reason if seen.outcome == "escalate" else None
    if reason is None and name == "wrong":
        await customer.say(DID_NOT_HELP)
        reason = await queued(customer)
    elif reason is None and seen.outcome == "clarify":
        await choose(customer, "/request_human")  # "None of these"
        reason = await queued(customer)
    elif reason is None and seen.outcome == "rephrase":
        await customer.say(case.text)
        reason = await queued(customer)
    if reason is None:
        await choose(customer, "/request_human")
        reason = await queued(customer)
    if reason is None or reason == "bot_unavailable":
        await customer.close()
        return Visit(case, seen)
    return Visit(case, seen, reason, customer)


async def serve(agent: AgentClient, visits: list[Visit], demos: dict[str, Demo], live: set[str],
                counter: Counter[str]) -> None:
    """The scripted agent: claim, answer (inserting the article when it is live, else typing the held-back
    article's text), resolve."""
    pace = Pace()
    for v in visits:
        if v.customer is None:
            continue
        sid = v.customer.session_id
        article = v.case.answer[0]
        start = len(agent.frames)
        await pace()
        await agent.send({"type": "claim", "session_id": sid})
        claimed = await agent.wait_for(claim_answer(sid), REPLY_TIMEOUT_S, start=start)
        if claimed["type"] == "error":
            counter["claim_errors"] += 1
            await v.customer.close()
            continue
        frame: dict[str, Any] = {"type": "message", "session_id": sid, "client_id": uuid.uuid4().hex,
                                 "text": demos[article].body}
        if article in live:
            frame["article_id"] = article  # the console's "Use" on the suggested article
        start = len(agent.frames)
        await pace()
        await agent.send(frame)
        await agent.wait_for(lambda f: f["type"] in ("ack", "error"), REPLY_TIMEOUT_S, start=start)
        counter["answers"] += 1
        if counter["answers"] % 4 == 0:
            await pace()
            await agent.reply(sid, CONTACT)
        await pace()
        await agent.send({"type": "resolve", "session_id": sid,
                          "ours": v.handed_over in ("third_party", "out_of_scope")})
        with contextlib.suppress(AssertionError):
            await v.customer.wait_for(lambda f: f["type"] == "ended", FOLLOW_UP_S)
        await v.customer.close()


def claim_answer(session_id: str) -> Callable[[dict[str, Any]], bool]:
    """The agent socket's answer to a claim of ``session_id``: claimed, or an error."""
    return lambda f: f["type"] in ("claimed", "error") and f.get("session_id", session_id) == session_id


def meant_by(question: str, asked: dict[str, str]) -> str:
    """The article a proposal's question was about: by its text, or (redaction changed a word) the closest."""
    if question in asked:
        return asked[question]
    close = difflib.get_close_matches(question, list(asked), n=1, cutoff=0.8)
    return asked[close[0]] if close else ""


def review(content: httpx.Client, asked: dict[str, str], demos: dict[str, Demo], held: set[str],
           tally: Counter[str], sizes: list[int], live: set[str]) -> None:
    """The scripted content reviewer: accept (or merge) what matches a held-back article, reject the rest."""
    proposals = content.get("/api/learning/proposals").json()["proposals"]
    for proposal in proposals:
        tally["personal_data"] += any(PERSONAL.search(t) for t in [*proposal["questions"], *proposal["answers"]])
        meant = Counter(meant_by(q, asked) for q in proposal["questions"]).most_common(1)[0][0]
        path = f"/api/learning/proposals/{proposal['id']}"
        if meant in held:
            demo = demos[meant]
            own = [q for q in proposal["questions"] if meant_by(q, asked) == meant]  # a human splits the rest off
            existing = content.get(f"/api/content/articles/{meant}")
            if proposal["kind"] == "phrasing" and proposal["article_id"] == meant:
                response = content.post(f"{path}/accept", json={"article": {"questions": own}})
            elif existing.status_code == 200:
                response = content.post(f"{path}/merge", json={"article_id": meant, "questions": own})
            else:
                answers = difflib.get_close_matches(demo.body, proposal["answers"], n=1, cutoff=0.5)
                response = content.post(f"{path}/accept", json={"article": {
                    "id": meant, "title": demo.title, "body": answers[0] if answers else demo.body,
                    "product": demo.product, "tags": demo.tags, "questions": own}})
            action = "merged" if response.json().get("proposal", {}).get("state") == "merged" else "accepted"
        else:
            response = content.post(f"{path}/reject", json={"reason": "not one of the held-back articles"})
            action = "rejected"
        response.raise_for_status()
        if action != "rejected":
            live.add(meant)
        tally[action] += 1
        tally["nlu_examples"] += int(response.json().get("nlu_examples", 0))
        sizes.append(int(proposal["customers"]))


@dataclass(frozen=True)
class WeekFigures:
    """One week's figures: shares over its questions, and the wrong answers counted."""

    containment: float
    wrong_share: float
    missing_share: float  # wrong answers whose article was not live (held back and not learned yet)
    wrong: int
    wrong_reporting: int  # of those, questions of the set's reporting half


def week_figures(visits: list[Visit], live: set[str], reporting_ids: set[str]) -> WeekFigures:
    """Containment, wrong answers, and the wrong answers to questions whose article was not live (held back
    and not learned yet: the bot answered with the nearest article it had)."""
    verdicts = Counter(verdict(v.case, v.seen) for v in visits)
    wrong = [v for v in visits if verdict(v.case, v.seen) == "wrong"]
    n = len(visits) or 1
    return WeekFigures(round((verdicts["answered_right"] + verdicts["clarified_right"]) / n, 4),
                       round(len(wrong) / n, 4), round(sum(v.case.answer[0] not in live for v in wrong) / n, 4),
                       len(wrong), sum(v.case.id in reporting_ids for v in wrong))


def detail_lines(week: int, visits: list[Visit], live: set[str]) -> list[str]:
    """One JSON line per customer, for studying what went wrong (``--details``)."""
    return [json.dumps({"week": week, "id": v.case.id, "text": v.case.text, "expected": list(v.case.answer),
                        "expected_live": v.case.answer[0] in live, "seen": asdict(v.seen),
                        "verdict": verdict(v.case, v.seen), "handed_over": v.handed_over}, ensure_ascii=False)
            for v in visits]


async def run_week(system: RunningSystem, cases: list[Case], concurrency: int, agent_token: str,
                   demos: dict[str, Demo], live: set[str], counter: Counter[str]) -> list[Visit]:
    slots = asyncio.Semaphore(concurrency)

    async def one(case: Case) -> Visit:
        async with slots:
            return await visit(system.gateway.ws_url, case, counter)

    visits = list(await asyncio.gather(*(one(c) for c in cases)))
    agent = await AgentClient.open(system.gateway.ws_url, agent_token)  # a shift: signed in to serve the week
    try:
        await serve(agent, visits, demos, live, counter)
    finally:
        await agent.close()
    return visits


def save_state(database_url: str, folder: Path) -> None:
    """The published knowledge base as it is now, as a folder of Markdown files (``--save-states``). The folder is
    replaced: an earlier run's articles left in it would be seeded with this week's."""
    shutil.rmtree(folder, ignore_errors=True)
    engine = make_engine(database_url)
    try:
        write_articles(folder, ArticleStore(engine).list(ArticleStatus.PUBLISHED))
    finally:
        engine.dispose()


async def main(concurrency: int, limit: int | None, details: Path | None = None,
               states: Path | None = None) -> dict[str, Any]:
    started = time.monotonic()
    cases = answerable_cases()
    held = set(held_back_ids(cases))
    demos = {p.stem: read_demo(p) for p in ARTICLES_DIR.glob("*.md")}
    weeks = [week[:limit] for week in weeks_of(cases)]
    asked = {c.text: c.answer[0] for c in cases}
    seed = seed_folder(held)
    tally: Counter[str] = Counter()
    counter: Counter[str] = Counter()
    sizes: list[int] = []
    live = set(demos) - held  # the articles agents can insert (held-back ones once published)
    figures: list[WeekFigures] = []
    handed: list[int] = []
    reporting_ids = {c.id for c in load_half("reporting", SET_DIR)}
    lines: list[str] = []
    if states:  # known before the run: the weeks saved so far can be replayed even if it stops early
        states.mkdir(parents=True, exist_ok=True)
        (states / "weeks.json").write_text(json.dumps({c.id: n for n, week in enumerate(weeks, 1) for c in week}))
    with running_system(Path(tempfile.mkdtemp(prefix="tandem-kb-learning-")),
                        settings_env={"TANDEM_KB_SEED_DIR": str(seed)}) as system:
        url = system.gateway.url
        agent_token = staff_token(url, "agent1")
        with httpx.Client(base_url=url, timeout=120,
                          headers={"Authorization": f"Bearer {staff_token(url, 'content')}"}) as content:
            for warm_up in ("hello", "How do I factory reset my Lumen Hub?"):
                await visit(system.gateway.ws_url, Case("warm", warm_up, "answerable", answer=("hub-reset",)))
            for n, week in enumerate(weeks, 1):
                live_then = set(live)
                if states:
                    save_state(system.database_url, states / f"week-{n}")
                visits = await run_week(system, week, concurrency, agent_token, demos, live, counter)
                figures.append(week_figures(visits, live_then, reporting_ids))
                lines += detail_lines(n, visits, live_then)
                handed.append(sum(1 for v in visits if v.handed_over))
                await asyncio.sleep(1.0)  # the last closes are filed
                review(content, asked, demos, held, tally, sizes, live)
            gaps = {state: len(content.get("/api/learning/gaps", params={"state": state}).json()["gaps"])
                    for state in ("open", "answered")}
            made = len(content.get("/api/learning/proposals", params={"state": "all"}).json()["proposals"])
            still_open = len(content.get("/api/learning/proposals").json()["proposals"])
    shutil.rmtree(seed, ignore_errors=True)
    if details:
        details.write_text("".join(line + "\n" for line in lines))
    return {
        "containment_by_week": [f.containment for f in figures],
        "wrong_share_by_week": [f.wrong_share for f in figures],
        "wrong_article_missing_by_week": [f.missing_share for f in figures],
        "wrong_answers_by_week": [f.wrong for f in figures],
        "reporting_half_wrong_answers_by_week": [f.wrong_reporting for f in figures],
        "reporting_half_questions_by_week": [sum(c.id in reporting_ids for c in w) for w in weeks],
        "proposals": made, "accepted": tally["accepted"], "merged": tally["merged"], "rejected": tally["rejected"],
        "open_at_end": still_open,
        "median_customers_per_proposal": statistics.median(sizes) if sizes else None,
        "questions_by_week": [len(w) for w in weeks], "handed_over_by_week": handed,
        "proposals_with_personal_data": tally["personal_data"], "nlu_examples": tally["nlu_examples"],
        "gaps_open_at_end": gaps["open"], "gaps_answered_at_end": gaps["answered"],
        "containment_gain_points": (round((figures[-1].containment - figures[0].containment) * 100, 1)
                                    if figures else None),
        "claim_errors": counter["claim_errors"], "retried_bot_unavailable": counter["bot_unavailable"],
        "held_back": sorted(held), "concurrency": concurrency,
        "elapsed_s": round(time.monotonic() - started, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=3, help="customers in flight at once")
    parser.add_argument("--limit-per-week", type=int, help="only the first N questions of each week (a smoke run)")
    parser.add_argument("--details", type=Path, help="write one JSON line per customer here")
    parser.add_argument("--save-states", type=Path,
                        help="write the knowledge base each week met and the weeks' questions here")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.concurrency, args.limit_per_week, args.details, args.save_states))))
