"""The offline replay's knowledge base without some articles: what the live bot would have found."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.replay import CachedSearch, Week, missing_figures
from knowledge_base import Candidate, Thresholds
from knowledge_base.service import DEFAULT_K
from routing import Policy
from routing.evaluation import Case

pytestmark = pytest.mark.unit


def candidate(article_id: str, score: float) -> Candidate:
    return Candidate(article_id, article_id, "", None, score)


RANKED = [candidate(f"a{n}", 0.9 - n * 0.05) for n in range(12)]


def test_leaving_articles_out_still_serves_the_live_number_of_candidates_from_one_search() -> None:
    calls: list[tuple[str, int]] = []

    def search(text: str, k: int) -> list[Candidate]:
        calls.append((text, k))
        return RANKED[:k]

    cached = CachedSearch(search)
    assert [c.article_id for c in cached.without()("q")] == [f"a{n}" for n in range(DEFAULT_K)]
    assert [c.article_id for c in cached.without({"a0", "a2"})("q")] == ["a1", "a3", "a4", "a5", "a6"]
    assert len(calls) == 1  # the second view is served from the first search


def test_a_question_whose_article_is_missing_counts_as_wrong_only_when_answered_with_another() -> None:
    cases = [Case("c1", "reset the hub", "answerable", answer=("a0",)),
             Case("c2", "netgear port forwarding", "boundary", escalate=("third_party",))]
    parses = [{"text": "reset the hub", "intent_ranking": [{"name": "product_question", "confidence": 0.9}]},
              {"text": "netgear port forwarding", "intent_ranking": [{"name": "out_of_scope", "confidence": 0.9}]}]
    far_ahead = [candidate("a0", 0.95), candidate("a1", 0.9), candidate("a2", 0.5)]
    figures, outcomes = missing_figures(cases, parses, CachedSearch(lambda text, k: far_ahead[:k]),
                                        Policy(thresholds=Thresholds()))
    assert outcomes == ["wrong", ""]  # a1 leads a2 by far: answered, and a1 is not the customer's article
    assert figures["missing_wrong_share"] == 1.0
    assert figures["missing_wrong_by_rule"] == {"confident_article": 1}


def test_a_saved_learning_week_gives_its_knowledge_base_and_only_its_questions(tmp_path: Path) -> None:
    (tmp_path / "week-2").mkdir()
    (tmp_path / "weeks.json").write_text(json.dumps({"ans-001": 1, "ans-002": 2, "bnd-003": 2}))
    week = Week.read(tmp_path, 2)
    assert week.articles == tmp_path / "week-2"
    assert week.case_ids == {"ans-002", "bnd-003"}


def test_a_week_with_no_saved_knowledge_base_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "weeks.json").write_text(json.dumps({"ans-001": 1}))
    with pytest.raises(FileNotFoundError, match="week 3"):
        Week.read(tmp_path, 3)
