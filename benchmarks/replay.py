"""The unseen-wording set replayed offline, and its questions asked again with their article missing.

benchmarks/containment.py sends every message through the running system; this replays the same
decisions without one (as the retraining loop's containment check does): Rasa's parse of each
redacted message with the trained model (in a Rasa process of its own), the knowledge base in
this process (the demo articles and vocabulary, SQLite in a scratch folder), and
:func:`routing.route`, scored by :mod:`routing.evaluation`. The figures match the live run's
(``contained_share``, ``wrong_share``, ``boundary_accuracy``, ...), minus latency and Rasa's
dialogue policies, in about a minute.

Then the part the live run cannot show: each answerable question asked **with its article
missing** (its article ids taken out of the candidates; the other articles keep the scores they
had, BM25's term weights aside). That is the customer of a knowledge base that lacks the answer
(an article not written yet, or held back as in benchmarks/kb_learning.py): the bot should not
answer with the nearest article it has. Figures, over the half's answerable questions:
``missing_wrong_share`` (answered with another article: the wrong answer this measures),
``missing_offered_share`` ("Did you mean…?" with other articles: the customer's "None of these"
hands over), ``missing_handed_over_share`` (handed over, or asked to rephrase), and
``missing_wrong_by_rule`` (which routing rule answered).

Tune on ``--half tuning`` only; report ``--half reporting`` (never tuned on). ``--details FILE``
writes one JSON line per message (both runs) for studying misses: tuning half only.

``--states DIR --week N``: the knowledge base one week of benchmarks/kb_learning.py met instead of the
demo's (``kb_learning.py --save-states DIR`` writes them), and only that week's questions of the half:
a routing change tried on a learning week in a minute (the customers' follow-ups, the agents and the
review are not replayed: what the next weeks would learn stays as it was).

Run: ``.venv/bin/python benchmarks/replay.py [--half reporting|tuning] [--model ARCHIVE] [--details FILE]
[--states DIR --week N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.core.config import Settings
from bot.services import load_knowledge_base, lookup_names, make_engine
from knowledge_base import Candidate
from knowledge_base.embedder import MiniLMEmbedder, MpnetEmbedder
from knowledge_base.service import DEFAULT_K
from privacy import PresidioRedactor
from rasa_bridge import Logged
from rasa_bridge.artefacts import latest_model
from retraining.containment import read_cases
from routing import Policy, Route, Search, route, signals_of
from routing.decision import Step
from routing.evaluation import HALVES, Case, InvalidSet, load_half, observed, score, verdict

#: The knowledge base's search with its number of candidates (``KnowledgeBase.search``).
SearchK = Callable[[str, int], Sequence[Candidate]]
SET_DIR = Path(__file__).resolve().parent / "data" / "unseen_wording"
LIVE_ONLY = {"answer_ms_p50", "answer_ms_p95", "reply_ms_p50", "no_reply", "bot_unavailable"}  # no latency offline
SPARE_K = 30  # candidates fetched per text: enough that leaving some out still leaves DEFAULT_K


class CachedSearch:
    """The knowledge base's search, run once per text with room to spare, served as the live bot's
    (``DEFAULT_K`` candidates) with any articles left out: the knowledge base as it would be
    without them (each article keeps its dense scores; BM25's term weights still count them)."""

    def __init__(self, search: SearchK) -> None:
        self._search = search
        self._found: dict[str, list[Candidate]] = {}

    def without(self, article_ids: Collection[str] = ()) -> Search:
        def search(text: str) -> list[Candidate]:
            if text not in self._found:
                self._found[text] = list(self._search(text, SPARE_K))
            return [c for c in self._found[text] if c.article_id not in article_ids][:DEFAULT_K]

        return search


def missing_outcome(decision: Route) -> str:
    """What a customer whose article is missing got: ``wrong``, ``offered`` or ``handed_over``."""
    if decision.step is Step.ANSWER:
        return "wrong"
    if decision.step is Step.CLARIFY:
        return "offered"
    return "handed_over"


def missing_figures(cases: Sequence[Case], parsed: Sequence[dict[str, Any]], search: CachedSearch,
                    policy: Policy) -> tuple[dict[str, Any], list[str]]:
    """The figures of the answerable questions asked with their article missing, and each one's outcome."""
    outcomes, wrong_rules = [], Counter[str]()
    for case, parse in zip(cases, parsed, strict=True):
        if case.kind != "answerable":
            outcomes.append("")
            continue
        decision = route(signals_of(parse, search.without(case.answer)), policy)
        outcomes.append(missing_outcome(decision))
        if decision.step is Step.ANSWER:
            wrong_rules[decision.rule] += 1
    counted = Counter(o for o in outcomes if o)
    total = max(sum(counted.values()), 1)
    return ({"missing_wrong_share": round(counted["wrong"] / total, 4),
             "missing_offered_share": round(counted["offered"] / total, 4),
             "missing_handed_over_share": round(counted["handed_over"] / total, 4),
             "missing_wrong_by_rule": dict(wrong_rules)}, outcomes)


@dataclass(frozen=True)
class Week:
    """One week of benchmarks/kb_learning.py as ``--save-states`` wrote it: the knowledge base its customers met
    and the ids of the questions they asked."""

    articles: Path
    case_ids: frozenset[str]

    @classmethod
    def read(cls, states: Path, week: int) -> Week:
        weeks = json.loads((states / "weeks.json").read_text())
        articles = states / f"week-{week}"
        if not articles.is_dir():
            raise FileNotFoundError(f"no knowledge base saved for week {week} in {states}")
        return cls(articles, frozenset(case_id for case_id, n in weeks.items() if n == week))


def demo_search(scratch: Path, articles: Path | None = None) -> tuple[SearchK, Policy]:
    """The knowledge base's search as a fresh gateway's (the demo articles and vocabulary seeded, or the articles
    in the folder ``articles``), in ``scratch``."""
    settings = Settings(kb_index_dir=scratch / "index", **({"kb_seed_dir": articles} if articles else {}))
    engine = make_engine(f"sqlite:///{scratch / 'kb.sqlite'}")
    kb = load_knowledge_base(settings, engine, MiniLMEmbedder(), MpnetEmbedder())
    return kb.search, Policy(thresholds=kb.thresholds, **settings.routing.model_dump())


def detail_line(case: Case, parse: dict[str, Any], decision: Route, missing: str) -> str:
    seen = observed(decision)
    return json.dumps({"id": case.id, "text": case.text, "bot_text": parse.get("text"), "kind": case.kind,
                       "pattern": case.pattern,
                       "expected": list(case.answer) or list(case.escalate or ()), "rule": decision.rule,
                       "seen": {"outcome": seen.outcome, "article": seen.article, "options": seen.options,
                                "reason": seen.reason},
                       "verdict": verdict(case, seen), "why": decision.why(), "missing": missing},
                      ensure_ascii=False)


async def main(half: str, model: Path | None, details: Path | None, week: Week | None = None) -> dict[str, Any]:
    archive = model or latest_model()
    if archive is None:
        sys.exit("replay: no trained model (run `make train`)")
    cases = [c for c in load_half(half, SET_DIR) if week is None or c.id in week.case_ids]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tandem-replay-") as scratch:
        redactor = PresidioRedactor(Settings().privacy.redaction(lookup_names()))
        parsed = await read_cases(Logged(Path(scratch) / "rasa.log"), archive, cases, redactor.redact)
        kb_search, policy = await asyncio.to_thread(demo_search, Path(scratch), week and week.articles)
        return await asyncio.to_thread(replayed, half, cases, parsed, kb_search, policy, details) | {
            "model": archive.name, "elapsed_s": round(time.monotonic() - started, 1),
            "load_average": [round(x, 2) for x in os.getloadavg()]}


def replayed(half: str, cases: Sequence[Case], parsed: Sequence[dict[str, Any]], kb_search: SearchK, policy: Policy,
             details: Path | None) -> dict[str, Any]:
    """The figures of every message with the whole knowledge base, then of the answerable ones without their article."""
    search = CachedSearch(kb_search)
    decisions = [route(signals_of(parse, search.without()), policy) for parse in parsed]
    figures = score(zip(cases, [observed(d) for d in decisions], strict=True))
    missing, outcomes = missing_figures(cases, parsed, search, policy)
    if details:
        details.write_text("".join(detail_line(c, p, d, m) + "\n"
                                   for c, p, d, m in zip(cases, parsed, decisions, outcomes, strict=True)))
    return {"half": half, **{k: v for k, v in figures.items() if k not in LIVE_ONLY}, **missing}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=HALVES, default="reporting")
    parser.add_argument("--model", type=Path, help="a Rasa model archive (default: the latest in models/)")
    parser.add_argument("--details", type=Path, help="write one JSON line per message here (tuning half only)")
    parser.add_argument("--states", type=Path, help="the folder benchmarks/kb_learning.py --save-states wrote")
    parser.add_argument("--week", type=int, help="with --states: that week's knowledge base and questions")
    args = parser.parse_args()
    if (args.states is None) != (args.week is None):
        parser.error("--states and --week go together")
    try:
        week = Week.read(args.states, args.week) if args.states else None
    except (OSError, ValueError) as error:
        sys.exit(f"replay: cannot read the saved weeks: {error}")
    try:
        print(json.dumps(asyncio.run(main(args.half, args.model, args.details, week)) | (
            {"week": args.week} if week else {})))
    except InvalidSet as error:
        sys.exit(f"replay: invalid set: {error}")
