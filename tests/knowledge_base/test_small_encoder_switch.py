"""The knowledge base switches its small sentence model (a fitted encoder made live) without a gap."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge_base import Thresholds
from knowledge_base.embedder import MINILM_NAME, MpnetEmbedder, minilm_folder, small_embedder
from knowledge_base.retrieval import HybridIndex
from knowledge_base.service import KnowledgeBase
from knowledge_base.store import ArticleStore
from tests.knowledge_base.factories import hand_written_articles


@pytest.fixture
def fitted_folder(tmp_path: Path) -> Path:
    """A model folder the knowledge base has not seen (a copy of MiniLM under an encoder's name)."""
    return Path(shutil.copytree(minilm_folder(), tmp_path / "encoders" / "0123456789abcdef01234567"))


@pytest.fixture
def filled(sqlite_store: ArticleStore, mpnet: MpnetEmbedder, index_dir: Path) -> KnowledgeBase:
    knowledge_base = KnowledgeBase(sqlite_store, HybridIndex(small_embedder(None), mpnet), Thresholds(), index_dir)
    knowledge_base.import_articles(hand_written_articles())
    knowledge_base.ensure_index()
    return knowledge_base


@pytest.mark.slow
def test_the_fitted_encoder_takes_over_and_each_model_keeps_its_own_saved_vectors(
    filled: KnowledgeBase, sqlite_store: ArticleStore, mpnet: MpnetEmbedder, index_dir: Path, fitted_folder: Path
) -> None:
    fitted = small_embedder(fitted_folder)

    assert filled.use_encoder(fitted) and not filled.use_encoder(small_embedder(fitted_folder))
    assert filled.embedders()[0].model_name == "tandem-fitted/0123456789abcdef01234567"
    assert filled.search("how long until my package arrives")[0].article_id == "shipping-times"
    assert {p.name for p in index_dir.iterdir()} >= {"question", "body", "paraphrase",
                                                      f"question-{fitted_folder.name}", f"body-{fitted_folder.name}"}
    restarted = KnowledgeBase(sqlite_store, HybridIndex(fitted, mpnet), Thresholds(), index_dir)
    assert restarted.ensure_index().embedded == ()  # the fitted encoder's vectors were saved
    assert filled.use_encoder(small_embedder(None)) and filled.embedders()[0].model_name == MINILM_NAME


@pytest.mark.slow
def test_a_candidate_encoder_is_searched_with_apart_from_the_live_index(
    filled: KnowledgeBase, fitted_folder: Path
) -> None:
    search = filled.search_with(small_embedder(fitted_folder))

    assert search("can I shorten the light strip")[0].article_id == "strip-cutting"
    assert filled.embedders()[0].model_name == MINILM_NAME  # the live index did not change
    assert filled.search_with(small_embedder(None)) == filled.search
