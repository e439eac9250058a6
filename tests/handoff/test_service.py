"""The handoff service against a real Redis: atomic claims, de-duplication, the queue."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from handoff import (
    Agent,
    HandoffService,
    InvalidTransition,
    LiveBus,
    Role,
    SessionAlreadyClaimed,
    SessionNotFound,
    SessionNotHeld,
    SessionState,
)

pytestmark = [pytest.mark.integration]
ALEX = Agent("alex", "Alex")
BLAIR = Agent("blair", "Blair")


async def test_exactly_one_of_many_racing_agents_wins_a_claim(handoff: HandoffService) -> None:
    session = await handoff.start_session()
    await handoff.escalate(session.session_id, "customer_request")
    agents = [Agent(f"agent{i}", f"Agent {i}") for i in range(100)]
    results = await asyncio.gather(*(handoff.claim(session.session_id, a) for a in agents), return_exceptions=True)
    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 1
    assert all(isinstance(r, SessionAlreadyClaimed) for r in results if isinstance(r, Exception))
    assert (await handoff.get_session(session.session_id)).agent_id == winners[0].agent_id


async def test_a_message_resent_with_the_same_client_id_is_stored_once(handoff: HandoffService) -> None:
    session = await handoff.start_session()
    first, created = await handoff.append(session.session_id, Role.CUSTOMER, "hi", client_id="c-1")
    again, created_again = await handoff.append(session.session_id, Role.CUSTOMER, "hi", client_id="c-1")
    assert created and not created_again and first.id == again.id
    assert [e.text for e in await handoff.transcript(session.session_id)] == ["hi"]
    assert (await handoff.get_session(session.session_id)).customer_messages == 1


async def test_transcript_can_be_read_after_a_given_message(handoff: HandoffService) -> None:
    sid = (await handoff.start_session()).session_id
    ids = [(await handoff.append(sid, Role.CUSTOMER, f"m{i}"))[0].id for i in range(5)]
    assert [e.text for e in await handoff.transcript(sid, after=ids[2])] == ["m3", "m4"]


async def test_queue_lists_waiting_sessions_oldest_first_with_positions(handoff: HandoffService) -> None:
    sids = [(await handoff.start_session()).session_id for _ in range(3)]
    for sid in sids:
        await handoff.append(sid, Role.CUSTOMER, f"question from {sid[:4]}")
        await handoff.escalate(sid, "customer_request")
    assert [await handoff.queue_position(s) for s in sids] == [1, 2, 3]
    await handoff.claim(sids[0], ALEX)
    queue = await handoff.queue()
    assert [(i.session_id, i.state) for i in queue] == [
        (sids[1], SessionState.QUEUED), (sids[2], SessionState.QUEUED), (sids[0], SessionState.ASSIGNED)]
    assert queue[0].preview == f"question from {sids[1][:4]}"
    assert await handoff.queue_position(sids[2]) == 2


async def test_only_the_holder_may_reply_hand_back_or_transfer(handoff: HandoffService) -> None:
    sid = (await handoff.start_session()).session_id
    with pytest.raises(InvalidTransition):
        await handoff.claim(sid, ALEX)  # not queued yet
    await handoff.escalate(sid, "third_party")
    await handoff.claim(sid, ALEX)
    with pytest.raises(SessionNotHeld):
        await handoff.agent_reply(sid, BLAIR, "hello", "x1")
    with pytest.raises(SessionNotHeld):
        await handoff.hand_back(sid, BLAIR)
    await handoff.transfer(sid, ALEX, BLAIR)
    entry, _ = await handoff.agent_reply(sid, BLAIR, "Blair here", "x2")
    assert entry.agent_name == "Blair"
    back = await handoff.hand_back(sid, BLAIR)
    assert back.state == SessionState.BOT and back.agent_id == ""
    assert (await handoff.transcript(sid))[-1].role == Role.SYSTEM


async def test_closing_reports_the_state_it_ended_in(handoff: HandoffService) -> None:
    sid = (await handoff.start_session()).session_id
    await handoff.escalate(sid, "customer_request")
    closed, previous = await handoff.close(sid)
    assert closed.state == SessionState.CLOSED and previous == SessionState.QUEUED
    assert await handoff.queue() == []
    with pytest.raises(InvalidTransition):
        await handoff.close(sid)
    with pytest.raises(SessionNotFound):
        await handoff.get_session("missing")


async def test_live_events_reach_listeners_on_another_bus(redis: Redis, handoff: HandoffService) -> None:
    other_bus = LiveBus(redis)
    runner = asyncio.create_task(other_bus.run())
    await asyncio.wait_for(other_bus.connected.wait(), 5)
    sid = (await handoff.start_session()).session_id
    received: list[dict[str, object]] = []
    arrived = asyncio.Event()
    other_bus.follow_session(sid, lambda e: (received.append(e), arrived.set()))
    entry, _ = await handoff.append(sid, Role.CUSTOMER, "over the wire")
    await asyncio.wait_for(arrived.wait(), 5)
    assert received == [{"kind": "message", "id": entry.id}]
    runner.cancel()
