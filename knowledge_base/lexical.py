"""The lexical index: BM25 (the ``bm25s`` library) over each article's title, questions and body.

It catches what embeddings blur: product names, error codes, exact words. Each article is
tokenized once, when it changes; the tokens are kept by article. BM25's statistics (document
frequencies, average length) belong to the whole collection, so after a change the score
matrix is recomputed from the kept tokens, lazily on the next search: nothing is tokenized or
embedded again, and 10,000 articles take about 0.15 s (benchmarks/README.md).

Not persisted: it is rebuilt from the articles at start, which costs no model call.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence

import bm25s
import numpy as np

from knowledge_base.articles import Article

STOPWORDS = "en"


def lexical_text(article: Article) -> str:
    """The words an article is found by; the title and questions count twice, like a heading."""
    questions = " ".join((article.title, *article.questions))
    return f"{questions} {questions} {article.body}"


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens without English stop words, as bm25s splits them."""
    split = bm25s.tokenize([text], stopwords=STOPWORDS, return_ids=False, show_progress=False)
    return list(split[0]) if split else []


class LexicalIndex:
    """BM25 over articles; thread-safe, updated one article at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, list[str]] = {}
        self._hashes: dict[str, str] = {}
        self._bm25: bm25s.BM25 | None = None
        self._ids: list[str] = []
        self._positions: dict[str, int] = {}
        self._dirty = False

    def article_hashes(self) -> dict[str, str]:
        """Content hash of every indexed article, by id."""
        with self._lock:
            return dict(self._hashes)

    def upsert_many(self, articles: Sequence[Article]) -> None:
        """Tokenize and keep the articles whose content changed."""
        changed = [a for a in articles if self._hashes.get(a.id) != a.content_hash]
        tokenized = {article.id: tokens(lexical_text(article)) for article in changed}
        with self._lock:
            for article in changed:
                self._tokens[article.id] = tokenized[article.id]
                self._hashes[article.id] = article.content_hash
            self._dirty = self._dirty or bool(changed)

    def including(self, article: Article) -> LexicalIndex:
        """A copy that also holds ``article`` (replacing its id's version); this index is untouched.

        A draft's preview scores every candidate with the copy, so BM25's collection statistics
        are those the index would have once the draft is published.
        """
        copy = LexicalIndex()
        with self._lock:
            copy._tokens = dict(self._tokens)
            copy._hashes = dict(self._hashes)
        copy._tokens[article.id] = tokens(lexical_text(article))
        copy._hashes[article.id] = article.content_hash
        copy._dirty = True
        return copy

    def remove(self, article_id: str) -> None:
        with self._lock:
            if self._hashes.pop(article_id, None) is not None:
                del self._tokens[article_id]
                self._dirty = True

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()
            self._hashes.clear()
            self._dirty = True

    def scores(self, question: str, article_ids: Iterable[str] | None = None) -> dict[str, float]:
        """BM25 score of each article (or of those among ``article_ids``) for ``question``; 0 when none match."""
        ids, positions, values = self._score_all(question)
        if article_ids is None:
            return dict(zip(ids, values.tolist(), strict=True))
        return {a: float(values[positions[a]]) for a in article_ids if a in positions}

    def search(self, question: str, k: int) -> list[tuple[str, float]]:
        """The ``k`` best-scoring articles with a positive score, best first."""
        ids, _, values = self._score_all(question)
        if k <= 0 or not ids:
            return []
        top = np.argpartition(-values, min(k, len(ids)) - 1)[:k]
        ranked = sorted(top.tolist(), key=lambda i: -values[i])
        return [(ids[i], float(values[i])) for i in ranked if values[i] > 0]

    def _score_all(self, question: str) -> tuple[list[str], dict[str, int], np.ndarray]:
        """The indexed ids, their positions, and each one's BM25 score for ``question`` (one consistent build)."""
        words = tokens(question)
        with self._lock:
            bm25, ids = self._current()
            positions = self._positions
            if bm25 is None:
                return [], {}, np.zeros(0)
            known = [word for word in words if word in bm25.vocab_dict]
            values = bm25.get_scores(known) if known else np.zeros(len(ids))
        return ids, positions, np.asarray(values, dtype=np.float64)

    def _current(self) -> tuple[bm25s.BM25 | None, list[str]]:
        """The BM25 model for the kept tokens, recomputed if they changed; the caller holds the lock."""
        if self._dirty:
            self._ids = sorted(self._tokens)
            self._positions = {article_id: n for n, article_id in enumerate(self._ids)}
            corpus = [self._tokens[article_id] or ["\u2205"] for article_id in self._ids]
            self._bm25 = None
            if corpus:
                self._bm25 = bm25s.BM25()
                self._bm25.index(corpus, show_progress=False)
            self._dirty = False
        return self._bm25, self._ids
