"""Which server a conversation goes to, and where it goes when that one is down."""

from __future__ import annotations

from collections import Counter

import pytest

from rasa_bridge.pinning import failover_order, pinned_server

pytestmark = pytest.mark.unit
IDS = [f"session-{n}" for n in range(900)]


def test_a_conversation_is_pinned_to_the_same_server_by_every_process() -> None:
    # Fixed values: gateways of two releases, side by side in a rolling upgrade, must agree.
    assert [pinned_server(f"s-{n}", 3) for n in range(6)] == [0, 2, 1, 2, 0, 1]


def test_conversations_spread_evenly_over_the_servers() -> None:
    for servers in (2, 3, 5):
        counts = Counter(pinned_server(i, servers) for i in IDS)
        assert set(counts) == set(range(servers))
        assert max(counts.values()) < 1.25 * len(IDS) / servers


def test_failover_tries_every_server_once_the_pinned_one_first() -> None:
    for conversation in IDS[:50]:
        order = failover_order(conversation, 4)
        assert order[0] == pinned_server(conversation, 4)
        assert sorted(order) == [0, 1, 2, 3]
        assert order == [(order[0] + step) % 4 for step in range(4)]  # ring order


def test_a_lost_servers_conversations_move_to_the_next_server_and_no_one_else_moves() -> None:
    lost = 1
    for conversation in IDS:
        usable = next(n for n in failover_order(conversation, 3) if n != lost)
        pinned = pinned_server(conversation, 3)
        assert usable == (2 if pinned == lost else pinned)


def test_one_server_takes_everything_and_none_is_an_error() -> None:
    assert {tuple(failover_order(i, 1)) for i in IDS} == {(0,)}
    with pytest.raises(ValueError, match="at least one"):
        pinned_server("s-1", 0)
