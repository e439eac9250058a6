"""The customers' vocabulary: finding synonyms in questions, its rules, and its file forms."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from knowledge_base import InvalidVocabulary, Term, TermKind, Vocabulary
from knowledge_base.vocabulary import rasa_nlu_yaml, read_vocabulary, vocabulary_yaml, write_rasa_nlu

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "knowledge_base" / "demo" / "vocabulary.yml"


@pytest.fixture
def vocabulary() -> Vocabulary:
    return Vocabulary([
        Term("Lumen Hub", ("hub", "bridge", "base station")),
        Term("Lumen Home", ("Lumen",)),
        Term("shipping", ("delivery",), TermKind.WORD),
    ])


def test_a_synonym_adds_the_canonical_name_to_the_query(vocabulary: Vocabulary) -> None:
    expansion = vocabulary.expand("My Base  Station blinks and the delivery is late")

    assert expansion.query.text == "My Base  Station blinks and the delivery is late"
    assert expansion.query.variants == ("My Lumen Hub blinks and the shipping is late",)
    assert expansion.query.words.endswith("Lumen Hub shipping")
    assert [(m.phrase, m.term) for m in expansion.matches] == [("Base  Station", "Lumen Hub"), ("delivery", "shipping")]


def test_canonical_names_whole_words_and_plain_questions_are_left_alone(vocabulary: Vocabulary) -> None:
    assert vocabulary.expand("Is the Lumen Hub a Matter bridge?").matches[0].phrase == "bridge"  # not "Lumen"
    assert vocabulary.expand("the hubcap of my car").query.variants == ()
    plain = vocabulary.expand("How do I reset it?")
    assert plain.query.texts == ["How do I reset it?"] and plain.query.words == "How do I reset it?"
    assert Vocabulary().expand("bridge").matches == ()


def test_a_phrase_two_terms_claim_is_refused_with_both_names() -> None:
    with pytest.raises(InvalidVocabulary, match="'Bridge' belongs to both 'Lumen Hub' and 'Lumen Strip'"):
        Vocabulary([Term("Lumen Hub", ("bridge",)), Term("Lumen Strip", ("Bridge",))])


@pytest.mark.parametrize(("term", "problem"), [
    (lambda: Term("", ("x",)), "needs a name"),
    (lambda: Term("Lumen Hub", ()), "at least one synonym"),
    (lambda: Term("Lumen Hub", ("lumen  hub",)), "is the name itself"),
    (lambda: Term("Lumen Hub", ("x" * 101,)), "1 to 100 characters"),
    (lambda: Term("Lumen Hub", ("x",), "gadget"), "kind must be one of"),  # type: ignore[arg-type]
])
def test_a_term_that_breaks_a_rule_says_what_to_fix(term: object, problem: str) -> None:
    with pytest.raises(InvalidVocabulary, match=problem):
        term()  # type: ignore[operator]


def test_the_file_form_reads_back_unchanged_and_bad_files_say_why(vocabulary: Vocabulary) -> None:
    assert read_vocabulary(vocabulary_yaml(vocabulary)) == vocabulary
    with pytest.raises(InvalidVocabulary, match="terms:"):
        read_vocabulary("- just a list")
    with pytest.raises(InvalidVocabulary, match="synonyms must be a list"):
        read_vocabulary("terms: [{name: Lumen Hub, synonyms: bridge}]")


def test_rasa_gets_the_product_terms_as_lookup_table_and_synonyms(vocabulary: Vocabulary, tmp_path: Path) -> None:
    nlu = yaml.safe_load(rasa_nlu_yaml(vocabulary))["nlu"]

    synonyms = {entry["synonym"]: entry["examples"] for entry in nlu if "synonym" in entry}
    lookup = next(entry for entry in nlu if entry.get("lookup") == "product")["examples"].splitlines()
    assert synonyms == {"Lumen Home": "- Lumen\n", "Lumen Hub": "- hub\n- bridge\n- base station\n"}
    assert lookup == ["- base station", "- Lumen Home", "- Lumen Hub", "- bridge", "- Lumen", "- hub"]  # longest first
    path = tmp_path / "vocabulary.yml"
    assert write_rasa_nlu(path, vocabulary) and not write_rasa_nlu(path, vocabulary)


def test_the_committed_rasa_file_is_the_demo_vocabulary() -> None:
    """training_data/vocabulary.yml must be regenerated when the demo's vocabulary changes."""
    demo = read_vocabulary(DEMO.read_text())

    assert (ROOT / "training_data" / "vocabulary.yml").read_text() == rasa_nlu_yaml(demo)
    assert {"Lumen bridge", "base station"} <= set(next(t for t in demo.terms if t.name == "Lumen Hub").synonyms)
