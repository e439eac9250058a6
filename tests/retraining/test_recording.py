"""What the custom actions put in the review queue: unsure messages, and the question behind a handoff."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text

from outcomes import EscalationReason
from retraining.recording import ReviewRecorder
from retraining.review import ReviewFiles, ReviewQueue

pytestmark = pytest.mark.integration


def user(text: str, intent: str, confidence: float, message_id: str,
         ranking: Sequence[tuple[str, float]] = ()) -> dict[str, Any]:
    """A Rasa ``user`` event as the tracker carries it."""
    parse_data = {"text": text, "intent": {"name": intent, "confidence": confidence}, "message_id": message_id,
                  "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking or [(intent, confidence)]]}
    return {"event": "user", "text": text, "parse_data": parse_data, "message_id": message_id}


@dataclass
class Conversation:
    """The shape of rasa_sdk's Tracker the recorder reads, built from Rasa-format events."""

    sender_id: str
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def latest_message(self) -> dict[str, Any]:
        return next(e["parse_data"] for e in reversed(self.events) if e["event"] == "user")


@pytest.fixture
def recorder(review_queue: ReviewQueue) -> ReviewRecorder:
    return ReviewRecorder(review_queue, below_confidence=0.6)


async def test_a_fallback_message_is_queued_with_the_intent_the_nlu_leaned_to(
    recorder: ReviewRecorder, review_queue: ReviewQueue
) -> None:
    chat = Conversation("s1", [user("lumen thingy do the blinky", "nlu_fallback", 0.5, "m1",
                                    [("nlu_fallback", 0.5), ("product_question", 0.38), ("greet", 0.2)])])
    await recorder.note_kb_decision(chat, "clarify")
    [item] = review_queue.items()
    assert (item.text, item.predicted_intent, item.reason) == ("lumen thingy do the blinky", "product_question",
                                                               "nlu_fallback")
    assert item.confidence == pytest.approx(0.38)


async def test_confident_answers_are_not_queued_but_low_confidence_and_missing_answers_are(
    recorder: ReviewRecorder, review_queue: ReviewQueue
) -> None:
    await recorder.note_kb_decision(Conversation("s1", [user("reset my hub", "product_question", 0.97, "m1")]),
                                    "answer")
    await recorder.note_kb_decision(Conversation("s2", [user("hub colour thing", "product_question", 0.55, "m2")]),
                                    "answer")
    await recorder.note_kb_decision(Conversation("s3", [user("warranty of the dimmer", "product_question", 0.9,
                                                             "m3")]), "escalate")
    assert sorted((i.session_id, i.reason) for i in review_queue.items()) == [
        ("s2", "low_confidence"), ("s3", "kb_no_answer")]


async def test_after_that_did_not_help_the_question_before_is_queued(
    recorder: ReviewRecorder, review_queue: ReviewQueue
) -> None:
    chat = Conversation("s1", [user("hi", "greet", 0.99, "m1"),
                               user("my strip flickers when dimmed", "product_question", 0.93, "m2"),
                               user("/request_human", "request_human", 1.0, "m3"),
                               user("no", "deny", 0.98, "m4")])
    await recorder.note_escalation(chat, EscalationReason.NOT_HELPFUL)
    [item] = review_queue.items()
    assert (item.text, item.reason) == ("my strip flickers when dimmed", "escalation:not_helpful")


async def test_a_handoff_queues_the_message_itself_unless_it_only_asked_for_a_person(
    recorder: ReviewRecorder, review_queue: ReviewQueue
) -> None:
    await recorder.note_escalation(Conversation("s1", [user("I want a human", "request_human", 0.99, "m1")]),
                                   EscalationReason.CUSTOMER_REQUEST)
    assert review_queue.items() == []
    await recorder.note_escalation(Conversation("s2", [user("banana bread recipe?", "out_of_scope", 0.95, "m1")]),
                                   EscalationReason.OUT_OF_SCOPE)
    [item] = review_queue.items()
    assert (item.text, item.reason) == ("banana bread recipe?", "escalation:out_of_scope")


async def test_the_routing_decisions_record_is_kept_with_the_item_for_the_admin(
    recorder: ReviewRecorder, review_queue: ReviewQueue
) -> None:
    why = {"rule": "classifier_veto", "step": "hand_over", "reason": "third_party",
           "intents": [["third_party_question", 0.93]], "entities": {"product": [], "brand": ["Sonos"]},
           "candidates": [["hub-offline", 0.41]]}
    chat = Conversation("s1", [user("my sonos speaker drops out", "third_party_question", 0.93, "m1")])
    await recorder.note_escalation(chat, "third_party", why)
    [item] = review_queue.items()
    assert item.as_dict()["why"] == why


def test_a_review_table_made_before_the_why_column_gets_it(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as db:  # the table as it was before the routing decision's record
        db.execute(text("CREATE TABLE nlu_review_items (id INTEGER PRIMARY KEY, message_key VARCHAR(200))"))
    ReviewQueue(engine, None, ReviewFiles(tmp_path / "r.yml", tmp_path / "domain.yml", ())).create_schema()
    assert "why" in {column["name"] for column in inspect(engine).get_columns("nlu_review_items")}
