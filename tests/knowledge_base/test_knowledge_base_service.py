"""The knowledge base as the gateway uses it: search, decide, curate, import, keep the index."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine

from knowledge_base import (
    ArticleAlreadyExists,
    ArticleNotFound,
    ArticleStatus,
    Change,
    DraftNotFound,
    IndexModelMismatch,
    InvalidArticle,
    KnowledgeBase,
    RevisionAction,
    Thresholds,
    build_knowledge_base,
)
from knowledge_base.embedder import MiniLMEmbedder, MpnetEmbedder
from knowledge_base.exchange import read_articles, write_articles
from knowledge_base.index import MANIFEST_FILE, VectorIndex
from knowledge_base.store import ArticleStore
from tests.knowledge_base.factories import (
    PARAPHRASED_QUESTIONS,
    SpyEmbedder,
    hand_written_articles,
    make_article,
    write_folder,
)

pytestmark = pytest.mark.integration

QUESTIONS = PARAPHRASED_QUESTIONS


@pytest.fixture
def filled(knowledge_base: KnowledgeBase, spy: SpyEmbedder) -> KnowledgeBase:
    for article in hand_written_articles():
        knowledge_base.upsert_article(article)
    spy.texts.clear()
    return knowledge_base


@pytest.mark.parametrize(("question", "expected"), QUESTIONS.items())
def test_a_paraphrased_question_finds_the_right_article_first(
    filled: KnowledgeBase, question: str, expected: str
) -> None:
    assert filled.search(question)[0].article_id == expected


def test_a_clear_question_is_answered_and_an_unrelated_one_escalated(filled: KnowledgeBase) -> None:
    answered = filled.decide("How do I cancel Lumen Plus?")
    assert (answered.action, answered.candidates[0].article_id) == ("answer", "plus-cancel")
    assert answered.candidates[0].body.startswith("Open the Lumen app")

    assert filled.decide("What's the weather like in Paris tomorrow?").action == "escalate"


def test_only_published_articles_are_found(filled: KnowledgeBase) -> None:
    filled.upsert_article(make_article(id="draft-only", title="Secret draft about hub resets", status="draft"))
    assert "draft-only" not in {c.article_id for c in filled.search("Secret draft about hub resets")}

    filled.publish("draft-only")
    assert filled.search("Secret draft about hub resets")[0].article_id == "draft-only"

    filled.retire("draft-only")
    assert "draft-only" not in {c.article_id for c in filled.search("Secret draft about hub resets")}
    assert filled.get_article("draft-only").status is ArticleStatus.RETIRED


def test_a_picked_article_comes_back_as_a_candidate_while_published(filled: KnowledgeBase) -> None:
    assert filled.candidate("strip-cutting").title == "Can I cut the Lumen Strip?"

    filled.retire("strip-cutting")

    with pytest.raises(ArticleNotFound):
        filled.candidate("strip-cutting")


def test_an_unchanged_upsert_embeds_nothing(filled: KnowledgeBase, spy: SpyEmbedder) -> None:
    assert filled.upsert_article(make_article()) is Change.UNCHANGED
    assert filled.upsert_article(replace(make_article(), body="Hold it for 15 seconds.")) is Change.UPDATED
    filled.retire("hub-reset")
    filled.publish("hub-reset")  # back with the same content: embedded again, since retiring dropped it

    embedded_titles = [text for text in spy.texts if text == make_article().title]
    assert len(embedded_titles) == 2


def test_importing_a_folder_twice_is_idempotent(
    knowledge_base: KnowledgeBase, spy: SpyEmbedder, tmp_path: Path
) -> None:
    folder = tmp_path / "articles"
    write_folder(folder, 3)

    first = knowledge_base.import_folder(folder)
    spy.texts.clear()
    second = knowledge_base.import_folder(folder)

    assert (len(first.created), first.updated, first.unchanged) == (3, (), ())
    assert (second.created, second.updated, len(second.unchanged)) == ((), (), 3)
    assert spy.texts == []


def test_reimporting_an_edited_folder_embeds_only_the_edits(
    knowledge_base: KnowledgeBase, spy: SpyEmbedder, tmp_path: Path
) -> None:
    folder = tmp_path / "articles"
    write_folder(folder, 3)
    knowledge_base.import_folder(folder)
    spy.texts.clear()
    write_folder(folder, 4)  # one article more
    edited = folder / "bulb-reset.md"
    edited.write_text(edited.read_text().replace("five times", "six times"))

    report = knowledge_base.import_folder(folder)

    assert (report.created, report.updated) == (("strip-cutting",), ("bulb-reset",))
    assert any("six times" in text for text in spy.texts)
    assert not any("Lumen Hub" in text for text in spy.texts)


def test_a_broken_folder_imports_nothing(knowledge_base: KnowledgeBase, tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    write_folder(folder, 2)
    (folder / "broken.md").write_text("---\ntitle: No body\n---\n")

    with pytest.raises(InvalidArticle, match=r"broken\.md: article 'broken': body is empty"):
        knowledge_base.import_folder(folder)

    assert knowledge_base.is_empty()


def test_a_restart_reuses_the_saved_index(
    filled: KnowledgeBase, sqlite_store: ArticleStore, spy: SpyEmbedder, index_dir: Path
) -> None:
    restarted = KnowledgeBase(sqlite_store, VectorIndex(spy), Thresholds(), index_dir)

    report = restarted.ensure_index()

    assert report.reused_saved_index and report.embedded == () and report.total == 5
    assert spy.texts == []
    assert restarted.search("Is delivery free?")[0].article_id == "shipping-times"


def test_a_restart_embeds_only_what_changed_while_it_was_down(
    filled: KnowledgeBase, sqlite_store: ArticleStore, spy: SpyEmbedder, index_dir: Path
) -> None:
    sqlite_store.upsert(make_article(id="returns", title="What is the return policy?", body="30 days."), "cora")
    sqlite_store.set_status("plus-cancel", ArticleStatus.RETIRED, "cora")
    restarted = KnowledgeBase(sqlite_store, VectorIndex(spy), Thresholds(), index_dir)

    report = restarted.ensure_index()

    assert (report.embedded, report.removed) == (("returns",), ("plus-cancel",))
    assert restarted.ensure_index().embedded == ()  # and it saved what it did


def test_a_damaged_index_is_rebuilt(
    filled: KnowledgeBase, sqlite_store: ArticleStore, spy: SpyEmbedder, index_dir: Path
) -> None:
    (index_dir / MANIFEST_FILE).write_text("{not json")
    restarted = KnowledgeBase(sqlite_store, VectorIndex(spy), Thresholds(), index_dir)

    report = restarted.ensure_index()

    assert not report.reused_saved_index and len(report.embedded) == 5


def test_an_index_from_another_model_stops_the_start_until_reindexed(
    filled: KnowledgeBase, sqlite_store: ArticleStore, minilm: MiniLMEmbedder, index_dir: Path
) -> None:
    other_model = SpyEmbedder(minilm, model_name="another-model")
    restarted = KnowledgeBase(sqlite_store, VectorIndex(other_model), Thresholds(), index_dir)

    with pytest.raises(IndexModelMismatch, match="python -m knowledge_base reindex"):
        restarted.ensure_index()

    assert restarted.reindex().total == 5
    assert restarted.ensure_index().reused_saved_index


def test_the_factory_builds_a_ready_knowledge_base_from_gateway_settings(
    minilm: MiniLMEmbedder, mpnet: MpnetEmbedder, tmp_path: Path
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'tandem.db'}")
    settings = SimpleNamespace(answer_threshold=0.6, clarify_threshold=0.45, clarify_max_options=2)
    folder = tmp_path / "articles"
    write_folder(folder, 5)

    knowledge_base = build_knowledge_base(engine, tmp_path / "index", settings, minilm, paraphraser=mpnet)
    assert knowledge_base.is_empty()
    knowledge_base.import_folder(folder)

    assert knowledge_base.thresholds.clarify_max_options == 2
    assert knowledge_base.decide("How long does shipping take?").candidates[0].article_id == "shipping-times"
    reopened = build_knowledge_base(engine, tmp_path / "index", settings, minilm, paraphraser=mpnet)
    assert reopened.search("cancel my subscription")[0].article_id == "plus-cancel"
    engine.dispose()


def test_searches_and_curation_can_run_in_parallel(filled: KnowledgeBase) -> None:
    def curate(n: int) -> None:
        filled.upsert_article(make_article(id=f"extra-{n}", title=f"Extra article number {n}"))
        filled.retire(f"extra-{n}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        searches = [pool.submit(filled.search, question) for question in list(QUESTIONS) * 4]
        edits = [pool.submit(curate, n) for n in range(6)]
        found = [future.result()[0].article_id for future in searches]
        for edit in edits:
            edit.result()

    assert found == list(QUESTIONS.values()) * 4
    assert len(filled.list_articles(ArticleStatus.RETIRED)) == 6
    assert filled.ensure_index().embedded == ()  # memory, disk and store agree


def test_creating_refuses_an_existing_id_and_editing_an_unknown_one(knowledge_base: KnowledgeBase) -> None:
    created = knowledge_base.create_article(make_article(), "cora")

    with pytest.raises(ArticleAlreadyExists, match="edit it, or choose another id"):
        knowledge_base.create_article(replace(make_article(), body="Something else."), "dan")
    with pytest.raises(ArticleNotFound):
        knowledge_base.update_article(make_article(id="no-such-article"), "dan")
    assert created.version == 1
    assert knowledge_base.get_article("hub-reset").body == make_article().body


def test_an_edit_is_answerable_at_once_and_kept_in_the_history(knowledge_base: KnowledgeBase) -> None:
    knowledge_base.create_article(make_article(status=ArticleStatus.DRAFT), "cora")
    assert knowledge_base.search("How do I reset the Lumen Hub?") == []  # a draft is not answerable

    knowledge_base.update_article(make_article(status=ArticleStatus.DRAFT, body="Hold it for 15 seconds."), "dan")
    knowledge_base.publish("hub-reset", "eve")

    assert knowledge_base.decide("How do I reset the Lumen Hub?").candidates[0].body == "Hold it for 15 seconds."
    history = knowledge_base.history("hub-reset")
    assert [(r.version, r.action.value, r.actor) for r in history] == [
        (1, "created", "cora"), (2, "edited", "dan"), (3, "published", "eve")]
    assert knowledge_base.audit(limit=1)[0].action.value == "published"


def test_a_csv_import_is_idempotent_and_exports_back(knowledge_base: KnowledgeBase, tmp_path: Path) -> None:
    faq = tmp_path / "faq.csv"
    faq.write_text("question,answer,status\nHow long does shipping take?,3-5 business days.,published\n")

    first = knowledge_base.import_path(faq, "cora")
    second = knowledge_base.import_path(faq, "cora")
    knowledge_base.import_path(tmp_path / "faq.csv", "cora")
    export = tmp_path / "export.json"
    write_articles(export, knowledge_base.list_articles())

    assert (first.created, second.unchanged) == (("how-long-does-shipping-take",), ("how-long-does-shipping-take",))
    assert knowledge_base.history("how-long-does-shipping-take")[0].note == "import faq.csv"
    assert len(knowledge_base.history("how-long-does-shipping-take")) == 1
    assert read_articles(export) == knowledge_base.list_articles()
    assert knowledge_base.search("when will my parcel arrive")[0].article_id == "how-long-does-shipping-take"


def test_edits_to_a_published_article_wait_as_a_draft_until_published(filled: KnowledgeBase) -> None:
    live = filled.get_article("plus-cancel")
    edited = replace(live, body="Call us to cancel Lumen Plus.")

    assert filled.update_article(edited, "cora").body == live.body  # still live as it was
    assert filled.decide("How do I cancel Lumen Plus?").candidates[0].body == live.body
    draft = filled.draft("plus-cancel")
    assert draft is not None and (draft.article.body, draft.actor, draft.base_version) == (
        "Call us to cancel Lumen Plus.", "cora", live.version)
    assert filled.draft_ids() == {"plus-cancel"}

    published = filled.publish("plus-cancel", "sam")
    assert published.body == "Call us to cancel Lumen Plus." and filled.draft("plus-cancel") is None
    assert filled.decide("How do I cancel Lumen Plus?").candidates[0].body == "Call us to cancel Lumen Plus."
    last = filled.history("plus-cancel")[-1]
    assert (last.action, last.actor, last.note) == (RevisionAction.EDITED, "sam", "published the draft saved by cora")

    filled.restore("plus-cancel", live.version, "cora")  # a new draft with the old text; live unchanged
    restored = filled.draft("plus-cancel")
    assert restored is not None and restored.article.body == live.body
    assert filled.get_article("plus-cancel").body == "Call us to cancel Lumen Plus."
    filled.discard_draft("plus-cancel")
    with pytest.raises(DraftNotFound):
        filled.discard_draft("plus-cancel")
    with pytest.raises(DraftNotFound):
        filled.restore("plus-cancel", 99, "cora")


def test_edits_to_an_article_not_live_are_saved_as_they_are(filled: KnowledgeBase) -> None:
    filled.upsert_article(make_article(id="draft-only", title="Secret draft about hub resets", status="draft"))
    saved = filled.update_article(make_article(id="draft-only", title="Hub resets", status="draft"), "cora")
    assert saved.title == "Hub resets" and filled.draft("draft-only") is None
