"""Automatic assignment: who gets the next chat (pure), and passes against a real Redis."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from handoff import Agent, AssignmentMode, HandoffService, LiveBus, Presence, PresenceRegistry, SessionState
from handoff.assignment import Candidate, choose
from outcomes import EscalationReason

ALEX = Agent("alex", "Alex")
BLAIR = Agent("blair", "Blair")
CASEY = Agent("casey", "Casey")


def candidate(agent: Agent, free: int, last_assigned: float = 0.0) -> Candidate:
    return Candidate(agent, free, last_assigned)


@pytest.mark.unit
def test_the_agent_with_the_most_free_places_gets_the_chat() -> None:
    chosen = choose([candidate(ALEX, 1, 10.0), candidate(BLAIR, 3, 50.0), candidate(CASEY, 2, 0.0)])
    assert chosen is not None and chosen.agent == BLAIR


@pytest.mark.unit
def test_among_equally_free_agents_the_one_who_waited_longest_gets_it() -> None:
    chosen = choose([candidate(ALEX, 2, 30.0), candidate(BLAIR, 2, 20.0), candidate(CASEY, 1, 0.0)])
    assert chosen is not None and chosen.agent == BLAIR
    never = choose([candidate(ALEX, 2, 30.0), candidate(BLAIR, 2, 0.0)])  # never assigned: waited longest
    assert never is not None and never.agent == BLAIR


@pytest.mark.unit
def test_full_agents_and_nobody_get_nothing() -> None:
    assert choose([candidate(ALEX, 0), candidate(BLAIR, 0)]) is None
    assert choose([]) is None


@pytest.mark.unit
def test_an_exact_tie_is_broken_by_id_so_every_gateway_agrees() -> None:
    chosen = choose([candidate(BLAIR, 2, 5.0), candidate(ALEX, 2, 5.0)])
    assert chosen is not None and chosen.agent == ALEX


# --- passes against a real Redis ---------------------------------------------------------------

@pytest.fixture
def auto(redis: Redis, bus: LiveBus, presence: PresenceRegistry) -> HandoffService:
    """Every queue automatic, except ``billing``."""
    modes = {"billing": AssignmentMode.MANUAL}
    return HandoffService(redis, bus, presence, assignment=lambda q: modes.get(q, AssignmentMode.AUTO))


async def online(handoff: HandoffService, agent: Agent, capacity: int = 3) -> None:
    await handoff.presence.heartbeat(agent, Presence.ONLINE, capacity)


async def waiting(handoff: HandoffService, count: int, queue: str = "") -> list[str]:
    ids = []
    for _ in range(count):
        sid = (await handoff.start_session()).session_id
        await handoff.escalate(sid, EscalationReason.CUSTOMER_REQUEST, queue=queue)
        ids.append(sid)
    return ids


async def holders(handoff: HandoffService, session_ids: list[str]) -> list[str]:
    return [s.agent_id for s in await handoff.sessions(session_ids)]


@pytest.mark.integration
async def test_a_pass_gives_the_oldest_chats_to_the_freest_agents_in_turn(auto: HandoffService) -> None:
    await online(auto, ALEX, capacity=3)
    await online(auto, BLAIR, capacity=2)
    sids = await waiting(auto, 6)
    assigned = await auto.assign_waiting()
    # Alex 3 free, Blair 2: Alex; then 2 and 2, Blair waited longer (never): Blair; then Alex, Blair, Alex.
    assert [s.session_id for s in assigned] == sids[:5]
    assert await holders(auto, sids) == ["alex", "blair", "alex", "blair", "alex", ""]
    assert (await auto.get_session(sids[5])).state == SessionState.QUEUED
    assert await auto.queue_position(sids[5]) == 1
    transcript = await auto.transcript(sids[0])
    assert transcript[-1].text == "Alex joined the conversation."


@pytest.mark.integration
async def test_away_agents_and_manual_queues_get_nothing(auto: HandoffService) -> None:
    await online(auto, ALEX)
    await auto.presence.heartbeat(BLAIR, Presence.AWAY, 3)
    manual = await waiting(auto, 1, queue="billing")
    automatic = await waiting(auto, 2)
    await auto.assign_waiting()
    assert await holders(auto, manual + automatic) == ["", "alex", "alex"]
    await auto.presence.disconnected(ALEX, logged_out=True)
    later = await waiting(auto, 1)
    assert await auto.assign_waiting() == []
    assert await holders(auto, later) == [""]
    await auto.claim(manual[0], ALEX, check_capacity=False)  # manual queues are still claimed


@pytest.mark.integration
async def test_passes_racing_on_many_gateways_never_exceed_capacity_or_give_a_chat_twice(
    redis: Redis, auto: HandoffService
) -> None:
    gateways = [HandoffService(redis, LiveBus(redis), PresenceRegistry(redis, LiveBus(redis), ttl_s=30),
                               assignment=lambda q: AssignmentMode.AUTO) for _ in range(4)]
    for agent in (ALEX, BLAIR, CASEY):
        await online(auto, agent, capacity=3)
    sids = await waiting(auto, 20)
    results = await asyncio.gather(*(g.assign_waiting() for g in gateways), auto.assign_waiting())
    given = [s.session_id for result in results for s in result]
    assert sorted(given) == sorted(sids[:9])  # each once, the oldest nine
    loads = {s.id: s.load for s in await auto.presence.statuses()}
    assert loads == {"alex": 3, "blair": 3, "casey": 3}
    assert [await auto.queue_position(s) for s in sids[9:]] == list(range(1, 12))


@pytest.mark.integration
async def test_a_claim_cannot_push_an_agent_over_capacity_even_racing_a_pass(auto: HandoffService) -> None:
    await online(auto, ALEX, capacity=1)
    manual = await waiting(auto, 1, queue="billing")
    await waiting(auto, 1)
    outcomes = await asyncio.gather(auto.assign_waiting(), auto.claim(manual[0], ALEX), return_exceptions=True)
    assert len(await auto.held_by("alex")) == 1, outcomes


@pytest.mark.integration
async def test_the_assigned_event_says_who_assigned_it_and_when_the_chat_was_queued(
    redis: Redis, auto: HandoffService
) -> None:
    listener = LiveBus(redis)
    runner = asyncio.create_task(listener.run())
    await asyncio.wait_for(listener.connected.wait(), 5)
    events: list[dict[str, object]] = []
    arrived = asyncio.Event()
    listener.follow_agents(lambda e: (events.append(e), e.get("state") == "assigned" and arrived.set()))
    await online(auto, ALEX)
    [sid] = await waiting(auto, 1)
    await auto.assign_waiting()
    await asyncio.wait_for(arrived.wait(), 5)
    [event] = [e for e in events if e.get("state") == "assigned"]
    session = await auto.get_session(sid)
    assert (event["assigned_by"], event["agent_id"], event["queued_at"]) == ("auto", "alex", session.queued_at)
    runner.cancel()


@pytest.mark.integration
async def test_a_supervisor_still_assigns_by_hand_and_that_counts_as_the_agents_last_assignment(
    auto: HandoffService
) -> None:
    supervisor = Agent("sam", "Sam", role="supervisor", may_supervise=True)
    await online(auto, ALEX, capacity=1)
    await online(auto, BLAIR, capacity=1)
    first, second = await waiting(auto, 2)
    await auto.transfer(first, supervisor, BLAIR)  # before any pass: Blair's, by hand
    assert (await auto.get_session(first)).agent_id == "blair"
    await auto.assign_waiting()
    assert (await auto.get_session(second)).agent_id == "alex"  # Blair is full
    await online(auto, ALEX, capacity=2)
    await online(auto, BLAIR, capacity=2)
    [third] = await waiting(auto, 1)
    await auto.assign_waiting()  # one free place each: Blair was given a chat first, so waited longer
    assert (await auto.get_session(third)).agent_id == "blair"
    [fourth] = await waiting(auto, 1)
    await online(auto, ALEX, capacity=1)  # full
    assert await auto.assign_waiting() == []
    await auto.transfer(fourth, supervisor, ALEX, "")  # a supervisor may still give him one
    assert sorted(await auto.held_by("alex")) == sorted([second, fourth])
