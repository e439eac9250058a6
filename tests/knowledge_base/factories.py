"""Test data for the knowledge-base tests: articles about the demo company, and a spy embedder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from knowledge_base import Article, ArticleStatus, Embedder


def make_article(**overrides: Any) -> Article:
    """A valid published article; any field can be overridden."""
    fields: dict[str, Any] = {
        "id": "hub-reset",
        "title": "How do I reset the Lumen Hub?",
        "body": "Hold the pinhole button on the back of the hub for 10 seconds until the light blinks blue.",
        "product": "Lumen Hub",
        "tags": ("hub", "reset"),
        "questions": ("My hub is stuck, how do I factory reset it?",),
        "status": ArticleStatus.PUBLISHED,
    }
    fields.update(overrides)
    return Article(**fields)


def hand_written_articles() -> list[Article]:
    """Five distinct published articles, for retrieval tests."""
    return [
        make_article(),
        make_article(
            id="bulb-reset",
            title="How do I factory reset a Lumen bulb?",
            body="Switch the bulb on and off five times, one second on and one second off.",
            product="Lumen Bulb Color",
            questions=("My bulb won't pair, how do I reset it?",),
        ),
        make_article(
            id="shipping-times",
            title="How long does shipping take?",
            body="Orders ship in 3-5 business days. Shipping is free for orders over $50.",
            product=None,
            tags=("orders",),
            questions=("When will my order arrive?", "Is delivery free?"),
        ),
        make_article(
            id="strip-cutting",
            title="Can I cut the Lumen Strip?",
            body="Yes, the strip can be cut every 33 cm along the marked lines. Cut pieces cannot be rejoined.",
            product="Lumen Strip",
            questions=("Can I shorten my light strip?",),
        ),
        make_article(
            id="plus-cancel",
            title="How do I cancel Lumen Plus?",
            body="Open the Lumen app, go to Account > Subscription and tap Cancel. Plus stays until the period ends.",
            product="Lumen Plus",
            questions=("How do I stop my subscription?", "I want to unsubscribe from Lumen Plus"),
        ),
    ]


PARAPHRASED_QUESTIONS = {
    "my hub isn't responding, how do I wipe it and start over": "hub-reset",
    "the light bulb will not connect, I want to reset it": "bulb-reset",
    "how many days until my package gets here": "shipping-times",
    "is it possible to trim the LED strip to fit my shelf": "strip-cutting",
    "I no longer want to pay for the subscription": "plus-cancel",
}
"""Customer questions worded unlike any text of the hand-written articles, with the article each means."""


def write_folder(folder: Path, count: int) -> None:
    """The first ``count`` hand-written articles as Markdown files, as a curator would write them."""
    folder.mkdir(parents=True, exist_ok=True)
    for article in hand_written_articles()[:count]:
        questions = "".join(f"  - {question}\n" for question in article.questions)
        front = f"id: {article.id}\ntitle: {article.title}\nquestions:\n{questions}status: published\n"
        (folder / f"{article.id}.md").write_text(f"---\n{front}---\n{article.body}\n")


class SpyEmbedder:
    """Wraps a real embedder and records every text it embeds (to prove what was re-embedded).

    ``model_name`` and ``dimension`` can be overridden to imitate an index built by another model.
    """

    def __init__(self, inner: Embedder, model_name: str | None = None, dimension: int | None = None) -> None:
        self._inner = inner
        self._model_name = model_name
        self._dimension = dimension
        self.texts: list[str] = []

    @property
    def model_name(self) -> str:
        return self._model_name or self._inner.model_name

    @property
    def dimension(self) -> int:
        return self._dimension or self._inner.dimension

    def embed(self, texts: list[str]) -> np.ndarray:
        self.texts.extend(texts)
        return self._inner.embed(texts)
