"""The learning loop over SQLite and PostgreSQL (every storage test runs on both), the real MiniLM model,
and a knowledge base with a few demo-like articles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.core.config import PROJECT_ROOT
from knowledge_base import KnowledgeBase, Thresholds
from knowledge_base.embedder import MiniLMEmbedder
from knowledge_base.index import VectorIndex
from knowledge_base.store import ArticleStore
from learning import Learning
from outcomes import migrate
from retraining.review import ReviewFiles, ReviewQueue
from tests.knowledge_base.factories import hand_written_articles
from tests.outcomes.conftest import mark_redacted  # the stand-in redactor (the real one: test_gaps.py)
from tests.sql import sql_engine


@pytest.fixture(scope="session")
def minilm() -> MiniLMEmbedder:
    return MiniLMEmbedder()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    yield from sql_engine(request.param, tmp_path)


@pytest.fixture
def knowledge_base(engine: Engine, minilm: MiniLMEmbedder, tmp_path: Path) -> KnowledgeBase:
    store = ArticleStore(engine)
    store.create_schema()
    kb = KnowledgeBase(store, VectorIndex(minilm), Thresholds(), tmp_path / "kb_index")
    kb.import_articles(hand_written_articles())
    return kb


@pytest.fixture
def review(engine: Engine, tmp_path: Path) -> ReviewQueue:
    queue = ReviewQueue(engine, mark_redacted, ReviewFiles(tmp_path / "nlu_reviewed.yml", PROJECT_ROOT / "domain.yml",
                                                           ()))
    queue.create_schema()
    return queue


@pytest.fixture
def learning(engine: Engine, knowledge_base: KnowledgeBase, minilm: MiniLMEmbedder, review: ReviewQueue) -> Learning:
    migrate(engine)
    return Learning(engine, knowledge_base, minilm.embed, mark_redacted, review=review)
