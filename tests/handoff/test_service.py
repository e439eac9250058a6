"""The handoff service against a real Redis: atomic claims, de-duplication, the queue."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest
from redis.asyncio import Redis

from handoff import (
    Agent,
    AgentAtCapacity,
    AgentUnavailable,
    HandoffService,
    InvalidTransition,
    LiveBus,
    Presence,
    PresenceRegistry,
    Role,
    SessionAlreadyClaimed,
    SessionNotFound,
    SessionNotHeld,
    SessionState,
    event_entry,
)
from outcomes import EscalationReason

pytestmark = [pytest.mark.integration]
ALEX = Agent("alex", "Alex")
BLAIR = Agent("blair", "Blair")


async def online(handoff: HandoffService, agent: Agent, capacity: int = 3) -> None:
    await handoff.presence.heartbeat(agent, Presence.ONLINE, capacity)


@pytest.fixture
async def agents_online(handoff: HandoffService) -> None:
    await online(handoff, ALEX)
    await online(handoff, BLAIR)


@pytest.mark.usefixtures("agents_online")
async def test_exactly_one_of_many_racing_agents_wins_a_claim(handoff: HandoffService) -> None:
    session = await handoff.start_session()
    await handoff.escalate(session.session_id, EscalationReason.CUSTOMER_REQUEST)
    agents = [Agent(f"agent{i}", f"Agent {i}") for i in range(100)]
    await asyncio.gather(*(online(handoff, a) for a in agents))
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


@pytest.mark.usefixtures("agents_online")
async def test_queue_lists_waiting_sessions_oldest_first_with_positions(handoff: HandoffService) -> None:
    sids = [(await handoff.start_session()).session_id for _ in range(3)]
    for sid in sids:
        await handoff.append(sid, Role.CUSTOMER, f"question from {sid[:4]}")
        await handoff.escalate(sid, EscalationReason.CUSTOMER_REQUEST)
    assert [await handoff.queue_position(s) for s in sids] == [1, 2, 3]
    await handoff.claim(sids[0], ALEX)
    queue = await handoff.queue()
    assert [(i.session_id, i.state) for i in queue] == [
        (sids[1], SessionState.QUEUED), (sids[2], SessionState.QUEUED), (sids[0], SessionState.ASSIGNED)]
    assert queue[0].preview == f"question from {sids[1][:4]}"
    assert await handoff.queue_position(sids[2]) == 2


@pytest.mark.usefixtures("agents_online")
async def test_only_the_holder_may_reply_hand_back_or_transfer(handoff: HandoffService) -> None:
    sid = (await handoff.start_session()).session_id
    with pytest.raises(InvalidTransition):
        await handoff.claim(sid, ALEX)  # not queued yet
    await handoff.escalate(sid, EscalationReason.THIRD_PARTY)
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
    await handoff.escalate(sid, EscalationReason.CUSTOMER_REQUEST)
    closed, previous = await handoff.close(sid)
    assert closed.state == SessionState.CLOSED and previous == SessionState.QUEUED
    assert await handoff.queue() == []
    with pytest.raises(InvalidTransition):
        await handoff.close(sid)
    with pytest.raises(SessionNotFound):
        await handoff.get_session("missing")


async def test_message_events_reach_another_bus_carrying_the_entry_and_the_one_before(
    redis: Redis, handoff: HandoffService
) -> None:
    other_bus = LiveBus(redis)
    runner = asyncio.create_task(other_bus.run())
    await asyncio.wait_for(other_bus.connected.wait(), 5)
    sid = (await handoff.start_session()).session_id
    received: list[dict[str, Any]] = []
    two_arrived = asyncio.Event()
    other_bus.follow_session(sid, lambda e: (received.append(e), len(received) == 2 and two_arrived.set()))
    first, _ = await handoff.append(sid, Role.CUSTOMER, "over the wire", client_id="c-1")
    second, _ = await handoff.append(sid, Role.AGENT, "and back", agent_name="Alex", internal=True)
    await handoff.append(sid, Role.CUSTOMER, "over the wire", client_id="c-1")  # a re-send: no event
    await asyncio.wait_for(two_arrived.wait(), 5)
    assert [(e["kind"], e["id"], e["prev"]) for e in received] == [
        ("message", first.id, ""), ("message", second.id, first.id)]
    assert [event_entry(sid, e) for e in received] == [first, second]
    runner.cancel()


@pytest.mark.usefixtures("agents_online")
async def test_agents_cannot_claim_beyond_capacity_or_while_away(handoff: HandoffService) -> None:
    sids = [(await handoff.start_session()).session_id for _ in range(3)]
    for sid in sids:
        await handoff.escalate(sid, EscalationReason.CUSTOMER_REQUEST)
    await online(handoff, ALEX, capacity=1)
    await handoff.claim(sids[0], ALEX)
    with pytest.raises(AgentAtCapacity):
        await handoff.claim(sids[1], ALEX)
    await handoff.presence.heartbeat(BLAIR, Presence.AWAY, 3)
    with pytest.raises(AgentAtCapacity):
        await handoff.claim(sids[1], BLAIR)
    loads = {s.id: (s.presence, s.load) for s in await handoff.presence.statuses()}
    assert loads == {"alex": (Presence.ONLINE, 1), "blair": (Presence.AWAY, 0)}


async def test_a_lost_agents_chats_go_to_the_front_of_the_queue_after_the_grace_period(
    redis: Redis, bus: LiveBus
) -> None:
    now = [1000.0]
    presence = PresenceRegistry(redis, bus, ttl_s=30, clock=lambda: now[0])
    handoff = HandoffService(redis, bus, presence, clock=lambda: now[0])
    await presence.heartbeat(ALEX, Presence.ONLINE, 3)
    held, waiting = (await handoff.start_session()).session_id, (await handoff.start_session()).session_id
    await handoff.escalate(held, EscalationReason.CUSTOMER_REQUEST)
    await handoff.claim(held, ALEX)
    now[0] += 1
    await handoff.escalate(waiting, EscalationReason.THIRD_PARTY)
    await presence.disconnected(ALEX, logged_out=False)
    now[0] += 10
    assert await handoff.requeue_lost_agents(grace_s=30) == 0  # still within the grace period
    now[0] += 30
    assert await handoff.requeue_lost_agents(grace_s=30) == 1
    assert [i.session_id for i in await handoff.queue()] == [held, waiting]
    assert (await handoff.transcript(held))[-1].text.startswith("Your agent was disconnected")
    assert {s.id: s.load for s in await presence.statuses()} == {"alex": 0}


async def test_no_agent_online_makes_an_offline_ticket_with_a_contact(redis: Redis, bus: LiveBus) -> None:
    handoff = HandoffService(redis, bus, PresenceRegistry(redis, bus, ttl_s=30))
    sid = (await handoff.start_session()).session_id
    session = await handoff.escalate(sid, EscalationReason.CUSTOMER_REQUEST)
    assert session.offline
    await handoff.leave_contact(sid, "bob@example.com", "my hub is amber", "c-9")
    [item] = await handoff.queue()
    assert (item.offline, item.contact, item.preview) == (True, "bob@example.com", "my hub is amber")
    assert sid not in await handoff.idle_sessions(idle_for_s=-1000)  # tickets wait for an agent


async def test_outside_business_hours_escalations_are_offline(redis: Redis, bus: LiveBus) -> None:
    presence = PresenceRegistry(redis, bus, ttl_s=30)
    await presence.heartbeat(ALEX, Presence.ONLINE, 3)
    handoff = HandoffService(redis, bus, presence, is_open=lambda: False)
    sid = (await handoff.start_session()).session_id
    assert (await handoff.escalate(sid, EscalationReason.CUSTOMER_REQUEST)).offline


async def test_a_waiting_customer_can_go_back_to_the_bot(handoff: HandoffService) -> None:
    sid = (await handoff.start_session()).session_id
    await handoff.escalate(sid, EscalationReason.CUSTOMER_REQUEST)
    back = await handoff.cancel_escalation(sid)
    assert back.state == SessionState.BOT and await handoff.queue() == []
    with pytest.raises(InvalidTransition):
        await handoff.cancel_escalation(sid)


async def test_wait_estimate_grows_with_position_and_uses_recent_waits(redis: Redis, bus: LiveBus) -> None:
    now = [0.0]
    presence = PresenceRegistry(redis, bus, ttl_s=1e9, clock=lambda: now[0])
    handoff = HandoffService(redis, bus, presence, clock=lambda: now[0])
    await presence.heartbeat(ALEX, Presence.ONLINE, 50)
    for _ in range(3):  # three customers who each waited 20 s
        sid = (await handoff.start_session()).session_id
        await handoff.escalate(sid, EscalationReason.CUSTOMER_REQUEST)
        now[0] += 20
        await handoff.claim(sid, ALEX)
    first, second = (await handoff.start_session()).session_id, (await handoff.start_session()).session_id
    await handoff.escalate(first, EscalationReason.CUSTOMER_REQUEST)
    await handoff.escalate(second, EscalationReason.CUSTOMER_REQUEST)
    assert await handoff.wait_estimate(first) == (1, 20.0)
    assert await handoff.wait_estimate(second) == (2, 40.0)


@pytest.mark.usefixtures("agents_online")
async def test_supervisor_assigns_a_waiting_session_and_agents_transfer_between_queues(
    handoff: HandoffService,
) -> None:
    sid = (await handoff.start_session()).session_id
    await handoff.escalate(sid, EscalationReason.CUSTOMER_REQUEST)
    assert (await handoff.get_session(sid)).queue == "general"
    supervisor = Agent("sam", "Sam", role="supervisor", may_supervise=True)
    assigned = await handoff.transfer(sid, supervisor, ALEX)
    assert (assigned.state, assigned.agent_id) == (SessionState.ASSIGNED, "alex")
    moved = await handoff.transfer(sid, ALEX, None, "billing")
    assert (moved.state, moved.queue) == (SessionState.QUEUED, "billing")
    with pytest.raises(InvalidTransition):
        await handoff.transfer(sid, BLAIR, ALEX)  # an agent cannot move a waiting session


@pytest.mark.usefixtures("agents_online")
async def test_a_customer_message_reports_the_state_it_was_stored_in(handoff: HandoffService) -> None:
    sid = (await handoff.start_session()).session_id
    assert (await handoff.customer_message(sid, "hi", "c-1")).state == SessionState.BOT
    await handoff.escalate(sid, EscalationReason.CUSTOMER_REQUEST)
    await handoff.claim(sid, ALEX)
    stored = await handoff.customer_message(sid, "are you there?", "c-2")
    assert (stored.created, stored.state) == (True, SessionState.ASSIGNED)  # the bot stays out
    again = await handoff.customer_message(sid, "are you there?", "c-2")
    assert (again.created, again.entry.id) == (False, stored.entry.id)
    with pytest.raises(SessionNotFound):
        await handoff.customer_message("missing", "hello?", "c-3")


@pytest.mark.usefixtures("agents_online")
async def test_the_first_agent_reply_time_is_set_by_the_first_reply_not_by_a_note(redis: Redis, bus: LiveBus) -> None:
    now = [100.0]
    handoff = HandoffService(redis, bus, PresenceRegistry(redis, bus, ttl_s=30), clock=lambda: now[0])
    sid = (await handoff.start_session()).session_id
    await handoff.escalate(sid, EscalationReason.CUSTOMER_REQUEST)
    await handoff.claim(sid, ALEX)
    now[0] = 110.0
    await handoff.agent_reply(sid, ALEX, "checking their order", "n-1", internal=True)
    assert (await handoff.get_session(sid)).first_agent_reply_at is None
    now[0] = 120.0
    await handoff.agent_reply(sid, ALEX, "Hello!", "r-1")
    now[0] = 130.0
    await handoff.agent_reply(sid, ALEX, "Anything else?", "r-2")
    assert (await handoff.get_session(sid)).first_agent_reply_at == 120.0


async def test_idle_sessions_are_judged_by_their_last_message(redis: Redis, bus: LiveBus) -> None:
    now = [1000.0]
    handoff = HandoffService(redis, bus, PresenceRegistry(redis, bus, ttl_s=30), clock=lambda: now[0])
    quiet, chatty = (await handoff.start_session()).session_id, (await handoff.start_session()).session_id
    now[0] += 50
    await handoff.append(chatty, Role.CUSTOMER, "still here")
    now[0] += 20
    assert await handoff.idle_sessions(idle_for_s=60) == [quiet]
    now[0] += 50
    assert sorted(await handoff.idle_sessions(idle_for_s=60)) == sorted([quiet, chatty])


@pytest.mark.usefixtures("agents_online")
async def test_transfers_to_an_agent_who_cannot_take_the_chat_are_refused(handoff: HandoffService) -> None:
    supervisor = Agent("sam", "Sam", role="supervisor", may_supervise=True)
    sids = [(await handoff.start_session()).session_id for _ in range(3)]
    for sid in sids:
        await handoff.escalate(sid, EscalationReason.CUSTOMER_REQUEST)
        await handoff.claim(sid, ALEX)
    await online(handoff, BLAIR, capacity=1)
    await handoff.transfer(sids[0], ALEX, BLAIR)
    with pytest.raises(AgentUnavailable, match="Blair already has 1 of 1 chats"):
        await handoff.transfer(sids[1], ALEX, BLAIR)
    await handoff.transfer(sids[1], supervisor, BLAIR)  # a supervisor may give them one more
    await handoff.presence.heartbeat(BLAIR, Presence.AWAY, 5)
    with pytest.raises(AgentUnavailable, match="Blair is away"):
        await handoff.transfer(sids[2], ALEX, BLAIR)
    await handoff.presence.disconnected(BLAIR, logged_out=True)
    for who in (ALEX, supervisor):  # nobody: the chat would bounce back to the queue
        with pytest.raises(AgentUnavailable, match="Blair is offline"):
            await handoff.transfer(sids[2], who, BLAIR)
    assert (await handoff.get_session(sids[2])).agent_id == ALEX.id


async def test_queue_items_give_queued_at_in_iso_8601_utc(handoff: HandoffService) -> None:
    sid = (await handoff.start_session()).session_id
    await handoff.escalate(sid, EscalationReason.CUSTOMER_REQUEST)
    [item] = await handoff.queue()
    queued_at = item.as_dict()["queued_at"]
    assert queued_at.endswith("+00:00")
    assert datetime.fromisoformat(queued_at).timestamp() == pytest.approx(item.queued_at)


@pytest.mark.usefixtures("agents_online")
async def test_labels_stay_on_a_waiting_or_held_session_and_show_in_the_queue(handoff: HandoffService) -> None:
    sid = (await handoff.start_session()).session_id
    with pytest.raises(InvalidTransition, match="cannot label"):
        await handoff.set_labels(sid, ("refund",))  # with the bot: not a handoff yet
    await handoff.escalate(sid, EscalationReason.CUSTOMER_REQUEST)
    await handoff.set_labels(sid, ("refund",))
    await handoff.claim(sid, ALEX)
    labelled = await handoff.set_labels(sid, ("refund", "vip"))
    assert labelled.labels == ("refund", "vip") and labelled.state == SessionState.ASSIGNED
    assert [item.labels for item in await handoff.queue() if item.session_id == sid] == [("refund", "vip")]
    assert [item.as_dict()["labels"] for item in await handoff.queue()] == [["refund", "vip"]]
    closed, _ = await handoff.close(sid)
    assert closed.labels == ("refund", "vip")  # the closer hands them to the outcome record
    with pytest.raises(InvalidTransition):
        await handoff.set_labels(sid, ())


@pytest.mark.usefixtures("agents_online")
async def test_the_articles_agents_answered_from_are_kept_once_each(handoff: HandoffService) -> None:
    sid = (await handoff.start_session()).session_id
    await handoff.escalate(sid, EscalationReason.LOW_CONFIDENCE)
    await handoff.claim(sid, ALEX)
    for article in ("hub-reset", "hub-wifi", "hub-reset"):
        await handoff.note_agent_article(sid, article)
    assert (await handoff.get_session(sid)).agent_articles == ("hub-reset", "hub-wifi")
