"""A vector index: several vectors per article in FAISS, best score per article on search.

Which texts of an article get a vector is the index's ``texts`` function: its title and each
alternative phrasing of its question (:func:`question_texts`), or its title with its body
(:func:`body_texts`). A customer's question usually resembles one of them far more than the
others, so the article's score is the best of its vectors. Articles are added and removed one
by one (FAISS ``IndexIDMap2`` over an exact ``IndexFlatIP``), never by rebuilding.

On disk an index is a directory with ``vectors.faiss`` and ``manifest.json``. The manifest
names the embedding model and dimension (an index built with another model is refused), lists
each article's content hash and vector ids (so a restart re-embeds only what changed), and
records when it was saved. Several processes may save into the same directory: an exclusive
lock on ``.lock`` orders them, and each file is written under a unique name and renamed into
place, so a reader never sees half a file or a manifest from another save than its vectors.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import faiss
import numpy as np

from knowledge_base.articles import Article
from knowledge_base.embedder import Embedder
from knowledge_base.errors import IndexCorrupt, IndexModelMismatch, IndexNotFound

logger = logging.getLogger(__name__)

MANIFEST_FILE = "manifest.json"
VECTORS_FILE = "vectors.faiss"
LOCK_FILE = ".lock"
FORMAT_VERSION = 1

Progress = Callable[[int, int], None]
"""Called after each batch with (articles indexed so far, articles to index), e.g. to draw a bar."""


@dataclass(frozen=True)
class Hit:
    """One article's score for a question, and the signals it was fused from (by name)."""

    article_id: str
    score: float
    signals: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Query:
    """What an index searches for: the question, other wordings of it, and extra words for BM25.

    ``variants`` are embedded as well as ``text`` (each article keeps its best score over them);
    ``extra_words`` are added to the words BM25 looks for. The customers' vocabulary fills both
    (:mod:`knowledge_base.vocabulary`); a plain question has neither.
    """

    text: str
    variants: tuple[str, ...] = ()
    extra_words: str = ""

    @property
    def texts(self) -> list[str]:
        """Every wording to embed, the question first."""
        return list(dict.fromkeys((self.text, *self.variants)))

    @property
    def words(self) -> str:
        """The text BM25 tokenizes."""
        return f"{self.text} {self.extra_words}".strip()


@dataclass(frozen=True)
class _Entry:
    content_hash: str
    vector_ids: tuple[int, ...]


class ArticleIndex(Protocol):
    """What the knowledge base needs from a similarity index over articles."""

    def article_hashes(self) -> dict[str, str]: ...

    def upsert_many(self, articles: Sequence[Article], on_progress: Progress | None = None) -> None: ...

    def remove(self, article_id: str) -> None: ...

    def clear(self) -> None: ...

    def search(self, query: Query, k: int) -> list[Hit]: ...

    def preview(self, query: Query, k: int, draft: Article) -> list[Hit]: ...

    def save(self, directory: Path) -> None: ...

    def load(self, directory: Path) -> None: ...


ArticleTexts = Callable[[Article], list[str]]


def question_texts(article: Article) -> list[str]:
    """The questions an article answers: its title and each alternative phrasing."""
    return list(dict.fromkeys(text.strip() for text in (article.title, *article.questions)))


def body_texts(article: Article) -> list[str]:
    """The article as a whole: its title with its body."""
    return [f"{article.title.strip()}\n\n{article.body.strip()}"]


def article_texts(article: Article) -> list[str]:
    """Every text an article is found by: its questions, then title with body."""
    return list(dict.fromkeys([*question_texts(article), *body_texts(article)]))


