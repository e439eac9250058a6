"""When a second unclear message in a row goes to a person: the event logic behind it."""

from __future__ import annotations

from typing import Any

import pytest

from actions.knowledge_base_actions import MISUNDERSTOOD_SLOT, misunderstood_just_before

pytestmark = [pytest.mark.unit]


def user(text: str, intent: str = "nlu_fallback") -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


def asked_to_rephrase() -> list[dict[str, Any]]:
    return [{"event": "action", "name": "action_answer_from_kb"}, {"event": "bot", "text": "Sorry..."},
            {"event": "slot", "name": MISUNDERSTOOD_SLOT, "value": True}]


def answered() -> list[dict[str, Any]]:
    return [{"event": "action", "name": "action_answer_from_kb"}, {"event": "bot", "text": "Hold the button..."}]


def test_a_first_unclear_message_is_not_a_repeat() -> None:
    assert not misunderstood_just_before([{"event": "session_started"}, user("blorp")])


def test_an_unclear_message_right_after_a_rephrase_request_is_a_repeat() -> None:
    assert misunderstood_just_before([user("blorp"), *asked_to_rephrase(), user("snorkel")])


def test_an_understood_message_in_between_breaks_the_run() -> None:
    events = [user("blorp"), *asked_to_rephrase(), user("reset my hub", "product_question"), *answered(),
              user("snorkel")]
    assert not misunderstood_just_before(events)


def test_a_slot_reset_to_false_does_not_count() -> None:
    events = [user("blorp"), {"event": "slot", "name": MISUNDERSTOOD_SLOT, "value": False}, user("snorkel")]
    assert not misunderstood_just_before(events)
