"""Fixtures: the real models once per session, and article stores on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from knowledge_base import Thresholds
from knowledge_base.embedder import MiniLMEmbedder, MpnetEmbedder
from knowledge_base.index import VectorIndex
from knowledge_base.retrieval import HybridIndex
from knowledge_base.service import KnowledgeBase
from knowledge_base.store import ArticleStore
from tests.knowledge_base.factories import SpyEmbedder

POSTGRES_URL = os.environ.get("TANDEM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def minilm() -> MiniLMEmbedder:
    """The packaged all-MiniLM-L6-v2, loaded once (about 4 s)."""
    embedder = MiniLMEmbedder()
    assert embedder.dimension == 384
    return embedder


@pytest.fixture(scope="session")
def mpnet() -> MpnetEmbedder:
    """The packaged all-mpnet-base-v2 (the paraphrase signal), loaded once."""
    embedder = MpnetEmbedder()
    assert embedder.dimension == 768
    return embedder


@pytest.fixture
def spy(minilm: MiniLMEmbedder) -> SpyEmbedder:
    """The real model, recording what it is asked to embed."""
    return SpyEmbedder(minilm)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database of each kind; PostgreSQL gets a schema of its own, dropped afterwards."""
    if request.param == "sqlite":
        sqlite = create_engine(f"sqlite:///{tmp_path / 'kb.db'}")
        yield sqlite
        sqlite.dispose()
        return
    yield from _postgres_schema()


def _postgres_schema() -> Iterator[Engine]:
    server = create_engine(POSTGRES_URL)
    schema = f"kb_test_{uuid.uuid4().hex[:12]}"
    try:
        with server.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as error:
        pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_URL} (set TANDEM_TEST_POSTGRES_URL): {error}")
    try:
        yield server.execution_options(schema_translate_map={None: schema})
    finally:
        with server.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        server.dispose()


@pytest.fixture
def store(engine: Engine) -> ArticleStore:
    article_store = ArticleStore(engine)
    article_store.create_schema()
    return article_store


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[ArticleStore]:
    """A SQLite store, for service tests where the backend is not the point."""
    engine = create_engine(f"sqlite:///{tmp_path / 'service.db'}")
    article_store = ArticleStore(engine)
    article_store.create_schema()
    yield article_store
    engine.dispose()


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    return tmp_path / "kb_index"


@pytest.fixture
def knowledge_base(sqlite_store: ArticleStore, spy: SpyEmbedder, index_dir: Path) -> KnowledgeBase:
    """An empty knowledge base over SQLite and the real model (spied)."""
    return KnowledgeBase(sqlite_store, VectorIndex(spy), Thresholds(), index_dir)


@pytest.fixture
def hybrid(sqlite_store: ArticleStore, spy: SpyEmbedder, mpnet: MpnetEmbedder, index_dir: Path) -> KnowledgeBase:
    """An empty knowledge base with the gateway's hybrid retrieval (MiniLM spied)."""
    return KnowledgeBase(sqlite_store, HybridIndex(spy, mpnet), Thresholds(), index_dir)
