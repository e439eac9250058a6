"""Inbound frame validation: each kind of bad input has its own clear error code."""

from __future__ import annotations

import pytest
from limits import parse

from bot.ratelimit import FrameBudget, RateLimited
from bot.ws.frames import AGENT_FRAMES, CUSTOMER_FRAMES, AgentMessage, FrameError, Hello, clean_text, parse_frame

pytestmark = [pytest.mark.unit]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{", "invalid_json"),
        ("42", "invalid_frame"),
        ('{"type": 1}', "invalid_frame"),
        ('{"type": "nope"}', "unknown_type"),
        ('{"type": "message", "client_id": "bad id!", "text": "x"}', "invalid_frame"),
        ('{"type": "hello", "last_message_id": "not-an-id"}', "invalid_frame"),
        ('{"type": "rate", "score": 9}', "invalid_frame"),
        ('{"type": "hello", "x": "' + "y" * 70_000 + '"}', "text_too_long"),
    ],
)
def test_bad_customer_frames(raw: str, code: str) -> None:
    with pytest.raises(FrameError) as caught:
        parse_frame(CUSTOMER_FRAMES, raw, 64 * 1024)
    assert caught.value.code == code and caught.value.detail


def test_good_frames_parse() -> None:
    assert parse_frame(CUSTOMER_FRAMES, '{"type": "hello"}', 1024) == Hello(type="hello")
    frame = parse_frame(AGENT_FRAMES, '{"type":"message","session_id":"ab12","client_id":"c1","text":"hi"}', 1024)
    assert isinstance(frame, AgentMessage) and not frame.internal


def test_text_is_trimmed_and_bounded() -> None:
    assert clean_text("  hi \n", 10) == "hi"
    with pytest.raises(FrameError, match="empty"):
        clean_text(" \t ", 10)
    with pytest.raises(FrameError) as caught:
        clean_text("x" * 11, 10)
    assert caught.value.code == "text_too_long"


@pytest.mark.parametrize(
    ("raw", "ref"),
    [
        ('{"type": "message", "client_id": "c-7", "text": 5}', "c-7"),
        ('{"type": "contact", "client_id": "c-8", "contact": "not an address", "text": "help"}', "c-8"),
        ('{"type": "message", "client_id": "bad id!", "text": "x"}', "bad id!"),  # what the client sent
        ('{"type": "nope", "client_id": "c-9"}', "c-9"),
        ('{"type": "message", "text": "no id"}', None),
        ('{"type": "message", "client_id": "' + "x" * 65 + '", "text": "x"}', None),
    ],
)
def test_a_refused_frame_names_its_client_id(raw: str, ref: str | None) -> None:
    with pytest.raises(FrameError) as caught:
        parse_frame(CUSTOMER_FRAMES, raw, 64 * 1024)
    assert caught.value.ref == ref


def test_a_socket_may_send_its_frame_budget_per_moving_window() -> None:
    now = [0.0]
    budget = FrameBudget(parse("3/5seconds"), clock=lambda: now[0])
    for t in (0.0, 1.0, 2.0):
        now[0] = t
        budget.hit()
    now[0] = 4.9
    with pytest.raises(RateLimited, match="frames on this connection"):
        budget.hit()  # refused frames do not count
    now[0] = 5.0  # the first frame has left the window
    budget.hit()
    with pytest.raises(RateLimited):
        budget.hit()


def test_a_resolve_may_say_the_handover_was_ours() -> None:
    ours = parse_frame(AGENT_FRAMES, '{"type": "resolve", "session_id": "ab12", "ours": true}', 1024)
    plain = parse_frame(AGENT_FRAMES, '{"type": "resolve", "session_id": "ab12"}', 1024)
    assert getattr(ours, "ours", None) is True and getattr(plain, "ours", None) is False
    with pytest.raises(FrameError) as caught:
        parse_frame(AGENT_FRAMES, '{"type": "resolve", "session_id": "ab12", "ours": "maybe"}', 1024)
    assert caught.value.code == "invalid_frame"
