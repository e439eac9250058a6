"""The gateway's retrieval: MiniLM, mpnet and BM25 fused, kept up to date one article at a time."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from knowledge_base import KnowledgeBase, Thresholds
from knowledge_base.embedder import MpnetEmbedder
from knowledge_base.retrieval import HybridIndex
from knowledge_base.store import ArticleStore
from tests.knowledge_base.factories import PARAPHRASED_QUESTIONS, SpyEmbedder, hand_written_articles, make_article

pytestmark = [pytest.mark.integration, pytest.mark.slow]

QUESTIONS = PARAPHRASED_QUESTIONS


@pytest.fixture
def filled(hybrid: KnowledgeBase, spy: SpyEmbedder) -> KnowledgeBase:
    hybrid.import_articles(hand_written_articles(), "cora")
    spy.texts.clear()
    return hybrid


@pytest.mark.parametrize(("question", "expected"), QUESTIONS.items())
def test_paraphrased_questions_find_their_article_first(filled: KnowledgeBase, question: str, expected: str) -> None:
    best = filled.search(question)[0]

    assert best.article_id == expected
    assert set(best.signals) == {"paraphrase", "question", "body", "lexical"}


def test_clear_questions_are_answered_and_unrelated_ones_escalated(filled: KnowledgeBase) -> None:
    assert filled.decide("How do I cancel my Lumen Plus subscription?").action == "answer"
    assert filled.decide("What's the weather like in Paris tomorrow?").action == "escalate"


def test_a_product_code_only_the_body_mentions_is_found_by_its_words(filled: KnowledgeBase) -> None:
    filled.upsert_article(make_article(id="error-e42", title="What does the error on my hub mean?",
                                       body="Error E42-QX means the hub lost its Zigbee radio; restart it."))

    best = filled.search("E42-QX")[0]

    assert best.article_id == "error-e42"
    assert best.signals["lexical"] > 0


def test_an_edit_embeds_that_article_alone_and_shows_at_once(filled: KnowledgeBase, spy: SpyEmbedder) -> None:
    filled.upsert_article(replace(make_article(), questions=("The hub is frozen on a purple light",)))

    assert filled.search("my hub is frozen on a purple light")[0].article_id == "hub-reset"
    assert spy.texts and all("Lumen Hub" in text or "purple" in text for text in spy.texts)


def test_a_restart_reuses_every_saved_part_and_embeds_nothing(
    filled: KnowledgeBase, sqlite_store: ArticleStore, spy: SpyEmbedder, mpnet: MpnetEmbedder, index_dir: Path
) -> None:
    restarted = KnowledgeBase(sqlite_store, HybridIndex(spy, mpnet), Thresholds(), index_dir)

    report = restarted.ensure_index()

    assert report.reused_saved_index and report.embedded == () and spy.texts == []
    assert restarted.search("E-mail me when my package ships? how long is delivery")[0].article_id == "shipping-times"
    found = {c.article_id: c for c in restarted.search("pinhole button")}
    assert found["hub-reset"].signals["lexical"] > 0  # the BM25 part was refilled without a model


def test_another_process_sees_an_edit_on_its_next_poll(
    filled: KnowledgeBase, sqlite_store: ArticleStore, spy: SpyEmbedder, mpnet: MpnetEmbedder, index_dir: Path
) -> None:
    other = KnowledgeBase(sqlite_store, HybridIndex(spy, mpnet), Thresholds(), index_dir)
    other.ensure_index()
    returns = make_article(id="returns", title="What is the return policy?", body="30 days, full refund.")

    filled.upsert_article(returns, "cora")
    filled.retire("strip-cutting", "cora")
    applied = other.apply_changes()

    assert set(applied) == {"returns", "strip-cutting"}
    assert other.search("Can I send it back for a refund?")[0].article_id == "returns"
    assert "strip-cutting" not in {c.article_id for c in other.search("Can I cut the Lumen Strip?")}
    assert other.apply_changes() == ()  # each change is applied once
