"""The FAISS index: incremental changes, best score per article, and its saved form."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from knowledge_base import IndexCorrupt, IndexModelMismatch, IndexNotFound
from knowledge_base.embedder import MiniLMEmbedder
from knowledge_base.index import MANIFEST_FILE, VectorIndex, article_texts
from tests.knowledge_base.factories import SpyEmbedder, hand_written_articles, make_article

pytestmark = pytest.mark.integration


@pytest.fixture
def index(spy: SpyEmbedder) -> VectorIndex:
    vector_index = VectorIndex(spy)
    vector_index.upsert_many(hand_written_articles())
    spy.texts.clear()
    return vector_index


def test_each_article_is_found_by_its_own_wording(index: VectorIndex) -> None:
    for article in hand_written_articles():
        for text in article_texts(article):
            assert index.search(text, k=1)[0].article_id == article.id


def test_search_returns_each_article_once_with_its_best_score(index: VectorIndex) -> None:
    hits = index.search("How do I stop my subscription?", k=5)

    assert hits[0].article_id == "plus-cancel"
    assert hits[0].score == pytest.approx(1.0, abs=1e-5)  # one of its questions, verbatim
    assert len({hit.article_id for hit in hits}) == len(hits) == 5
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)


def test_an_article_with_many_phrasings_does_not_crowd_out_the_others(index: VectorIndex) -> None:
    questions = tuple(f"How do I cancel Lumen Plus, attempt {n}?" for n in range(30))
    index.upsert(make_article(id="plus-cancel", title="How do I cancel Lumen Plus?", questions=questions))

    hits = index.search("How do I cancel Lumen Plus?", k=3)

    assert hits[0].article_id == "plus-cancel"
    assert len({hit.article_id for hit in hits}) == 3


def test_adding_an_article_embeds_only_that_article(index: VectorIndex, spy: SpyEmbedder) -> None:
    returns = make_article(id="returns", title="What is the return policy?", body="30 days, full refund.")

    index.upsert(returns)

    assert spy.texts == article_texts(returns)
    assert index.search("Can I send it back for a refund?", k=1)[0].article_id == "returns"
    assert len(index.article_hashes()) == 6


def test_updating_an_article_replaces_its_old_vectors(index: VectorIndex) -> None:
    renamed = make_article(
        id="hub-reset", title="What do the hub's light colours mean?", body="Amber means offline.", questions=()
    )

    index.upsert(renamed)

    assert index.article_hashes()["hub-reset"] == renamed.content_hash
    top = index.search("My hub is stuck, how do I factory reset it?", k=5)
    assert next(hit for hit in top if hit.article_id == "hub-reset").score < 0.9  # the old question is gone


def test_a_removed_article_is_no_longer_found(index: VectorIndex, spy: SpyEmbedder) -> None:
    index.remove("strip-cutting")
    index.remove("never-indexed")  # harmless

    hits = index.search("Can I cut the Lumen Strip?", k=10)
    assert "strip-cutting" not in {hit.article_id for hit in hits}
    assert len(hits) == 4
    assert spy.texts == ["Can I cut the Lumen Strip?"]  # only the query was embedded


def test_an_empty_index_finds_nothing(spy: SpyEmbedder) -> None:
    assert VectorIndex(spy).search("anything", k=5) == []


def test_a_saved_index_loads_with_the_same_results(index: VectorIndex, spy: SpyEmbedder, tmp_path: Path) -> None:
    index.save(tmp_path)
    loaded = VectorIndex(spy)

    loaded.load(tmp_path)

    assert loaded.article_hashes() == index.article_hashes()
    question = "When will my parcel arrive?"
    assert loaded.search(question, k=3) == index.search(question, k=3)
    loaded.upsert(replace(make_article(), body="Changed after loading."))  # keeps working incrementally
    assert loaded.search("Changed after loading", k=1)[0].article_id == "hub-reset"


def test_the_manifest_says_what_built_the_index(index: VectorIndex, tmp_path: Path) -> None:
    index.save(tmp_path)

    manifest = json.loads((tmp_path / MANIFEST_FILE).read_text())

    assert (manifest["model_name"], manifest["dimension"]) == ("sentence-transformers/all-MiniLM-L6-v2", 384)
    assert manifest["articles"]["hub-reset"]["content_hash"] == make_article().content_hash
    assert manifest["built_at"]


@pytest.mark.parametrize(("model_name", "dimension"), [("another-model", None), (None, 768)])
def test_an_index_from_another_model_is_refused(
    index: VectorIndex, minilm: MiniLMEmbedder, tmp_path: Path, model_name: str | None, dimension: int | None
) -> None:
    index.save(tmp_path)
    other = VectorIndex(SpyEmbedder(minilm, model_name=model_name, dimension=dimension))

    with pytest.raises(IndexModelMismatch, match="python -m knowledge_base reindex"):
        other.load(tmp_path)

    assert other.article_hashes() == {}


def test_a_missing_index_is_reported(spy: SpyEmbedder, tmp_path: Path) -> None:
    with pytest.raises(IndexNotFound, match="reindex"):
        VectorIndex(spy).load(tmp_path / "nothing-here")


def test_a_manifest_that_disagrees_with_the_vectors_is_refused(
    index: VectorIndex, spy: SpyEmbedder, tmp_path: Path
) -> None:
    index.save(tmp_path)
    manifest = json.loads((tmp_path / MANIFEST_FILE).read_text())
    del manifest["articles"]["hub-reset"]
    (tmp_path / MANIFEST_FILE).write_text(json.dumps(manifest))

    with pytest.raises(IndexCorrupt, match="list different vectors"):
        VectorIndex(spy).load(tmp_path)
