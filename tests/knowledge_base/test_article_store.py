"""The article store's contract (articles, their history, the change feed), on SQLite and PostgreSQL alike."""

from __future__ import annotations

from dataclasses import replace

import pytest

from knowledge_base import ArticleNotFound, ArticleStatus, Change, RevisionAction
from knowledge_base.store import ArticleStore
from tests.knowledge_base.factories import make_article

pytestmark = pytest.mark.integration


def test_a_new_article_is_created_and_read_back_intact(store: ArticleStore) -> None:
    article = make_article(tags=("hub", "réinitialiser"), questions=("Wie setze ich den Hub zurück?",))

    assert store.upsert(article, "cora") is Change.CREATED

    stored = store.get(article.id)
    assert stored == article
    assert stored.content_hash == article.content_hash
    assert stored.created_at is not None and stored.created_at.tzinfo is not None
    assert stored.updated_at == stored.created_at


def test_upserting_the_same_article_again_changes_nothing(store: ArticleStore) -> None:
    store.upsert(make_article(), "cora")
    before = store.get("hub-reset")

    assert store.upsert(make_article(), "cora") is Change.UNCHANGED
    assert store.get("hub-reset").updated_at == before.updated_at


def test_a_changed_article_is_updated_and_keeps_its_creation_time(store: ArticleStore) -> None:
    store.upsert(make_article(), "cora")
    before = store.get("hub-reset")

    assert store.upsert(make_article(body="Hold the button for 10 s."), "cora") is Change.UPDATED

    after = store.get("hub-reset")
    assert after.body == "Hold the button for 10 s."
    assert after.content_hash != before.content_hash
    assert after.created_at == before.created_at
    assert after.updated_at is not None and before.updated_at is not None
    assert after.updated_at > before.updated_at


def test_a_status_change_alone_counts_as_an_update(store: ArticleStore) -> None:
    store.upsert(make_article(), "cora")

    assert store.upsert(make_article(status=ArticleStatus.DRAFT), "cora") is Change.UPDATED
    assert store.get("hub-reset").status is ArticleStatus.DRAFT


def test_an_unknown_id_is_reported_with_the_id(store: ArticleStore) -> None:
    with pytest.raises(ArticleNotFound, match="no-such-article"):
        store.get("no-such-article")
    with pytest.raises(ArticleNotFound):
        store.set_status("no-such-article", ArticleStatus.RETIRED, "cora")


def test_listing_filters_by_status_and_orders_by_id(store: ArticleStore) -> None:
    for article_id, status in [("c", "published"), ("a", "draft"), ("b", "published"), ("d", "retired")]:
        store.upsert(make_article(id=article_id, status=status), "cora")

    assert [a.id for a in store.list()] == ["a", "b", "c", "d"]
    assert [a.id for a in store.list(ArticleStatus.PUBLISHED)] == ["b", "c"]
    assert store.count() == 4
    assert store.count(ArticleStatus.RETIRED) == 1


def test_get_many_returns_only_the_articles_that_exist(store: ArticleStore) -> None:
    store.upsert(make_article(id="a"), "cora")
    store.upsert(make_article(id="b"), "cora")

    assert sorted(store.get_many(["a", "b", "missing"])) == ["a", "b"]
    assert store.get_many([]) == {}


def test_set_status_moves_the_article_and_returns_it(store: ArticleStore) -> None:
    store.upsert(make_article(), "cora")

    retired = store.set_status("hub-reset", ArticleStatus.RETIRED, "cora")

    assert retired.status is ArticleStatus.RETIRED
    assert store.get("hub-reset") == replace(make_article(), status=ArticleStatus.RETIRED)


def test_creating_the_schema_twice_keeps_the_articles(store: ArticleStore) -> None:
    store.upsert(make_article(), "cora")

    store.create_schema()

    assert store.count() == 1


def test_every_change_is_a_numbered_revision_with_its_author(store: ArticleStore) -> None:
    store.upsert(make_article(status=ArticleStatus.DRAFT), "cora", "import faq.csv")
    store.upsert(make_article(status=ArticleStatus.DRAFT), "cora")  # unchanged: no revision
    store.upsert(make_article(status=ArticleStatus.DRAFT, body="Hold it for 15 seconds."), "dan")
    store.set_status("hub-reset", ArticleStatus.PUBLISHED, "eve")
    store.set_status("hub-reset", ArticleStatus.PUBLISHED, "eve")  # already published: no revision

    history = store.history("hub-reset")

    assert [(r.version, r.action, r.actor) for r in history] == [
        (1, RevisionAction.CREATED, "cora"), (2, RevisionAction.EDITED, "dan"), (3, RevisionAction.PUBLISHED, "eve")]
    assert history[0].note == "import faq.csv"
    assert history[0].article.body == make_article().body  # each revision keeps the article as it was
    assert history[1].article.body == "Hold it for 15 seconds."
    assert store.get("hub-reset").version == 3
    with pytest.raises(ArticleNotFound):
        store.history("no-such-article")


def test_the_change_feed_lists_changes_in_order_across_articles(store: ArticleStore) -> None:
    assert store.latest_seq() == 0
    store.upsert(make_article(id="a"), "cora")
    mark = store.latest_seq()
    store.upsert(make_article(id="b"), "cora")
    store.set_status("a", ArticleStatus.RETIRED, "cora")

    changes = store.changes_since(mark)

    assert [article_id for _, article_id in changes] == ["b", "a"]
    assert [seq for seq, _ in changes] == sorted(seq for seq, _ in changes)
    assert changes[-1][0] == store.latest_seq()
    assert [r.article_id for r in store.audit(limit=2)] == ["a", "b"]  # newest first


def test_search_finds_text_in_titles_bodies_and_tags_in_any_case(store: ArticleStore) -> None:
    store.upsert(make_article(id="hub-reset"), "cora")
    strip = make_article(id="strip", title="Can I cut the Lumen Strip?", body="Every 33 cm.", tags=("strip",))
    store.upsert(strip, "cora")

    assert [a.id for a in store.search("PINHOLE")] == ["hub-reset"]
    assert [a.id for a in store.search("33 cm")] == ["strip"]
    assert [a.id for a in store.search("strip")] == ["strip"]
    assert [a.id for a in store.search("100%")] == []  # LIKE wildcards are taken literally
    assert [a.id for a in store.search("cm every")] == ["strip"]  # every word, in any order
    assert [a.id for a in store.search("cm every zebra")] == []


def test_last_edits_name_who_saved_each_article_last(store: ArticleStore) -> None:
    store.upsert(make_article(id="a"), "cora")
    store.upsert(make_article(id="b"), "cora")
    store.set_status("a", ArticleStatus.RETIRED, "sam")

    edits = store.last_edits()
    assert {article_id: actor for article_id, (actor, _) in edits.items()} == {"a": "sam", "b": "cora"}


def test_a_draft_waits_beside_the_live_article_until_published(store: ArticleStore) -> None:
    live = make_article(id="a", status="published")
    store.upsert(live, "cora")
    store.save_draft(replace(live, body="Edited."), "dan")

    assert store.get("a").body == live.body and store.draft_ids() == {"a"}
    draft = store.get_draft("a")
    assert draft is not None and (draft.article.body, draft.actor, draft.base_version) == ("Edited.", "dan", 1)
    published = store.publish_draft("a", "sam")
    assert (published.body, published.version) == ("Edited.", 2) and store.get_draft("a") is None
    assert store.history("a")[-1].note == "published the draft saved by dan"
    assert not store.drop_draft("a")
