"""Reviewed examples in Rasa's YAML: written so Rasa reads them as customers typed them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from retraining.nlu_yaml import (
    REVIEWED_HEADER,
    as_example,
    domain_intents,
    plain_text,
    read_examples,
    remove_example,
    render,
    set_example,
)
from retraining.settings import PROJECT_ROOT

pytestmark = pytest.mark.unit


@pytest.fixture
def reviewed(tmp_path: Path) -> Path:
    path = tmp_path / "nlu_reviewed.yml"
    path.write_text(render({}, REVIEWED_HEADER))
    return path


def test_labelled_texts_become_rasa_nlu_blocks(reviewed: Path) -> None:
    assert set_example(reviewed, "my hub blinks red", "product_question")
    assert set_example(reviewed, "does it work with Sonos", "product_question")
    assert set_example(reviewed, "write me a poem", "out_of_scope")
    data = yaml.safe_load(reviewed.read_text())
    assert data["version"] == "3.1"
    assert data["nlu"] == [
        {"intent": "out_of_scope", "examples": "- write me a poem\n"},
        {"intent": "product_question", "examples": "- my hub blinks red\n- does it work with Sonos\n"},
    ]
    assert "examples: |" in reviewed.read_text()  # Rasa's block style, readable in a diff
    assert reviewed.read_text().startswith(REVIEWED_HEADER)


def test_labelling_again_moves_the_example_and_never_duplicates_it(reviewed: Path) -> None:
    set_example(reviewed, "hello there friend", "greet")
    assert not set_example(reviewed, "hello there friend", "greet")  # same text, same intent: no change
    set_example(reviewed, "Hello  there friend", "greet")  # the same example, differently typed: replaced
    assert read_examples(reviewed) == {"greet": ["Hello there friend"]}
    set_example(reviewed, "hello there friend", "product_question")
    assert read_examples(reviewed) == {"product_question": ["hello there friend"]}
    assert remove_example(reviewed, "hello there friend")
    assert read_examples(reviewed) == {}


def test_customer_text_cannot_smuggle_entity_markup_or_lines(reviewed: Path) -> None:
    set_example(reviewed, "I am [NAME](person) and\n- my [hub]{\"entity\": \"x\"} is\tbroken", "product_question")
    [line] = read_examples(reviewed)["product_question"]
    assert line == plain_text(line)  # nothing Rasa would read as an entity
    assert "\n" not in line and line.startswith("I am [NAME] (person) and - my")
    assert as_example("[NAME]") == "[NAME]"


def test_the_intents_to_label_with_are_the_domains() -> None:
    intents = domain_intents(PROJECT_ROOT / "domain.yml")
    assert {"product_question", "third_party_question", "out_of_scope", "request_human"} <= set(intents)
    assert "nlu_fallback" not in intents


def test_the_shipped_reviewed_file_is_valid_nlu_yaml() -> None:
    data = yaml.safe_load((PROJECT_ROOT / "training_data" / "nlu_reviewed.yml").read_text())
    assert data["version"] == "3.1" and isinstance(data["nlu"], list)
