"""The fitted encoder's training pairs: every article, written the ways customers write."""

from __future__ import annotations

import pytest

from knowledge_base.encoder_pairs import ANCHORS_PER_PHRASING, encoder_pairs
from knowledge_base.index import body_texts
from knowledge_base.vocabulary import Term, Vocabulary
from tests.knowledge_base.factories import hand_written_articles

pytestmark = pytest.mark.unit

VOCABULARY = Vocabulary([Term("Lumen Hub", ("base station", "bridge")), Term("Lumen Strip", ("tape light",))])


def test_every_phrasing_of_every_article_is_paired_with_its_own_texts() -> None:
    articles = hand_written_articles()
    pairs = encoder_pairs(articles, VOCABULARY)

    phrasings = sum(1 + len(a.questions) for a in articles)
    assert {p.group for p in pairs} == {a.id for a in articles}
    assert len(pairs) >= phrasings * (ANCHORS_PER_PHRASING + 1)
    by_id = {a.id: a for a in articles}
    for pair in pairs:
        article = by_id[pair.group]
        assert pair.positive in (article.title, *article.questions) or body_texts(article)[0].startswith(pair.positive)


def test_anchors_are_written_as_customers_write_and_the_same_seed_gives_the_same_pairs() -> None:
    pairs = encoder_pairs(hand_written_articles(), VOCABULARY, seed=3)
    anchors = [p.anchor for p in pairs]

    assert any(a == a.lower() for a in anchors)  # lower case
    assert any(a.startswith(("hi", "hello", "hey", "good morning")) for a in anchors)  # greetings first
    assert any(name in a for a in anchors for name in ("base station", "bridge", "tape light"))  # their own names
    assert encoder_pairs(hand_written_articles(), VOCABULARY, seed=3) == pairs
    assert encoder_pairs(hand_written_articles(), VOCABULARY, seed=4) != pairs