class VectorIndex:
    """An exact inner-product FAISS index over unit vectors from ``embedder``; thread-safe.

    Embedding happens outside the lock, so a slow re-index does not block searches for long;
    only the FAISS mutation and the id bookkeeping are serialised.
    """

    def __init__(self, embedder: Embedder, texts: ArticleTexts = article_texts, batch_size: int = 32) -> None:
        self._embedder = embedder
        self._texts = texts
        self._batch_size = batch_size
        self._lock = threading.Lock()
        self._faiss: faiss.IndexIDMap2 | None = None  # made on first use: needs the dimension
        self._entries: dict[str, _Entry] = {}
        self._owners: dict[int, str] = {}
        self._next_id = 0

    def article_hashes(self) -> dict[str, str]:
        """Content hash of every indexed article, by id."""
        with self._lock:
            return {article_id: entry.content_hash for article_id, entry in self._entries.items()}

    def upsert(self, article: Article) -> None:
        """Index one article, replacing its previous vectors if it was indexed."""
        self.upsert_many([article])

    @property
    def embedder(self) -> Embedder:
        return self._embedder

    def upsert_many(self, articles: Sequence[Article], on_progress: Progress | None = None) -> None:
        """Index articles in batches (one model call per batch), replacing earlier versions.

        Articles already indexed with the same content are skipped: nothing is embedded twice.
        """
        indexed = self.article_hashes()
        articles = [article for article in articles if indexed.get(article.id) != article.content_hash]
        for start in range(0, len(articles), self._batch_size):
            batch = articles[start : start + self._batch_size]
            texts = [self._texts(article) for article in batch]
            vectors = self._embedder.embed([text for group in texts for text in group])
            with self._lock:
                offset = 0
                for article, group in zip(batch, texts, strict=True):
                    self._replace(article, vectors[offset : offset + len(group)])
                    offset += len(group)
            if on_progress is not None:
                on_progress(start + len(batch), len(articles))

    def remove(self, article_id: str) -> None:
        """Forget an article's vectors; unknown ids are ignored."""
        with self._lock:
            self._drop(article_id)

    def clear(self) -> None:
        """Forget every article (a full re-index starts here)."""
        with self._lock:
            self._faiss = None
            self._entries.clear()
            self._owners.clear()

    def search(self, query: Query | str, k: int) -> list[Hit]:
        """The ``k`` articles most similar to the question (best over its wordings), best first."""
        texts = [query] if isinstance(query, str) else query.texts
        return self.search_embedded(self._embedder.embed(texts), k)

    def preview(self, query: Query | str, k: int, draft: Article) -> list[Hit]:
        """Like :meth:`search` with ``draft`` ranked among the indexed articles, indexing nothing."""
        embedded = self._embedder.embed([query] if isinstance(query, str) else query.texts)
        hits = [hit for hit in self.search_embedded(embedded, k) if hit.article_id != draft.id]
        hits.append(Hit(draft.id, self.score_unindexed(embedded, draft)))
        return sorted(hits, key=lambda hit: hit.score, reverse=True)[:k]

    def search_embedded(self, query: np.ndarray, k: int) -> list[Hit]:
        """Like :meth:`search`, for a question already embedded by this index's embedder.

        Each row of ``query`` is one wording of the question; an article keeps its best score over them.
        """
        best: dict[str, float] = {}
        with self._lock:
            if self._faiss is None or self._faiss.ntotal == 0 or k <= 0:
                return []
            for row in query:
                for article_id, score in self._best_per_article(row[None, :], k).items():
                    best[article_id] = max(score, best.get(article_id, score))
        hits = sorted(best.items(), key=lambda item: item[1], reverse=True)[:k]
        return [Hit(article_id, score) for article_id, score in hits]

    def scores_embedded(self, query: np.ndarray, article_ids: Iterable[str]) -> dict[str, float]:
        """The best score of each indexed article among ``article_ids`` (others are left out)."""
        with self._lock:
            entries = {a: self._entries[a] for a in article_ids if a in self._entries}
            vectors = self._vectors()
            stacked = {a: [vectors.reconstruct(i) for i in entry.vector_ids] for a, entry in entries.items()}
        return {a: float(np.max(np.asarray(rows) @ query.T)) for a, rows in stacked.items()}

    def score_unindexed(self, query: np.ndarray, article: Article) -> float:
        """The score ``article`` would get if it were indexed, without indexing it (a draft's preview)."""
        vectors = self._embedder.embed(self._texts(article))
        return float(np.max(vectors @ query.T))

    def save(self, directory: Path) -> None:
        """Write the index, then its manifest; each file is replaced atomically.

        A crash between the two leaves files that disagree, which :meth:`load` detects.
        """
        directory.mkdir(parents=True, exist_ok=True)
        with self._lock, _directory_lock(directory, fcntl.LOCK_EX):
            manifest = json.dumps(self._manifest(), indent=1)
            _write_atomically(directory / VECTORS_FILE, lambda path: faiss.write_index(self._vectors(), path))
            _write_atomically(directory / MANIFEST_FILE, lambda path: Path(path).write_text(manifest))
            logger.info("saved vector index directory=%s articles=%d", directory, len(self._entries))

    def load(self, directory: Path) -> None:
        """Replace this index with the one saved in ``directory``.

        Raises :class:`IndexNotFound` when there is none, :class:`IndexModelMismatch` when it
        was built with another model or dimension, :class:`IndexCorrupt` when its files disagree.
        """
        if not (directory / MANIFEST_FILE).exists():
            raise IndexNotFound(directory)
        with _directory_lock(directory, fcntl.LOCK_SH):
            manifest = _read_manifest(directory)
            self._check_model(directory, manifest)
            vectors = _read_vectors(directory, self._embedder.dimension)
        entries, next_id = _parse_articles(directory, manifest)
        _check_consistent(directory, vectors, entries, next_id)
        with self._lock:
            self._faiss = vectors
            self._entries = entries
            self._owners = {vid: article_id for article_id, e in entries.items() for vid in e.vector_ids}
            self._next_id = next_id

    # --- private; callers hold self._lock -------------------------------------------------

    def _vectors(self) -> faiss.IndexIDMap2:
        if self._faiss is None:
            self._faiss = faiss.IndexIDMap2(faiss.IndexFlatIP(self._embedder.dimension))
        return self._faiss

    def _replace(self, article: Article, vectors: np.ndarray) -> None:
        self._drop(article.id)
        ids = np.arange(self._next_id, self._next_id + len(vectors), dtype=np.int64)
        self._next_id += len(vectors)
        self._vectors().add_with_ids(vectors, ids)
        self._entries[article.id] = _Entry(article.content_hash, tuple(int(i) for i in ids))
        self._owners.update((int(i), article.id) for i in ids)

    def _drop(self, article_id: str) -> None:
        entry = self._entries.pop(article_id, None)
        if entry is None:
            return
        ids = np.asarray(entry.vector_ids, dtype=np.int64)
        self._vectors().remove_ids(ids)  # type: ignore[arg-type]  # faiss's wrapper takes arrays
        for vector_id in entry.vector_ids:
            del self._owners[vector_id]

    def _best_per_article(self, query: np.ndarray, k: int) -> dict[str, float]:
        """Best score per article, fetching more vectors until ``k`` distinct articles show up.

        Results come sorted, so an article's first vector in them is its best one; once ``k``
        articles appear, no article outside the fetched window can beat them.
        """
        vectors = self._vectors()
        fetch = min(vectors.ntotal, 4 * k)
        while True:
            scores, ids = vectors.search(query, fetch)
            best: dict[str, float] = {}
            for score, vector_id in zip(scores[0], ids[0], strict=True):
                if vector_id >= 0:
                    best.setdefault(self._owners[int(vector_id)], float(score))
            if len(best) >= k or fetch >= vectors.ntotal:
                return best
            fetch = min(vectors.ntotal, 2 * fetch)

    def _manifest(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "model_name": self._embedder.model_name,
            "dimension": self._embedder.dimension,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "next_vector_id": self._next_id,
            "articles": {
                article_id: {"content_hash": entry.content_hash, "vector_ids": list(entry.vector_ids)}
                for article_id, entry in sorted(self._entries.items())
            },
        }

    def _check_model(self, directory: Path, manifest: dict[str, Any]) -> None:
        built_with = (manifest.get("model_name"), manifest.get("dimension"))
        running = (self._embedder.model_name, self._embedder.dimension)
        if built_with != running:
            raise IndexModelMismatch(directory, _describe(*built_with), _describe(*running))


