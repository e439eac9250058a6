"""The BM25 part: exact words and codes, one article at a time."""

from __future__ import annotations

from dataclasses import replace

import pytest

from knowledge_base.lexical import LexicalIndex
from tests.knowledge_base.factories import hand_written_articles, make_article

pytestmark = pytest.mark.unit


@pytest.fixture
def lexical() -> LexicalIndex:
    index = LexicalIndex()
    index.upsert_many(hand_written_articles())
    return index


def test_a_rare_word_finds_its_article(lexical: LexicalIndex) -> None:
    assert lexical.search("pinhole", 3)[0][0] == "hub-reset"
    assert lexical.search("33 cm strip", 1)[0][0] == "strip-cutting"


def test_words_no_article_has_score_nothing(lexical: LexicalIndex) -> None:
    assert lexical.search("zeppelin", 3) == []
    assert set(lexical.scores("zeppelin").values()) == {0.0}


def test_an_edit_and_a_removal_show_at_once(lexical: LexicalIndex) -> None:
    lexical.upsert_many([replace(make_article(), body="Press the recessed reset key for ten seconds.")])
    lexical.remove("strip-cutting")

    assert "hub-reset" not in dict(lexical.search("pinhole", 5))
    assert lexical.search("recessed", 1)[0][0] == "hub-reset"
    assert "strip-cutting" not in lexical.scores("strip")


def test_scores_can_be_asked_for_chosen_articles(lexical: LexicalIndex) -> None:
    scores = lexical.scores("cancel Lumen Plus subscription", ["plus-cancel", "hub-reset", "unknown"])

    assert set(scores) == {"plus-cancel", "hub-reset"}
    assert scores["plus-cancel"] > scores["hub-reset"]
