"""Canned responses as data: stored on both SQL backends, validated with clear reasons, filled for a reply."""

from __future__ import annotations

import pytest

from desk import CannedNotFound, CannedStore, DuplicateShortcut, InvalidCanned, fill

pytestmark = [pytest.mark.integration]


def test_a_supervisor_creates_edits_and_deletes_a_canned_response(canned: CannedStore) -> None:
    made = canned.create("/Thanks", "  Thanks for waiting, {customer_first_name}!  ", "super")
    assert (made.shortcut, made.text, made.updated_by) == ("thanks", "Thanks for waiting, {customer_first_name}!",
                                                            "super")
    canned.create("order", "Could you send me your order number?", "super")
    assert [c.shortcut for c in canned.list()] == ["order", "thanks"]

    edited = canned.update(made.id, "thanks", "Thank you for waiting — {agent_name} here.", "admin")
    assert canned.by_shortcut("/THANKS").text == edited.text and edited.updated_by == "admin"

    canned.delete(made.id)
    assert [c.shortcut for c in canned.list()] == ["order"]
    with pytest.raises(CannedNotFound, match="no canned response /thanks"):
        canned.by_shortcut("thanks")
    with pytest.raises(CannedNotFound):
        canned.delete(made.id)


def test_a_shortcut_is_taken_once_also_by_an_edit(canned: CannedStore) -> None:
    canned.create("thanks", "Thanks!", "super")
    other = canned.create("order", "Your order number?", "super")
    with pytest.raises(DuplicateShortcut, match="/thanks is already taken"):
        canned.create("THANKS", "Thank you!", "super")
    with pytest.raises(DuplicateShortcut):
        canned.update(other.id, "/thanks", "Your order number?", "super")
    assert canned.update(other.id, "order", "Your order number, please?", "super").text == "Your order number, please?"
    assert len(canned.list()) == 2


@pytest.mark.parametrize(("shortcut", "text", "reason"), [
    ("thanks", "   ", "the text cannot be empty"),
    ("", "Thanks", "the shortcut cannot be empty"),
    ("two words", "Thanks", "may only use letters"),
    ("thanks", "Hi {name}!", "unknown placeholder {name}; the placeholders are {customer_first_name}, {agent_name}"),
    ("thanks", "x" * 2001, "longer than 2000"),
])
def test_unusable_responses_are_refused_with_the_reason(canned: CannedStore, shortcut: str, text: str,
                                                         reason: str) -> None:
    with pytest.raises(InvalidCanned, match=reason.replace("{", r"\{").replace("}", r"\}")):
        canned.create(shortcut, text, "super")
    assert canned.list() == []


def test_the_configured_replies_are_the_defaults_only_while_there_are_none(canned: CannedStore) -> None:
    configured = ["Thanks for waiting — I'm looking into it now.", "Thanks for waiting!", " "]
    assert canned.seed(configured) == 2
    assert [(c.shortcut, c.updated_by) for c in canned.list()] == [("thanks-for-waiting", "config"),
                                                                   ("thanks-for-waiting-2", "config")]
    assert canned.seed(["Something else"]) == 0  # the supervisors' list is the truth from now on


@pytest.mark.unit
@pytest.mark.parametrize(("text", "name", "filled"), [
    ("Hi {customer_first_name}, {agent_name} here.", "Dana", "Hi Dana, Alex here."),
    ("Hi {customer_first_name}, {agent_name} here.", None, "Hi, Alex here."),
    ("Thanks, {customer_first_name}!", None, "Thanks!"),
    ("Hello {customer_first_name}", "", "Hello"),
    ("Braces {stay} as typed", None, "Braces {stay} as typed"),
])
def test_placeholders_are_filled_and_a_missing_name_leaves_no_gap(text: str, name: str | None, filled: str) -> None:
    assert fill(text, agent_name="Alex", customer_first_name=name) == filled
