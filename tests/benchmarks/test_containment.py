"""Containment scoring (routing.evaluation) and the benchmark's reading of replies: what counts as right."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.containment import SET_DIR, classify
from routing.evaluation import Case, InvalidSet, Observation, load_half, parse_case, score, verdict

pytestmark = pytest.mark.unit

RESET = Case("a1", "how do i wipe the bridge", "answerable", answer=("hub-reset", "hub-led-colours"))
NETGEAR = Case("b1", "netgear port forwarding", "boundary", escalate=("third_party",),
               pattern="uncovered_third_party")
SMART_PLUG = Case("b2", "do you sell a smart plug", "boundary", escalate=(), pattern="unanswerable_ours")
PERSON = Case("e1", "real person please", "must_escalate", escalate=("customer_request",))


def answer(article: str, ms: float = 100.0) -> Observation:
    return Observation("answer", article=article, latency_ms=ms)


@pytest.mark.parametrize(("seen", "expected"), [
    (answer("hub-reset"), "answered_right"),
    (answer("hub-led-colours"), "answered_right"),
    (answer("bulb-reset"), "wrong"),
    (Observation("clarify", options=["bulb-reset", "hub-reset"]), "clarified_right"),
    (Observation("clarify", options=["bulb-reset"]), "clarified_wrong"),
    (Observation("escalate", reason="third_party"), "false_escalation"),
    (Observation("rephrase"), "rephrase"),
    (Observation("other"), "other"),
])
def test_answer_expectations(seen: Observation, expected: str) -> None:
    assert verdict(RESET, seen) == expected


def test_an_escalation_must_carry_an_acceptable_reason() -> None:
    assert verdict(NETGEAR, Observation("escalate", reason="third_party")) == "escalated_right"
    assert verdict(NETGEAR, Observation("escalate", reason="low_confidence")) == "escalated_wrong_reason"
    assert verdict(NETGEAR, answer("wifi-requirements")) == "not_escalated_answer"
    assert verdict(NETGEAR, Observation("rephrase")) == "not_escalated_rephrase"


def test_an_unanswerable_question_may_escalate_for_any_reason_or_ask_to_rephrase() -> None:
    assert verdict(SMART_PLUG, Observation("escalate", reason="low_confidence")) == "escalated_right"
    assert verdict(SMART_PLUG, Observation("rephrase")) == "escalated_right"
    assert verdict(SMART_PLUG, Observation("clarify", options=["hub-required"])) == "not_escalated_clarify"
    assert verdict(SMART_PLUG, answer("hub-required")) == "not_escalated_answer"


def test_shares_over_each_kind() -> None:
    answerable = [answer("hub-reset", 100), answer("hub-reset", 300), Observation("clarify", options=["hub-reset"]),
                  answer("bulb-reset", 200), Observation("escalate", reason="low_confidence")]
    results = [(RESET, seen) for seen in answerable]
    results += [(NETGEAR, Observation("escalate", reason="third_party")), (SMART_PLUG, answer("hub-required"))]
    results += [(PERSON, Observation("escalate", reason="out_of_scope")), (PERSON, Observation("rephrase"))]
    figures = score(results)
    assert figures["contained_share"] == 0.6
    assert figures["answered_right_share"] == 0.4
    assert figures["clarify_share"] == 0.2
    assert figures["wrong_share"] == 0.2
    assert figures["false_escalation_share"] == 0.2
    assert figures["boundary_accuracy"] == 0.5
    assert figures["boundary_by_pattern"] == {"unanswerable_ours": 0.0, "uncovered_third_party": 1.0}
    assert figures["escalation_share"] == 0.5  # any reason counts as escalated
    assert figures["escalation_reason_right_share"] == 0.0
    assert figures["answer_ms_p50"] == 150.0  # over every direct answer, right or not: 100, 300, 200, 100
    assert (figures["answerable"], figures["boundary"], figures["must_escalate"]) == (5, 2, 2)


def test_no_messages_of_a_kind_gives_null_not_zero() -> None:
    figures = score([(PERSON, Observation("escalate", reason="customer_request"))])
    assert figures["contained_share"] is None
    assert figures["boundary_accuracy"] is None
    assert figures["escalation_share"] == 1.0


def test_classify_reads_the_reply_as_the_widget_shows_it() -> None:
    chooser = {"text": "Which one?", "buttons": [
        {"title": "Reset", "payload": '/choose_article{"article_id": "hub-reset"}'},
        {"title": "None of these", "payload": "/request_human"}]}
    assert classify(chooser, None).options == ["hub-reset"]
    assert classify({"text": "...", "article": {"id": "hub-reset", "title": "t"}}, None).article == "hub-reset"
    assert classify({"text": "Say it again?", "buttons": [{"title": "Person", "payload": "/request_human"}]},
                    None).outcome == "rephrase"
    assert classify({"text": "Connecting you"}, "third_party").reason == "third_party"
    assert classify({"text": "Hi! How can I help?"}, None).outcome == "other"


def test_both_committed_halves_load_and_share_no_message() -> None:
    tuning, reporting = load_half("tuning", SET_DIR), load_half("reporting", SET_DIR)
    assert len(tuning) >= 200 and len(reporting) >= 200
    assert not {c.text for c in tuning} & {c.text for c in reporting}
    for half in (tuning, reporting):
        kinds = {c.kind for c in half}
        assert kinds == {"answerable", "boundary", "must_escalate"}


def test_a_malformed_line_is_refused_with_its_file_and_line(tmp_path: Path) -> None:
    good = {"id": "x", "text": "hi", "kind": "answerable", "expected": {"answer": ["hub-reset"]}, "pattern": None}
    bad = dict(good, id="y", expected={"answer": []})
    (tmp_path / "tuning.jsonl").write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    with pytest.raises(InvalidSet, match=r"tuning.jsonl:2: .*at least one article"):
        load_half("tuning", tmp_path)
    with pytest.raises(InvalidSet, match="pattern"):
        parse_case(json.dumps(dict(good, kind="boundary")), "here:1")
