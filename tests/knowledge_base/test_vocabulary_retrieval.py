"""Retrieval with the customers' vocabulary, and previewing a draft, on the gateway's hybrid retrieval."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine

from knowledge_base import ArticleStatus, KnowledgeBase, Term, Thresholds
from knowledge_base.embedder import MpnetEmbedder
from knowledge_base.retrieval import HybridIndex
from knowledge_base.store import ArticleStore
from knowledge_base.vocabulary_store import VocabularyStore
from tests.knowledge_base.factories import SpyEmbedder, hand_written_articles, make_article

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# A made-up customer name for the hub, so the test does not lean on what the models already know.
NICKNAME = "the glowbox"


@pytest.fixture
def kb(tmp_path: Path, spy: SpyEmbedder, mpnet: MpnetEmbedder) -> KnowledgeBase:
    engine = create_engine(f"sqlite:///{tmp_path / 'kb.db'}")
    store, vocabulary = ArticleStore(engine), VocabularyStore(engine)
    store.create_schema()
    vocabulary.create_schema()
    knowledge_base = KnowledgeBase(store, HybridIndex(spy, mpnet), Thresholds(), tmp_path / "index", vocabulary)
    knowledge_base.import_articles(hand_written_articles(), "cora")
    return knowledge_base


def test_a_synonym_in_the_question_finds_the_product_article_with_more_certainty(kb: KnowledgeBase) -> None:
    question = f"{NICKNAME} is stuck, how do I wipe it?"
    before = kb.search(question)

    kb.put_term(Term("Lumen Hub", (NICKNAME,)), "cora")
    after = kb.search(question)
    consultation = kb.consult(question)

    assert after[0].article_id == "hub-reset"
    assert after[0].score > next(c.score for c in before if c.article_id == "hub-reset") + 0.05
    assert [(m.phrase, m.term) for m in consultation.vocabulary] == [(NICKNAME, "Lumen Hub")]


def test_another_process_picks_up_a_vocabulary_change_on_its_next_poll(kb: KnowledgeBase, tmp_path: Path,
                                                                       spy: SpyEmbedder, mpnet: MpnetEmbedder) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'kb.db'}")
    other = KnowledgeBase(ArticleStore(engine), HybridIndex(spy, mpnet), Thresholds(), tmp_path / "index",
                          VocabularyStore(engine))

    kb.put_term(Term("Lumen Hub", (NICKNAME,)), "cora")
    other.apply_changes()

    assert other.vocabulary() == kb.vocabulary()


def test_a_draft_is_ranked_with_the_published_articles_without_being_published(kb: KnowledgeBase,
                                                                                spy: SpyEmbedder) -> None:
    draft = make_article(id="hub-purple", title="Why is my hub's light purple?", status=ArticleStatus.DRAFT,
                         body="Purple means the hub is installing a firmware update; leave it plugged in.",
                         questions=("The hub glows purple and won't respond",))
    hashes = kb._index.article_hashes()

    preview = kb.preview("my hub glows purple, what is it doing?", draft)

    assert preview.candidates[0].article_id == "hub-purple"
    assert preview.decision.action in {"answer", "clarify"}
    assert preview.decision.candidates[0].article_id == "hub-purple"
    assert kb._index.article_hashes() == hashes  # the live index is untouched
    assert "hub-purple" not in {c.article_id for c in kb.search("my hub glows purple, what is it doing?")}
    assert kb.list_articles() == sorted(hand_written_articles(), key=lambda a: a.id)


def test_a_draft_edit_of_a_published_article_replaces_it_in_the_preview(kb: KnowledgeBase) -> None:
    edit = make_article(questions=("Zeppelin mode will not switch off",))

    preview = kb.preview("zeppelin mode will not switch off", edit)

    assert [c.article_id for c in preview.candidates].count("hub-reset") == 1
    assert preview.candidates[0].article_id == "hub-reset"
    assert kb.get_article("hub-reset").questions != edit.questions
