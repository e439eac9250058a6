"""The knowledge base as the rest of Tandem sees it: search, decide, and curate.

:class:`KnowledgeBase` keeps one invariant: the vector index holds exactly the published
articles, at their current content. Every curation verb changes the store first, then brings
the index in line by comparing content hashes (:meth:`KnowledgeBase._sync_index`), so a
change is embedded once and an unchanged article never again. The API is synchronous; the
gateway calls it from worker threads, and a lock keeps curation verbs from interleaving.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import Engine

from knowledge_base.articles import Article, ArticleRepository, ArticleStatus, ArticleStore, Change
from knowledge_base.decision import Candidate, Decision, Thresholds, ThresholdSettings, decide
from knowledge_base.embedder import Embedder, MiniLMEmbedder
from knowledge_base.errors import ArticleNotFound, IndexCorrupt, IndexNotFound
from knowledge_base.folder import read_folder
from knowledge_base.index import ArticleIndex, Progress, VectorIndex

logger = logging.getLogger(__name__)

DEFAULT_K = 5


@dataclass(frozen=True)
class ImportReport:
    """Which article ids an import created, updated, or found already up to date."""

    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()

    @classmethod
    def of(cls, changes: Mapping[str, Change]) -> ImportReport:
        def ids(kind: Change) -> tuple[str, ...]:
            return tuple(article_id for article_id, change in changes.items() if change is kind)

        return cls(ids(Change.CREATED), ids(Change.UPDATED), ids(Change.UNCHANGED))


@dataclass(frozen=True)
class IndexReport:
    """What bringing the index in line with the published articles took."""

    reused_saved_index: bool
    embedded: tuple[str, ...]
    removed: tuple[str, ...]
    total: int


class KnowledgeBase:
    """Published articles, found by meaning, and the decision what to do with a question."""

    def __init__(self, store: ArticleRepository, index: ArticleIndex, thresholds: Thresholds, index_dir: Path) -> None:
        self._store = store
        self._index = index
        self._index_dir = index_dir
        self._lock = threading.Lock()
        self.thresholds = thresholds

    # --- answering ------------------------------------------------------------------------

    def search(self, question: str, k: int = DEFAULT_K) -> list[Candidate]:
        """Up to ``k`` published articles most similar to ``question``, best first."""
        if not question.strip():
            return []
        hits = self._index.search(question, k)
        articles = self._store.get_many(hit.article_id for hit in hits)
        return [
            _candidate(articles[hit.article_id], hit.score)
            for hit in hits
            if hit.article_id in articles and articles[hit.article_id].status is ArticleStatus.PUBLISHED
        ]

    def candidate(self, article_id: str) -> Candidate:
        """A published article the customer picked from a clarification, with score 1.0.

        Raises :class:`ArticleNotFound` when it is unknown or no longer published.
        """
        article = self._store.get(article_id)
        if article.status is not ArticleStatus.PUBLISHED:
            raise ArticleNotFound(article_id)
        return _candidate(article, 1.0)

    def decide(self, question: str) -> Decision:
        """Answer, clarify or escalate (see :mod:`knowledge_base.decision` for the rules)."""
        candidates = self.search(question, max(DEFAULT_K, self.thresholds.clarify_max_options + 1))
        decision = decide(candidates, self.thresholds)
        ranked = " ".join(f"{c.article_id}:{c.score:.3f}" for c in candidates[:3])
        logger.info("decided action=%s reason=%s candidates=%s", decision.action, decision.reason, ranked or "-")
        return decision

    # --- curation -------------------------------------------------------------------------

    def get_article(self, article_id: str) -> Article:
        """One article, whatever its status; raises :class:`ArticleNotFound`."""
        return self._store.get(article_id)

    def is_empty(self) -> bool:
        """Whether the store holds no article at all (of any status): a fresh install."""
        return self._store.count() == 0

    def list_articles(self, status: ArticleStatus | None = None) -> list[Article]:
        """All articles, or those with ``status``, ordered by id."""
        return self._store.list(status)

    def upsert_article(self, article: Article) -> Change:
        """Create or replace an article; the index follows when it is (or was) published."""
        with self._lock:
            change = self._store.upsert(article)
            if change.changed:
                self._sync_index()
            return change

    def publish(self, article_id: str) -> Article:
        """Make an article answerable."""
        return self._set_status(article_id, ArticleStatus.PUBLISHED)

    def retire(self, article_id: str) -> Article:
        """Stop answering with an article, keeping it for history."""
        return self._set_status(article_id, ArticleStatus.RETIRED)

    def import_folder(self, folder: Path, on_progress: Progress | None = None) -> ImportReport:
        """Import a folder of Markdown articles (see :mod:`knowledge_base.folder`); idempotent.

        Articles missing from the folder are left as they are: retire them explicitly.
        """
        articles = read_folder(folder)
        with self._lock:
            changes = {article.id: self._store.upsert(article) for article in articles}
            self._sync_index(on_progress)
        report = ImportReport.of(changes)
        logger.info(
            "imported folder=%s created=%d updated=%d unchanged=%d",
            folder,
            len(report.created),
            len(report.updated),
            len(report.unchanged),
        )
        return report

    # --- the index ------------------------------------------------------------------------

    def ensure_index(self, on_progress: Progress | None = None) -> IndexReport:
        """Load the saved index and embed only what changed since it was saved.

        Raises :class:`IndexModelMismatch` when it was built with another model: that is a
        decision for a person (scores and thresholds change meaning), made by running
        ``python -m knowledge_base reindex``. A damaged index is rebuilt, since the articles
        themselves are safe in the store.
        """
        with self._lock:
            reused = self._load_saved_index()
            report = self._sync_index(on_progress, always_save=not reused)
            return replace(report, reused_saved_index=reused)

    def reindex(self, on_progress: Progress | None = None) -> IndexReport:
        """Embed every published article again, from scratch (e.g. after changing the model)."""
        with self._lock:
            self._index.clear()
            return self._sync_index(on_progress, always_save=True)

    def _set_status(self, article_id: str, status: ArticleStatus) -> Article:
        with self._lock:
            article = self._store.set_status(article_id, status)
            self._sync_index()
            return article

    def _load_saved_index(self) -> bool:
        """Whether a saved index was loaded; the caller holds ``self._lock``."""
        try:
            self._index.load(self._index_dir)
        except IndexNotFound:
            logger.info("no saved vector index directory=%s; building one", self._index_dir)
            return False
        except IndexCorrupt as error:
            logger.warning("rebuilding damaged vector index: %s", error)
            self._index.clear()
            return False
        return True

    def _sync_index(self, on_progress: Progress | None = None, always_save: bool = False) -> IndexReport:
        """Embed published articles whose content the index lacks, drop the rest, then save.

        The caller holds ``self._lock``.
        """
        published = {article.id: article for article in self._store.list(ArticleStatus.PUBLISHED)}
        indexed = self._index.article_hashes()
        removed = tuple(sorted(article_id for article_id in indexed if article_id not in published))
        stale = [a for article_id, a in published.items() if indexed.get(article_id) != a.content_hash]
        for article_id in removed:
            self._index.remove(article_id)
        self._index.upsert_many(stale, on_progress)
        if removed or stale or always_save:
            self._index.save(self._index_dir)
        embedded = tuple(article.id for article in stale)
        logger.info("synced vector index embedded=%d removed=%d total=%d", len(embedded), len(removed), len(published))
        return IndexReport(reused_saved_index=False, embedded=embedded, removed=removed, total=len(published))


def _candidate(article: Article, score: float) -> Candidate:
    return Candidate(article.id, article.title, article.body, article.product, score)


def build_knowledge_base(
    engine: Engine,
    index_dir: Path,
    thresholds: ThresholdSettings,
    embedder: Embedder | None = None,
    *,
    ensure_index: bool = True,
    on_progress: Progress | None = None,
) -> KnowledgeBase:
    """A ready knowledge base over ``engine``: tables created, index loaded or brought up to date.

    Slow on first start (loads the model, embeds every published article), so call it from a
    worker thread. ``thresholds`` may be the gateway's settings section. ``embedder`` defaults
    to the packaged all-MiniLM-L6-v2. ``ensure_index=False`` skips the index, for callers that
    rebuild it anyway (``reindex``, after a model change).
    """
    store = ArticleStore(engine)
    store.create_schema()
    index = VectorIndex(embedder or MiniLMEmbedder())
    knowledge_base = KnowledgeBase(store, index, Thresholds.of(thresholds), index_dir)
    if ensure_index:
        knowledge_base.ensure_index(on_progress)
    return knowledge_base
