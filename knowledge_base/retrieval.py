"""Hybrid retrieval: four signals per article, fused into the one score the decision reads.

=============  =====================  =========================================  ======
signal         model                  compares the question with                 weight
=============  =====================  =========================================  ======
``paraphrase`` all-mpnet-base-v2      the title and each alternative phrasing    0.50
``question``   all-MiniLM-L6-v2       the title and each alternative phrasing    0.25
``body``       all-MiniLM-L6-v2       the title with the body                    0.25
``lexical``    BM25 (bm25s)           title, phrasings and body, as words        0.05
=============  =====================  =========================================  ======

The three dense signals are cosine similarities (the best of an article's vectors); BM25 is
unbounded, so it enters as ``bm25 / (bm25 + 5)``. The weights were chosen on StackFAQ
(benchmarks/kb_answerability.py): mpnet tells near-duplicate questions apart best (P@1 0.974
alone on titles, against 0.945 for MiniLM), MiniLM on the body adds what titles leave out,
and BM25 mostly re-orders ties on names and codes. The decision thresholds in config.yml are
calibrated on this fused score, so changing a weight means re-running the benchmark.

Candidates are the union of each signal's own top ``POOL`` articles; every candidate then gets
all four signals, computed exactly, before fusing. A :class:`~knowledge_base.index.Query` may
carry other wordings of the question (the customers' vocabulary's canonical rewrite): each dense
signal is then an article's best over the wordings, and BM25 also looks for the extra words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from knowledge_base.articles import Article
from knowledge_base.embedder import FITTED_PREFIX, Embedder
from knowledge_base.errors import IndexNotFound
from knowledge_base.index import Hit, Progress, Query, VectorIndex, body_texts, question_texts
from knowledge_base.lexical import LexicalIndex

POOL = 20
LEXICAL_SATURATION = 5.0


@dataclass(frozen=True)
class Weights:
    """How much each signal counts in the fused score."""

    paraphrase: float = 0.50
    question: float = 0.25
    body: float = 0.25
    lexical: float = 0.05

    def fuse(self, signals: dict[str, float]) -> float:
        lexical = signals["lexical"]
        return (
            self.paraphrase * signals["paraphrase"]
            + self.question * signals["question"]
            + self.body * signals["body"]
            + self.lexical * lexical / (lexical + LEXICAL_SATURATION)
        )


class HybridIndex:
    """Three FAISS indexes and a BM25 index over the same articles, behind one ``ArticleIndex``.

    Each part skips articles it already holds at the same content, so loading a saved index
    and bringing it in line embeds only what changed, part by part.
    """

    def __init__(self, small: Embedder, large: Embedder, weights: Weights | None = None) -> None:
        self._question = VectorIndex(small, question_texts)
        self._body = VectorIndex(small, body_texts, batch_size=16)
        self._paraphrase = VectorIndex(large, question_texts)
        self._lexical = LexicalIndex()
        self._weights = weights or Weights()

    def _dense(self) -> dict[str, VectorIndex]:
        return {"question": self._question, "body": self._body, "paraphrase": self._paraphrase}

    @property
    def embedders(self) -> tuple[Embedder, Embedder]:
        """The small and the large model (a message is embedded by both, ahead of Rasa: bot/relay.py)."""
        return self._question.embedder, self._paraphrase.embedder

    def with_small(self, small: Embedder, articles: Sequence[Article]) -> HybridIndex:
        """This index as it would be with ``small`` for the question and body signals: those two parts
        are built from ``articles``; the paraphrase and lexical parts are this index's own, shared (the
        large model's vectors are not computed again)."""
        other = HybridIndex(small, self._paraphrase.embedder, self._weights)
        other._paraphrase, other._lexical = self._paraphrase, self._lexical
        other._question.upsert_many(articles)
        other._body.upsert_many(articles)
        return other

    def use_small(self, small: Embedder, articles: Sequence[Article]) -> bool:
        """Make ``small`` the model of the question and body signals (a fitted encoder made live).

        Both parts are built from ``articles`` before they replace the old ones, so searches in the
        meantime still find everything. Returns False when ``small`` is the model already in use.
        """
        if small.model_name == self._question.embedder.model_name:
            return False
        built = self.with_small(small, articles)
        self._question, self._body = built._question, built._body
        return True

    def article_hashes(self) -> dict[str, str]:
        """Content hash of each embedded article, or "" where the dense parts disagree.

        The lexical part is left out: it is not saved, and costs no model call to fill, so
        :meth:`upsert_many` fills it for every article it is given, changed or not.
        """
        parts = [index.article_hashes() for index in self._dense().values()]
        ids = set().union(*parts)
        return {a: parts[0][a] if all(p.get(a) == parts[0].get(a) for p in parts) else "" for a in ids}

    def upsert_many(self, articles: Sequence[Article], on_progress: Progress | None = None) -> None:
        """Bring every part up to date for ``articles``; ``on_progress`` follows the slowest (mpnet) part."""
        self._lexical.upsert_many(articles)
        self._question.upsert_many(articles)
        self._body.upsert_many(articles)
        self._paraphrase.upsert_many(articles, on_progress)

    def remove(self, article_id: str) -> None:
        for index in self._dense().values():
            index.remove(article_id)
        self._lexical.remove(article_id)

    def clear(self) -> None:
        for index in self._dense().values():
            index.clear()
        self._lexical.clear()

    def search(self, query: Query | str, k: int) -> list[Hit]:
        """The ``k`` best articles by fused score, each with its four signals."""
        query = Query(query) if isinstance(query, str) else query
        embedded = self._embed(query)
        pool = self._pool(query, embedded)
        return self._ranked(pool, embedded, self._lexical.scores(query.words, pool))[:k]

    def preview(self, query: Query | str, k: int, draft: Article) -> list[Hit]:
        """Like :meth:`search` with ``draft`` ranked among the indexed articles, indexing nothing.

        The draft replaces an indexed article with its id (an edit of a published article is
        previewed as it would be once saved); the live index is not touched.
        """
        query = Query(query) if isinstance(query, str) else query
        embedded = self._embed(query)
        pool = self._pool(query, embedded) - {draft.id}
        lexical = self._lexical.including(draft).scores(query.words, pool | {draft.id})
        hits = self._ranked(pool, embedded, lexical)
        signals = {name: index.score_unindexed(embedded[name], draft) for name, index in self._dense().items()}
        signals["lexical"] = lexical.get(draft.id, 0.0)
        hits.append(Hit(draft.id, self._weights.fuse(signals), signals))
        return sorted(hits, key=lambda hit: hit.score, reverse=True)[:k]

    def _embed(self, query: Query) -> dict[str, np.ndarray]:
        """The query's wordings embedded once per model, by the name of the part that reads them."""
        small = self._question.embedder.embed(query.texts)
        large = self._paraphrase.embedder.embed(query.texts)
        return {"question": small, "body": small, "paraphrase": large}

    def _pool(self, query: Query, embedded: dict[str, np.ndarray]) -> set[str]:
        """The union of each signal's own top ``POOL`` articles."""
        pool: set[str] = set()
        for name, index in self._dense().items():
            pool.update(hit.article_id for hit in index.search_embedded(embedded[name], POOL))
        pool.update(article_id for article_id, _ in self._lexical.search(query.words, POOL))
        return pool

    def _ranked(self, pool: set[str], embedded: dict[str, np.ndarray], lexical: dict[str, float]) -> list[Hit]:
        """Every pooled article with all four signals, fused, best first."""
        scores = {name: index.scores_embedded(embedded[name], pool) for name, index in self._dense().items()}
        scores["lexical"] = lexical
        hits = []
        for article_id in pool:
            signals = {name: part.get(article_id, 0.0) for name, part in scores.items()}
            hits.append(Hit(article_id, self._weights.fuse(signals), signals))
        return sorted(hits, key=lambda hit: hit.score, reverse=True)

    def save(self, directory: Path) -> None:
        for name, index in self._dense().items():
            index.save(directory / _part_folder(name, index))

    def load(self, directory: Path) -> None:
        """Load every dense part (each checks its own model); the lexical part fills on the next sync."""
        if not any((directory / _part_folder(name, index)).is_dir() for name, index in self._dense().items()):
            raise IndexNotFound(directory)
        for name, index in self._dense().items():
            try:
                index.load(directory / _part_folder(name, index))
            except IndexNotFound:
                index.clear()  # a part added since the save: the next sync embeds it


def _part_folder(name: str, index: VectorIndex) -> str:
    """Where a part is saved: by its signal's name for the packaged models, and by the model too for a
    fitted one (``question-<identity>``), so each encoder keeps its own saved vectors."""
    model = index.embedder.model_name
    return f"{name}-{model.removeprefix(FITTED_PREFIX)}" if model.startswith(FITTED_PREFIX) else name
