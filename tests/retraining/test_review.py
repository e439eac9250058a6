"""The review queue on SQLite and PostgreSQL: stored redacted, labelled into the reviewed file."""

from __future__ import annotations

import pytest

from retraining.errors import ExampleConflict, UnknownIntent, UnknownReviewItem
from retraining.nlu_yaml import read_examples
from retraining.review import Observation, ReviewQueue, ReviewStatus

pytestmark = pytest.mark.integration


def observe(queue: ReviewQueue, text: str, key: str, reason: str = "nlu_fallback", session: str = "s1") -> int:
    queue.add(Observation(session_id=session, message_key=f"{session}:{key}", text=text, intent="out_of_scope",
                          confidence=0.41, reason=reason))
    return next(item.id for item in queue.items(None) if item.text.endswith(text[-8:]))


def test_messages_are_stored_redacted_once_newest_first(review_queue: ReviewQueue) -> None:
    observe(review_queue, "my hub blinks red", "m1")
    observe(review_queue, "I am Jane Doe and my strip flickers", "m2")
    observe(review_queue, "I am Jane Doe and my strip flickers", "m2", reason="escalation:not_helpful")
    items = review_queue.items()
    assert [i.text for i in items] == ["I am [NAME] and my strip flickers", "my hub blinks red"]
    assert items[0].reason == "escalation:not_helpful"  # seen again: the later reason, still one item
    assert items[0].as_dict()["confidence"] == 0.41
    assert review_queue.counts() == {"pending": 2, "labelled": 0, "kb_gap": 0, "dismissed": 0}


def test_a_label_writes_the_example_and_a_dismissal_takes_it_back(review_queue: ReviewQueue) -> None:
    item_id = observe(review_queue, "can the bulbs sync to my music", "m1")
    item = review_queue.label(item_id, "product_question", "ada")
    assert (item.status, item.label, item.reviewed_by) == ("labelled", "product_question", "ada")
    reviewed = review_queue.files.reviewed_file
    assert read_examples(reviewed) == {"product_question": ["can the bulbs sync to my music"]}
    review_queue.dismiss(item_id, "ada")
    assert read_examples(reviewed) == {}
    assert review_queue.items(ReviewStatus.DISMISSED)[0].id == item_id


def test_a_knowledge_base_gap_is_kept_apart_without_a_training_example(review_queue: ReviewQueue) -> None:
    item_id = observe(review_queue, "what is the warranty on the dimmer", "m1")
    review_queue.mark_kb_gap(item_id, "cora")
    assert review_queue.items(ReviewStatus.KB_GAP)[0].id == item_id
    assert read_examples(review_queue.files.reviewed_file) == {}


def test_labels_must_be_domain_intents_and_must_not_contradict_the_training_data(review_queue: ReviewQueue) -> None:
    item_id = observe(review_queue, "hello", "m1")  # nlu.yml has "hello" as greet
    with pytest.raises(UnknownIntent, match="use one of: affirm"):
        review_queue.label(item_id, "smalltalk", "ada")
    with pytest.raises(ExampleConflict, match=r"intent 'greet' in nlu\.yml"):
        review_queue.label(item_id, "product_question", "ada")
    assert review_queue.label(item_id, "greet", "ada").status == "labelled"  # already there: no second copy
    assert read_examples(review_queue.files.reviewed_file) == {}
    with pytest.raises(UnknownReviewItem):
        review_queue.label(999_999, "greet", "ada")


def test_a_forgotten_conversation_leaves_nothing_behind(review_queue: ReviewQueue) -> None:
    observe(review_queue, "my address is 1 Main St", "m1", session="gone")
    observe(review_queue, "my hub blinks", "m2", session="kept")
    assert review_queue.forget_session("gone") == 1
    assert [i.session_id for i in review_queue.items(None)] == ["kept"]
