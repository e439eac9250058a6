"""The article store's contract, run against SQLite and PostgreSQL alike."""

from __future__ import annotations

from dataclasses import replace

import pytest

from knowledge_base import ArticleNotFound, ArticleStatus, Change
from knowledge_base.articles import ArticleStore
from tests.knowledge_base.factories import make_article

pytestmark = pytest.mark.integration


def test_a_new_article_is_created_and_read_back_intact(store: ArticleStore) -> None:
    article = make_article(tags=("hub", "réinitialiser"), questions=("Wie setze ich den Hub zurück?",))

    assert store.upsert(article) is Change.CREATED

    stored = store.get(article.id)
    assert stored == article
    assert stored.content_hash == article.content_hash
    assert stored.created_at is not None and stored.created_at.tzinfo is not None
    assert stored.updated_at == stored.created_at


def test_upserting_the_same_article_again_changes_nothing(store: ArticleStore) -> None:
    store.upsert(make_article())
    before = store.get("hub-reset")

    assert store.upsert(make_article()) is Change.UNCHANGED
    assert store.get("hub-reset").updated_at == before.updated_at


def test_a_changed_article_is_updated_and_keeps_its_creation_time(store: ArticleStore) -> None:
    store.upsert(make_article())
    before = store.get("hub-reset")

    assert store.upsert(make_article(body="Hold the button for 10 s.")) is Change.UPDATED

    after = store.get("hub-reset")
    assert after.body == "Hold the button for 10 s."
    assert after.content_hash != before.content_hash
    assert after.created_at == before.created_at
    assert after.updated_at is not None and before.updated_at is not None
    assert after.updated_at > before.updated_at


def test_a_status_change_alone_counts_as_an_update(store: ArticleStore) -> None:
    store.upsert(make_article())

    assert store.upsert(make_article(status=ArticleStatus.DRAFT)) is Change.UPDATED
    assert store.get("hub-reset").status is ArticleStatus.DRAFT


def test_an_unknown_id_is_reported_with_the_id(store: ArticleStore) -> None:
    with pytest.raises(ArticleNotFound, match="no-such-article"):
        store.get("no-such-article")
    with pytest.raises(ArticleNotFound):
        store.set_status("no-such-article", ArticleStatus.RETIRED)


def test_listing_filters_by_status_and_orders_by_id(store: ArticleStore) -> None:
    for article_id, status in [("c", "published"), ("a", "draft"), ("b", "published"), ("d", "retired")]:
        store.upsert(make_article(id=article_id, status=status))

    assert [a.id for a in store.list()] == ["a", "b", "c", "d"]
    assert [a.id for a in store.list(ArticleStatus.PUBLISHED)] == ["b", "c"]
    assert store.count() == 4
    assert store.count(ArticleStatus.RETIRED) == 1


def test_get_many_returns_only_the_articles_that_exist(store: ArticleStore) -> None:
    store.upsert(make_article(id="a"))
    store.upsert(make_article(id="b"))

    assert sorted(store.get_many(["a", "b", "missing"])) == ["a", "b"]
    assert store.get_many([]) == {}


def test_set_status_moves_the_article_and_returns_it(store: ArticleStore) -> None:
    store.upsert(make_article())

    retired = store.set_status("hub-reset", ArticleStatus.RETIRED)

    assert retired.status is ArticleStatus.RETIRED
    assert store.get("hub-reset") == replace(make_article(), status=ArticleStatus.RETIRED)


def test_creating_the_schema_twice_keeps_the_articles(store: ArticleStore) -> None:
    store.upsert(make_article())

    store.create_schema()

    assert store.count() == 1
