"""The vocabulary store contract, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from knowledge_base import InvalidVocabulary, Term, TermKind, TermNotFound, Vocabulary
from knowledge_base.store import ArticleStore
from knowledge_base.vocabulary_store import VocabularyStore

pytestmark = pytest.mark.integration

HUB = Term("Lumen Hub", ("bridge", "base station"))
DELIVERY = Term("shipping", ("delivery",), TermKind.WORD)


@pytest.fixture
def vocabulary(engine: Engine) -> VocabularyStore:
    ArticleStore(engine).create_schema()  # an existing knowledge base: the vocabulary table comes later
    vocabulary_store = VocabularyStore(engine)
    vocabulary_store.create_schema()
    return vocabulary_store


def test_a_new_store_is_empty_and_a_replaced_vocabulary_reads_back(vocabulary: VocabularyStore) -> None:
    assert vocabulary.load() == Vocabulary()

    vocabulary.replace(Vocabulary([HUB, DELIVERY]), "cora")

    assert vocabulary.load() == Vocabulary([HUB, DELIVERY])
    assert vocabulary.load().terms[1].kind is TermKind.WORD


def test_put_adds_or_replaces_one_term_by_name_in_any_case(vocabulary: VocabularyStore) -> None:
    vocabulary.put(HUB, "cora")
    vocabulary.put(DELIVERY, "cora")

    vocabulary.put(Term("lumen hub", ("the box",)), "dan")

    assert vocabulary.load() == Vocabulary([Term("lumen hub", ("the box",)), DELIVERY])


def test_a_conflicting_term_is_refused_and_nothing_is_saved(vocabulary: VocabularyStore) -> None:
    vocabulary.replace(Vocabulary([HUB]), "cora")

    with pytest.raises(InvalidVocabulary, match="'Bridge' belongs to both"):
        vocabulary.put(Term("Lumen Strip", ("Bridge",)), "cora")

    assert vocabulary.load() == Vocabulary([HUB])


def test_delete_removes_a_term_and_an_unknown_name_says_so(vocabulary: VocabularyStore) -> None:
    vocabulary.replace(Vocabulary([HUB, DELIVERY]), "cora")

    assert vocabulary.delete("SHIPPING", "cora") == Vocabulary([HUB])
    with pytest.raises(TermNotFound, match="no vocabulary term is named 'shipping'"):
        vocabulary.delete("shipping", "cora")
    assert vocabulary.load() == Vocabulary([HUB])


def test_the_fingerprint_changes_with_every_write(vocabulary: VocabularyStore) -> None:
    seen = [vocabulary.fingerprint()]
    vocabulary.put(HUB, "cora")
    seen.append(vocabulary.fingerprint())
    vocabulary.put(DELIVERY, "cora")
    seen.append(vocabulary.fingerprint())
    vocabulary.delete("shipping", "cora")
    seen.append(vocabulary.fingerprint())

    assert len(set(seen)) == 4
    assert vocabulary.fingerprint() == seen[-1]
