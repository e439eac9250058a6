"""The knowledge base as the rest of Tandem sees it: search, decide, curate, and stay fresh.

:class:`KnowledgeBase` keeps one invariant: its index holds exactly the published articles, at
their current content. A curation verb changes the store first (which records a revision),
then brings the index in line for that one article: embedding it if its content is new to the
index, dropping it if it is no longer published. Nothing else is touched.

Every gateway process holds its own index in memory. The store's revisions are the change
feed between them: :meth:`KnowledgeBase.apply_changes` reads the revisions saved since it last
looked (by any process, the CLI included) and applies the same one-article update, so an edit
is answerable everywhere within one polling interval (:meth:`follow_changes`, 0.25 s). The
saved index on disk is a cache that spares a restart the embedding; the store is the truth.

The API is synchronous; the gateway calls it from worker threads, and a lock keeps curation
verbs (and applied changes) from interleaving.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from background import raise_if_cancelled
from knowledge_base.articles import Article, ArticleRepository, ArticleStatus, Change, Draft, Revision
from knowledge_base.decision import Candidate, Decision, Thresholds, ThresholdSettings, decide
from knowledge_base.embedder import Embedder, MiniLMEmbedder, MpnetEmbedder
from knowledge_base.errors import ArticleAlreadyExists, ArticleNotFound, DraftNotFound, IndexCorrupt, IndexNotFound
from knowledge_base.exchange import read_articles
from knowledge_base.index import ArticleIndex, Hit, Progress
from knowledge_base.retrieval import HybridIndex
from knowledge_base.store import ArticleStore
from knowledge_base.vocabulary import Match, Term, Vocabulary
from knowledge_base.vocabulary_store import Fingerprint, VocabularyRepository, VocabularyStore

logger = logging.getLogger(__name__)

DEFAULT_K = 5
POLL_INTERVAL_S = 0.25
CHANGE_LOOKBACK = 1000
"""Revisions may commit out of ``seq`` order (PostgreSQL hands out sequence numbers before
commit), so the feed is re-read this far behind the newest revision seen, skipping seen ones."""

SYSTEM_ACTOR = "system"


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


@dataclass(frozen=True)
class Consultation:
    """What the bot would do with a question, the ranked candidates it chose from, and the synonyms it read."""

    candidates: tuple[Candidate, ...]
    decision: Decision
    vocabulary: tuple[Match, ...] = ()


class KnowledgeBase:
    """Published articles, found by meaning and by words, and the decision what to do with a question."""

    def __init__(self, store: ArticleRepository, index: ArticleIndex, thresholds: Thresholds, index_dir: Path,
                 vocabulary: VocabularyRepository | None = None) -> None:
        self._store = store
        self._index = index
        self._vocabulary_store = vocabulary
        self._vocabulary = Vocabulary()
        self._vocabulary_seen: Fingerprint | None = None
        self._index_dir = index_dir
        self._lock = threading.Lock()
        self._horizon = 0
        self._seen: set[int] = set()
        self.thresholds = thresholds

    # --- answering ------------------------------------------------------------------------

    def search(self, question: str, k: int = DEFAULT_K) -> list[Candidate]:
        """Up to ``k`` published articles best matching ``question`` (and its synonyms' names), best first."""
        if not question.strip():
            return []
        return self._published(self._index.search(self._vocabulary.expand(question).query, k))

    def _published(self, hits: Sequence[Hit], draft: Article | None = None) -> list[Candidate]:
        """The hits' articles as candidates, best first; only published ones, and ``draft`` as it is."""
        articles = self._store.get_many(hit.article_id for hit in hits)
        if draft is not None:
            articles[draft.id] = replace(draft, status=ArticleStatus.PUBLISHED)
        return [
            _candidate(articles[hit.article_id], hit.score, hit.signals)
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

    def consult(self, question: str) -> Consultation:
        """The ranked candidates for ``question`` and the decision (the content page's "what would the bot answer?")."""
        expansion = self._vocabulary.expand(question)
        candidates = self.search(question, self._consult_k)
        decision = decide(candidates, self.thresholds)
        ranked = " ".join(f"{c.article_id}:{c.score:.3f}" for c in candidates[:3])
        logger.info("decided action=%s reason=%s candidates=%s synonyms=%d", decision.action, decision.reason,
                    ranked or "-", len(expansion.matches))
        return Consultation(tuple(candidates), decision, expansion.matches)

    def preview(self, question: str, draft: Article) -> Consultation:
        """What the bot would do with ``question`` if ``draft`` were published, publishing nothing.

        The draft is ranked with the published articles (replacing a published article with its
        id) and the same decision is made; the store and the live index are not touched.
        """
        expansion = self._vocabulary.expand(question)
        hits = self._index.preview(expansion.query, self._consult_k, draft) if question.strip() else []
        candidates = self._published(hits, draft)
        return Consultation(tuple(candidates), decide(candidates, self.thresholds), expansion.matches)

    @property
    def _consult_k(self) -> int:
        return max(DEFAULT_K, self.thresholds.clarify_max_options + 1)

    def decide(self, question: str) -> Decision:
        """Answer, clarify or escalate (see :mod:`knowledge_base.decision` for the rules)."""
        return self.consult(question).decision

    # --- reading articles -----------------------------------------------------------------

    def get_article(self, article_id: str) -> Article:
        """One article, whatever its status; raises :class:`ArticleNotFound`."""
        return self._store.get(article_id)

    def is_empty(self) -> bool:
        """Whether the store holds no article at all (of any status): a fresh install."""
        return self._store.count() == 0

    def list_articles(self, status: ArticleStatus | None = None, text: str = "") -> list[Article]:
        """All articles, or those with ``status`` and/or containing ``text``, ordered by id."""
        return self._store.search(text, status)

    def last_edits(self) -> dict[str, tuple[str, datetime]]:
        """Who saved each article last and when (``{article_id: (actor, at)}``), for the article list."""
        return self._store.last_edits()

    def history(self, article_id: str) -> list[Revision]:
        """Every saved version of an article with who changed it and when, oldest first."""
        return self._store.history(article_id)

    def audit(self, limit: int = 100) -> list[Revision]:
        """The latest changes to any article, newest first."""
        return self._store.audit(limit)

    # --- customers' vocabulary -------------------------------------------------------------

    def vocabulary(self) -> Vocabulary:
        """The synonyms retrieval uses now (see :mod:`knowledge_base.vocabulary`)."""
        return self._vocabulary

    def replace_vocabulary(self, vocabulary: Vocabulary, actor: str = SYSTEM_ACTOR) -> Vocabulary:
        """Make ``vocabulary`` the whole vocabulary (an import); every gateway follows within a poll."""
        return self._use_vocabulary(self._vocabularies().replace(vocabulary, actor))

    def put_term(self, term: Term, actor: str = SYSTEM_ACTOR) -> Vocabulary:
        """Add or replace one term; raises :class:`InvalidVocabulary` when a phrase is another term's."""
        return self._use_vocabulary(self._vocabularies().put(term, actor))

    def remove_term(self, name: str, actor: str = SYSTEM_ACTOR) -> Vocabulary:
        """Remove one term; raises :class:`TermNotFound`."""
        return self._use_vocabulary(self._vocabularies().delete(name, actor))

    def _vocabularies(self) -> VocabularyRepository:
        if self._vocabulary_store is None:
            raise RuntimeError("this knowledge base was built without a vocabulary store")
        return self._vocabulary_store

    def _use_vocabulary(self, vocabulary: Vocabulary) -> Vocabulary:
        self._vocabulary = vocabulary
        self._vocabulary_seen = self._vocabularies().fingerprint()
        return vocabulary

    def reload_vocabulary(self) -> bool:
        """Read the vocabulary again if any process changed it since; whether it changed."""
        if self._vocabulary_store is None:
            return False
        fingerprint = self._vocabulary_store.fingerprint()
        if fingerprint == self._vocabulary_seen:
            return False
        self._vocabulary = self._vocabulary_store.load()
        self._vocabulary_seen = fingerprint
        return True

    # --- curation -------------------------------------------------------------------------

    def create_article(self, article: Article, actor: str) -> Article:
        """Add a new article; raises :class:`ArticleAlreadyExists` rather than overwrite one."""
        with self._lock:
            if self._store.get_many([article.id]):
                raise ArticleAlreadyExists(article.id)
            self._store.upsert(article, actor)
            self._refresh([article.id], save=True)
            return self._store.get(article.id)

    def update_article(self, article: Article, actor: str) -> Article:
        """Replace an existing article's content and status; raises :class:`ArticleNotFound`.

        New content for a published article becomes its pending draft instead: customers keep
        getting the live article until someone publishes the draft (:meth:`publish`). Content equal
        to the live article's drops the draft (the edits were undone).
        """
        with self._lock:
            live = self._store.get(article.id)
            if live.status is ArticleStatus.PUBLISHED and article.status is ArticleStatus.PUBLISHED:
                if article.content_hash != live.content_hash:
                    self._store.save_draft(article, actor)
                    return live
                self._store.drop_draft(article.id)
            if self._store.upsert(article, actor).changed:
                self._refresh([article.id], save=True)
            return self._store.get(article.id)

    def draft(self, article_id: str) -> Draft | None:
        """The pending draft of a published article (edits not live yet), or None."""
        return self._store.get_draft(article_id)

    def draft_ids(self) -> set[str]:
        """The ids of the articles with a pending draft."""
        return self._store.draft_ids()

    def discard_draft(self, article_id: str) -> None:
        """Forget an article's pending draft; raises :class:`DraftNotFound` when it has none."""
        self._store.get(article_id)
        if not self._store.drop_draft(article_id):
            raise DraftNotFound(article_id)

    def version(self, article_id: str, version: int) -> Article:
        """The article as it was at ``version`` of its history; raises :class:`DraftNotFound` for another."""
        for revision in self._store.history(article_id):
            if revision.version == version:
                return revision.article
        raise DraftNotFound(article_id, f"no version {version}")

    def restore(self, article_id: str, version: int, actor: str) -> Article:
        """Bring back an old version's content as a new draft (or, for an article not live, a new version)."""
        old, live = self.version(article_id, version), self._store.get(article_id)
        return self.update_article(replace(old, status=live.status), actor)

    def upsert_article(self, article: Article, actor: str = SYSTEM_ACTOR, note: str = "") -> Change:
        """Create or replace an article; the index follows when it is (or was) published."""
        with self._lock:
            change = self._store.upsert(article, actor, note)
            if change.changed:
                self._refresh([article.id], save=True)
            return change

    def publish(self, article_id: str, actor: str = SYSTEM_ACTOR) -> Article:
        """Make an article answerable, with its pending draft's content when it has one."""
        with self._lock:
            if self._store.get_draft(article_id) is not None:
                article = self._store.publish_draft(article_id, actor)
                self._refresh([article_id], save=True)
                return article
        return self._set_status(article_id, ArticleStatus.PUBLISHED, actor)

    def retire(self, article_id: str, actor: str = SYSTEM_ACTOR) -> Article:
        """Stop answering with an article, keeping it for history."""
        return self._set_status(article_id, ArticleStatus.RETIRED, actor)

    def import_articles(self, articles: Sequence[Article], actor: str = SYSTEM_ACTOR, note: str = "",
                        on_progress: Progress | None = None) -> ImportReport:
        """Save many articles (idempotent: unchanged ones are left alone), then index the changed ones.

        Articles missing from ``articles`` are left as they are: retire them explicitly.
        """
        with self._lock:
            changes = {article.id: self._store.upsert(article, actor, note) for article in articles}
            changed = [article_id for article_id, change in changes.items() if change.changed]
            self._refresh(changed, save=bool(changed), on_progress=on_progress)
        report = ImportReport.of(changes)
        logger.info("imported created=%d updated=%d unchanged=%d",
                    len(report.created), len(report.updated), len(report.unchanged))
        return report

    def import_path(self, path: Path, actor: str = SYSTEM_ACTOR, on_progress: Progress | None = None) -> ImportReport:
        """Import a folder of Markdown articles, a ``.csv`` or a ``.json`` file (see :mod:`knowledge_base.exchange`)."""
        return self.import_articles(read_articles(path), actor, f"import {path.name}", on_progress)

    def import_folder(self, folder: Path, on_progress: Progress | None = None) -> ImportReport:
        """Import a folder of Markdown articles (the demo's format); idempotent."""
        return self.import_path(folder, SYSTEM_ACTOR, on_progress)

    # --- the index ------------------------------------------------------------------------

    def ensure_index(self, on_progress: Progress | None = None) -> IndexReport:
        """Load the saved index and embed only what changed since it was saved.

        Raises :class:`IndexModelMismatch` when it was built with another model: that is a
        decision for a person (scores and thresholds change meaning), made by running
        ``python -m knowledge_base reindex``. A damaged index is rebuilt, since the articles
        themselves are safe in the store.
        """
        with self._lock:
            self._horizon = self._store.latest_seq()  # changes after this are applied by apply_changes
            reused = self._load_saved_index()
            report = self._sync_index(on_progress, always_save=not reused)
            return replace(report, reused_saved_index=reused)

    def reindex(self, on_progress: Progress | None = None) -> IndexReport:
        """Embed every published article again, from scratch (e.g. after changing the model)."""
        with self._lock:
            self._horizon = self._store.latest_seq()
            self._index.clear()
            return self._sync_index(on_progress, always_save=True)

    def apply_changes(self) -> tuple[str, ...]:
        """Apply the changes any process saved since the last call; returns the article ids touched.

        The vocabulary is re-read too when it changed (it touches no article).
        """
        if self.reload_vocabulary():
            logger.info("applied vocabulary change terms=%d", len(self._vocabulary))
        fresh = [(seq, article_id) for seq, article_id in self._store.changes_since(self._horizon)
                 if seq not in self._seen]
        if not fresh:
            return ()
        article_ids = tuple(dict.fromkeys(article_id for _, article_id in fresh))
        with self._lock:
            self._refresh(article_ids, save=False)
        self._seen.update(seq for seq, _ in fresh)
        self._horizon = max(self._horizon, max(self._seen) - CHANGE_LOOKBACK)
        self._seen = {seq for seq in self._seen if seq > self._horizon}
        return article_ids

    async def follow_changes(self, interval_s: float = POLL_INTERVAL_S) -> None:
        """Apply other processes' changes every ``interval_s`` until cancelled (a gateway background task)."""
        while True:
            try:
                applied = await asyncio.to_thread(self.apply_changes)
                if applied:
                    logger.info("applied knowledge-base changes articles=%d", len(applied))
            except Exception:  # a database hiccup must not end the loop; the next poll retries
                raise_if_cancelled()
                logger.exception("applying knowledge-base changes failed; retrying")
            await asyncio.sleep(interval_s)

    def embedders(self) -> tuple[Embedder, ...]:
        """The sentence models a question is embedded with (small, large), as in use now."""
        return self._index.embedders if isinstance(self._index, HybridIndex) else ()

    def search_with(self, small: Embedder) -> Callable[[str], list[Candidate]]:
        """:meth:`search` as it would be with ``small`` as the small sentence model: over the articles
        published now, in an index of its own that nothing else searches (the retraining loop measures
        a candidate's fitted encoder with it before it goes live; the large model's vectors are shared)."""
        if not isinstance(self._index, HybridIndex) or small.model_name == self._index.embedders[0].model_name:
            return self.search
        index = self._index.with_small(small, self._store.list(ArticleStatus.PUBLISHED))

        def search(question: str, k: int = DEFAULT_K) -> list[Candidate]:
            return self._published(index.search(self._vocabulary.expand(question).query, k)) if question.strip() else []

        return search

    def use_encoder(self, small: Embedder) -> bool:
        """Search with ``small`` as the small sentence model from now on (a fitted encoder made live by
        the retraining loop, or the packaged model back after a rollback): the published articles are
        embedded with it, then it replaces the old one. False when it was already in use."""
        if not isinstance(self._index, HybridIndex):
            raise TypeError("only the hybrid index has a small sentence model to replace")
        with self._lock:
            changed = self._index.use_small(small, self._store.list(ArticleStatus.PUBLISHED))
            if changed:
                self._index.save(self._index_dir)
                logger.info("switched small sentence model model=%s", small.model_name)
            return changed

    # --- private; callers hold self._lock -------------------------------------------------

    def _set_status(self, article_id: str, status: ArticleStatus, actor: str) -> Article:
        with self._lock:
            article = self._store.set_status(article_id, status, actor)
            self._refresh([article_id], save=True)
            return article

    def _refresh(self, article_ids: Iterable[str], save: bool, on_progress: Progress | None = None) -> None:
        """Bring the index in line with the store for these articles only."""
        article_ids = list(article_ids)
        if not article_ids:
            return
        current = self._store.get_many(article_ids)
        indexed = self._index.article_hashes()
        published = [a for a in current.values() if a.status is ArticleStatus.PUBLISHED]
        gone = [a for a in article_ids if a in indexed and a not in {p.id for p in published}]
        for article_id in gone:
            self._index.remove(article_id)
        self._index.upsert_many(published, on_progress)
        if save:
            self._index.save(self._index_dir)

    def _load_saved_index(self) -> bool:
        """Whether a saved index was loaded."""
        try:
            self._index.load(self._index_dir)
        except IndexNotFound:
            logger.info("no saved index directory=%s; building one", self._index_dir)
            return False
        except IndexCorrupt as error:
            logger.warning("rebuilding damaged index: %s", error)
            self._index.clear()
            return False
        return True

    def _sync_index(self, on_progress: Progress | None = None, always_save: bool = False) -> IndexReport:
        """Embed published articles whose content the index lacks, drop the rest, then save."""
        published = {article.id: article for article in self._store.list(ArticleStatus.PUBLISHED)}
        indexed = self._index.article_hashes()
        removed = tuple(sorted(article_id for article_id in indexed if article_id not in published))
        stale = tuple(a for a, article in published.items() if indexed.get(a) != article.content_hash)
        for article_id in removed:
            self._index.remove(article_id)
        self._index.upsert_many(list(published.values()), on_progress)  # parts skip what they hold
        if removed or stale or always_save:
            self._index.save(self._index_dir)
        logger.info("synced index embedded=%d removed=%d total=%d", len(stale), len(removed), len(published))
        return IndexReport(reused_saved_index=False, embedded=stale, removed=removed, total=len(published))


def _candidate(article: Article, score: float, signals: Mapping[str, float] | None = None) -> Candidate:
    return Candidate(article.id, article.title, article.body, article.product, score, dict(signals or {}))


def build_knowledge_base(
    engine: Engine,
    index_dir: Path,
    thresholds: ThresholdSettings,
    embedder: Embedder | None = None,
    *,
    paraphraser: Embedder | None = None,
    ensure_index: bool = True,
    on_progress: Progress | None = None,
) -> KnowledgeBase:
    """A ready knowledge base over ``engine``: tables created, index loaded or brought up to date.

    Slow on first start (loads the models, embeds every published article), so call it from a
    worker thread. ``thresholds`` may be the gateway's settings section. ``embedder`` defaults
    to the packaged all-MiniLM-L6-v2 and ``paraphraser`` to all-mpnet-base-v2 (see
    :mod:`knowledge_base.retrieval`). ``ensure_index=False`` skips the index, for callers that
    rebuild it anyway (``reindex``, after a model change).
    """
    store = ArticleStore(engine)
    store.create_schema()
    vocabulary = VocabularyStore(engine)
    vocabulary.create_schema()
    index = HybridIndex(embedder or MiniLMEmbedder(), paraphraser or MpnetEmbedder())
    knowledge_base = KnowledgeBase(store, index, Thresholds.of(thresholds), index_dir, vocabulary)
    knowledge_base.reload_vocabulary()
    if ensure_index:
        knowledge_base.ensure_index(on_progress)
    return knowledge_base