def _describe(model_name: object, dimension: object) -> str:
    return f"{model_name} ({dimension} dimensions)"


@contextlib.contextmanager
def _directory_lock(directory: Path, mode: int) -> Iterator[None]:
    """An advisory lock on the index directory, shared by readers and exclusive for a writer."""
    with (directory / LOCK_FILE).open("a") as handle:
        fcntl.flock(handle, mode)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_atomically(path: Path, write: Callable[[str], object]) -> None:
    """Write to a uniquely named temporary file and rename it, so readers never see half a file."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    os.chmod(temporary, 0o644)  # mkstemp makes it private; the index is no secret, and other users run the CLI
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / MANIFEST_FILE
    if not path.exists():
        raise IndexNotFound(directory)
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise IndexCorrupt(directory, f"{MANIFEST_FILE} is unreadable: {error}") from error
    if not isinstance(manifest, dict) or manifest.get("format_version") != FORMAT_VERSION:
        raise IndexCorrupt(directory, f"{MANIFEST_FILE} is not format version {FORMAT_VERSION}")
    return manifest


def _read_vectors(directory: Path, dimension: int) -> faiss.IndexIDMap2:
    try:
        vectors = faiss.read_index(str(directory / VECTORS_FILE))
    except RuntimeError as error:
        raise IndexCorrupt(directory, f"{VECTORS_FILE} is unreadable") from error
    if not isinstance(vectors, faiss.IndexIDMap2):
        raise IndexCorrupt(directory, f"{VECTORS_FILE} holds a {type(vectors).__name__}")
    if vectors.d != dimension:
        raise IndexCorrupt(directory, f"{VECTORS_FILE} has {vectors.d}-dimensional vectors")
    return vectors


def _parse_articles(directory: Path, manifest: dict[str, Any]) -> tuple[dict[str, _Entry], int]:
    """The manifest's article entries and the next free vector id."""
    try:
        entries = {
            article_id: _Entry(str(entry["content_hash"]), tuple(int(i) for i in entry["vector_ids"]))
            for article_id, entry in manifest["articles"].items()
        }
        return entries, int(manifest["next_vector_id"])
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise IndexCorrupt(directory, f"{MANIFEST_FILE} has a malformed article list") from error


def _check_consistent(directory: Path, vectors: faiss.IndexIDMap2, entries: dict[str, _Entry], next_id: int) -> None:
    """The manifest must describe exactly the vectors in the FAISS file (not so after a crash mid-save)."""
    in_file = set(faiss.vector_to_array(vectors.id_map).tolist())
    in_manifest = {vector_id for entry in entries.values() for vector_id in entry.vector_ids}
    if in_file != in_manifest or any(vector_id >= next_id for vector_id in in_file):
        raise IndexCorrupt(directory, f"{VECTORS_FILE} and {MANIFEST_FILE} list different vectors")
