"""Simulated month: thousands of scripted conversations through the running system, then the
service report compared with the ground truth of the scripts.

Starts Redis (the machine's, on a database of its own, or an embedded one), the trained Rasa
server and a gateway, exactly as the integration tests do. It then scripts a month of
conversations with known outcomes -- product questions the knowledge base answers (the customer
ends the chat, confirms, or just leaves), answers that did not help, requests for a person,
questions about other companies' products and off-topic ones, questions the knowledge base cannot
answer, customers who leave while queued or before an agent resolves, greetings only -- and
ratings with comments. Every conversation runs over the real customer WebSocket, through Rasa and
the knowledge base, with simulated agents on the real agent WebSocket who claim, reply and
resolve. Customers who leave are closed by the gateway's own idle sweep.

Simulated time: a month cannot take a month. Each conversation runs in real time (so every
response time, queue wait and handling time is measured by the system itself), and the benchmark
puts the start time it simulates for that session in Redis (``tandem:simulated-start:<id>``).
The gateway runs with ``TANDEM_SIMULATED_TIMES=1``, so its closer shifts that session's record to
the simulated start through the same recorder code path; durations are unchanged.

Three tallies of the same month are kept apart. The *script* is what each conversation was meant
to be (its scenario's outcome, reason and rating). What the customers *saw* is recorded by the
simulated customers and agents themselves as each conversation runs: whether the bot answered
from an article, the reason on the first ``queued`` state the widget got, whether an agent took
the chat (``claimed``) and resolved it (the customer then got ``ended``), and the rating the
server acknowledged; the outcome follows from those by docs/metrics.md's definitions. The
*report* is the service report for the simulated month, fetched from the API (JSON, and HTML,
PDF and CSV into ``results/simulated_month/``). It prints one JSON line with two comparisons:

- ``report_error``: the report against what the customers saw. It must be 0: anything else means
  the records or the report miscount what happened.
- ``bot_deviation``: what the customers saw against the script, i.e. how far the bot's
  understanding strayed from what each scripted message was meant to get (e.g. a product question
  escalated as third-party, after which the customer left). ``bot_deviation_rate`` is the same
  over the rates alone (resolution rate, containment, CSAT).

Each is the largest absolute difference over every count (conversations, ratings, each outcome,
each escalation reason) and rate (resolution rate, containment, CSAT) compared. The line also
has the report's figures beside both tallies, and stderr lists the first conversations whose
record differs from what was seen, then those whose course differs from the script.

Run: ``.venv/bin/python benchmarks/simulated_month.py [--conversations 5000] [--concurrency 24]``;
``--quick`` is 400 conversations; ``--probe`` instead sends every scripted phrase once and prints
what the bot did with it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import shutil
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import redis as redis_sync
from redis.asyncio import Redis
from sqlalchemy import create_engine, func, select, text
from websockets.asyncio.client import ClientConnection, connect

from bot.closing import SIMULATED_START
from bot.core.security import Principal, StaffRole, TokenSigner
from bot.processes import free_port
from outcomes import ConversationRecord, EscalationReason, Outcome, Period
from outcomes.metrics import rate
from tests.support import system as support
from tests.support.clients import CustomerClient

RESULTS = Path(__file__).resolve().parents[1] / "results" / "simulated_month"
IDLE_TIMEOUT_S = 45  # customers who leave are closed by the idle sweep after this long
AGENTS = 4
REPLY_TIMEOUT_S = 60.0
ESCALATION_GRACE_S = 5.0  # after a reply without an article: how long to wait for a queued state

# Phrasings the bot is meant to handle as scripted (check them with --probe after NLU changes).
PRODUCT_QUESTIONS = {  # question -> the product it is about (an article answers each)
    "How do I factory reset my Lumen Hub?": "Lumen Hub",
    "How long does shipping take?": "shipping",
    "How long is the warranty on Lumen products?": "warranty",
    "Where can I cut the light strip?": "Lumen Strip",
    "My bulb keeps flickering, what can I do?": "Lumen Bulb",
    "How do I connect the hub to a new wifi network?": "Lumen Hub",
    "How do I set up the motion sensor?": "Lumen Motion Sensor",
    "How do I change my account password?": "account",
    "How much does Lumen Plus cost?": "Lumen Plus",
    "How do I return a product?": "returns",
}
UNANSWERABLE = [  # about our products, but no article covers them: low_confidence
    "Do Lumen bulbs interfere with ham radio equipment?",
    "Will Lumen lights disturb my amateur radio reception?",
    "Is the Lumen Hub certified for use in hospitals?",
    "Do you offer bulk discounts for schools?",
    "Is there volume pricing for a school order?",
]
HUMAN = ["I'd like to speak to a human please", "Can I talk to a real person?", "get me an agent please"]
THIRD_PARTY = ["How do I reset my iPhone to factory settings?", "My Samsung TV won't connect to wifi",
               "How do I cancel my Netflix subscription?"]
OFF_TOPIC = ["What's a good recipe for banana bread?", "Who won the football game last night?",
             "Tell me a joke about cats"]
GREETINGS = ["hi", "hello there", "good morning"]
CONFIRM = "yes, that solved it"
DENY = "no, that didn't help"
FOLLOW_UP = "Could you check the status of my order please?"
AGENT_LINES = ["Hi, I'm looking into it now.", "Thanks for waiting, I've checked it for you.",
               "That's sorted now. Anything else?"]
COMMENTS = {
    5: ["Quick and helpful, thanks!", "Great service", "Exactly what I needed"],
    4: ["Good, took a moment", "Helpful answer", "Fine, thank you"],
    3: ["OK I guess", "Took a while to get there"],
    2: ["Not very helpful", "Too slow"],
    1: ["Nobody helped me", "Waste of time. Email me at angry.customer@example.com"],
}


@dataclass(frozen=True)
class Scenario:
    """One kind of scripted conversation and the outcome it must get."""

    name: str
    weight: int
    outcome: Outcome
    reason: EscalationReason | None = None
    agent: bool = False  # an agent takes the conversation
    leave: str = "end"  # end | close (the customer goes without a word) | agent (an agent resolves)
    rated: float = 0.0  # chance the customer rates it
    scores: tuple[int, ...] = (5, 5, 5, 5, 4, 4, 4, 3, 2)


SCENARIOS = [
    Scenario("answered_end", 32, Outcome.BOT_RESOLVED, rated=0.6),
    Scenario("answered_leave", 14, Outcome.BOT_RESOLVED, leave="close"),
    Scenario("answered_confirmed", 6, Outcome.BOT_RESOLVED, rated=0.7, scores=(5, 5, 5, 4, 4)),
    Scenario("not_helpful", 5, Outcome.AGENT_RESOLVED, EscalationReason.NOT_HELPFUL, agent=True, leave="agent",
             rated=0.6,
             scores=(5, 4, 4, 3, 2, 1)),
    Scenario("human", 10, Outcome.AGENT_RESOLVED, EscalationReason.CUSTOMER_REQUEST, agent=True, leave="agent",
             rated=0.6),
    Scenario("third_party", 8, Outcome.AGENT_RESOLVED, EscalationReason.THIRD_PARTY, agent=True, leave="agent",
             rated=0.5),
    Scenario("off_topic", 6, Outcome.AGENT_RESOLVED, EscalationReason.OUT_OF_SCOPE, agent=True, leave="agent",
             rated=0.3),
    Scenario("unanswerable", 4, Outcome.AGENT_RESOLVED, EscalationReason.LOW_CONFIDENCE, agent=True, leave="agent",
             rated=0.5),
    Scenario("queue_end", 3, Outcome.ABANDONED, EscalationReason.CUSTOMER_REQUEST, rated=0.4, scores=(2, 1, 1, 3)),
    Scenario("queue_close", 2, Outcome.ABANDONED, EscalationReason.CUSTOMER_REQUEST, leave="close"),
    Scenario("unresolved", 4, Outcome.ESCALATED_UNRESOLVED, EscalationReason.CUSTOMER_REQUEST, agent=True, rated=0.5,
             scores=(3, 2, 2, 1, 1)),
    Scenario("greeting_only", 6, Outcome.ABANDONED, leave="close"),
]


@dataclass
class Seen:
    """What the simulated customer and agent saw happen in one conversation."""

    answered: bool = False  # a bot message named a knowledge-base article
    reason: str | None = None  # the escalation reason on the first ``queued`` state the widget got
    taken: bool = False  # an agent's claim succeeded
    resolved_by_agent: bool = False  # the agent resolved it and the customer got ``ended``
    score: int | None = None  # the rating the server acknowledged (``rated``)

    @property
    def outcome(self) -> str:
        """The outcome these events make by docs/metrics.md's definitions."""
        if self.reason is None:
            return "bot_resolved" if self.answered else "abandoned"
        if not self.taken:
            return "abandoned"
        return "agent_resolved" if self.resolved_by_agent else "escalated_unresolved"


@dataclass
class Plan:
    """One conversation of the month: what the customer says and does, and when (simulated)."""

    scenario: Scenario
    start: datetime
    first: str
    score: int | None = None
    comment: str | None = None
    session_id: str = ""
    problems: list[str] = field(default_factory=list)
    seen: Seen = field(default_factory=Seen)


def first_message(scenario: Scenario, rng: random.Random) -> str:
    if scenario.name.startswith("answered") or scenario.name == "not_helpful":
        return rng.choice(list(PRODUCT_QUESTIONS))
    pools = {"human": HUMAN, "queue_end": HUMAN, "queue_close": HUMAN, "unresolved": HUMAN,
             "third_party": THIRD_PARTY, "off_topic": OFF_TOPIC, "unanswerable": UNANSWERABLE,
             "greeting_only": GREETINGS}
    return rng.choice(pools[scenario.name])


def simulated_starts(count: int, month_start: datetime, rng: random.Random) -> list[datetime]:
    """Start times over 30 days: busy afternoons, quiet nights (every hour sees some), calmer weekends."""
    hour_weight = [2, 1, 1, 1, 1, 2, 3, 5, 8, 10, 11, 11, 10, 10, 11, 11, 10, 9, 8, 7, 6, 5, 4, 3]
    slots = [(day, hour) for day in range(30) for hour in range(24)]
    weights = [hour_weight[h] * (0.6 if (month_start + timedelta(days=d)).weekday() >= 5 else 1.0) for d, h in slots]
    picked = rng.choices(slots, weights=weights, k=count)
    return sorted(month_start + timedelta(days=d, hours=h, seconds=rng.uniform(0, 3600)) for d, h in picked)


def make_plans(count: int, month_start: datetime, seed: int) -> list[Plan]:
    rng = random.Random(seed)
    starts = simulated_starts(count, month_start, rng)
    scenarios = rng.choices(SCENARIOS, weights=[s.weight for s in SCENARIOS], k=count)
    plans = []
    for start, scenario in zip(starts, scenarios, strict=True):
        plan = Plan(scenario, start, first_message(scenario, rng))
        if rng.random() < scenario.rated:
            plan.score = rng.choice(scenario.scores)
            plan.comment = rng.choice(COMMENTS[plan.score]) if rng.random() < 0.3 else None
        plans.append(plan)
    return plans


class Agent:
    """A simulated agent on the real agent socket: claims, replies and resolves what it is given."""

    def __init__(self, connection: ClientConnection) -> None:
        self._connection = connection
        self._waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._claim_lock = asyncio.Lock()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, ws_url: str, token: str) -> Agent:
        agent = cls(await connect(f"{ws_url}/ws/agent", max_size=2**24))
        ready = agent._expect("ready")
        await agent._send({"type": "auth", "token": token})
        await asyncio.wait_for(ready, REPLY_TIMEOUT_S)
        presence = agent._expect("presence")
        await agent._send({"type": "presence", "presence": "online", "capacity": 50})
        await asyncio.wait_for(presence, REPLY_TIMEOUT_S)
        return agent

    def _expect(self, key: str) -> asyncio.Future[dict[str, Any]]:
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[key] = future
        return future

    async def _send(self, frame: dict[str, Any]) -> None:
        await self._connection.send(json.dumps(frame))

    async def _read(self) -> None:
        """Hand each answer to whoever waits for it; queue snapshots and the like are dropped."""
        async for raw in self._connection:
            frame = json.loads(raw)
            future = self._waiting.pop(self._key(frame), None)
            if future is not None and not future.done():
                future.set_result(frame)

    def _key(self, frame: dict[str, Any]) -> str:
        kind = str(frame.get("type"))
        if kind == "claimed":
            return f"claimed:{frame.get('session_id')}"
        if kind == "ack" or (kind == "error" and frame.get("ref")):
            return f"ack:{frame.get('client_id') or frame.get('ref')}"
        if kind == "error":  # a refused claim (claims carry no client_id; one is in flight at a time)
            return next((key for key in self._waiting if key.startswith("claimed:")), kind)
        return kind

    async def claim(self, session_id: str) -> bool:
        async with self._claim_lock:  # one claim in flight, so an error frame belongs to it
            claimed = self._expect(f"claimed:{session_id}")
            await self._send({"type": "claim", "session_id": session_id})
            return (await asyncio.wait_for(claimed, REPLY_TIMEOUT_S)).get("type") == "claimed"

    async def reply(self, session_id: str, line: str) -> None:
        client_id = uuid.uuid4().hex
        acked = self._expect(f"ack:{client_id}")
        await self._send({"type": "message", "session_id": session_id, "client_id": client_id, "text": line})
        await asyncio.wait_for(acked, REPLY_TIMEOUT_S)

    async def resolve(self, session_id: str) -> None:
        await self._send({"type": "resolve", "session_id": session_id})

    async def close(self) -> None:
        self._reader.cancel()
        await self._connection.close()


def is_reply(frame: dict[str, Any]) -> bool:
    return frame.get("type") == "message" and frame.get("role") in ("bot", "system")


def is_queued(frame: dict[str, Any]) -> bool:
    return frame.get("type") == "state" and frame.get("state") == "queued"


def first_queued_reason(frames: list[dict[str, Any]]) -> str | None:
    return next((str(f.get("reason")) for f in frames if is_queued(f)), None)


class Month:
    """Runs the plans against the system: customers on their sockets, agents on theirs."""

    def __init__(self, ws_url: str, redis: Redis, agents: list[Agent], rng: random.Random) -> None:
        self._ws_url = ws_url
        self._redis = redis
        self._agents = agents
        self._rng = rng
        self._next_agent = 0

    async def run(self, plan: Plan) -> None:
        customer = await CustomerClient.open(self._ws_url)
        plan.session_id = customer.session_id
        await self._redis.set(SIMULATED_START.format(session_id=plan.session_id), repr(plan.start.timestamp()),
                              ex=24 * 3600)
        try:
            await self._converse(customer, plan)
        except (AssertionError, TimeoutError) as error:
            plan.problems.append(f"{type(error).__name__}: {str(error)[:200]}")
        finally:
            plan.seen.answered = any(is_reply(f) and f.get("article") for f in customer.frames)
            plan.seen.reason = first_queued_reason(customer.frames)
            await customer.close()

    async def _converse(self, customer: CustomerClient, plan: Plan) -> None:
        scenario = plan.scenario
        answer = await customer.bot_reply_after(await customer.say(plan.first), REPLY_TIMEOUT_S)
        if not answer.get("article"):  # a handoff message may arrive just before its queued state
            with contextlib.suppress(AssertionError):
                await customer.wait_for(is_queued, ESCALATION_GRACE_S)
        if scenario.name.startswith("answered") and not answer.get("article"):
            plan.problems.append(f"no article for {plan.first!r}: {answer.get('text', '')[:80]!r}")
        if scenario.name == "answered_confirmed":
            await customer.bot_reply_after(await customer.say(CONFIRM), REPLY_TIMEOUT_S)
        if scenario.name == "not_helpful":
            await customer.say(DENY)
        if scenario.reason and not any(is_queued(f) for f in customer.frames):
            await customer.wait_for(is_queued, REPLY_TIMEOUT_S)
        if scenario.agent:
            await self._with_agent(customer, plan)
        if scenario.leave == "close":
            return  # gone without a word: the idle sweep closes the conversation
        if scenario.leave == "end":
            await customer.send({"type": "end"})
        await customer.wait_for(lambda f: f.get("type") == "ended", REPLY_TIMEOUT_S)
        if scenario.leave == "agent":
            plan.seen.resolved_by_agent = True
        if plan.score is not None:
            await customer.send({"type": "rate", "score": plan.score, "comment": plan.comment})
            await customer.wait_for(lambda f: f.get("type") == "rated", REPLY_TIMEOUT_S)
            plan.seen.score = plan.score

    async def _with_agent(self, customer: CustomerClient, plan: Plan) -> None:
        agent = self._agents[self._next_agent % len(self._agents)]
        self._next_agent += 1
        await asyncio.sleep(self._rng.uniform(0.2, 2.0))  # the agent notices the new chat
        if not await agent.claim(plan.session_id):
            raise AssertionError("claim refused")
        plan.seen.taken = True
        await agent.reply(plan.session_id, AGENT_LINES[0])
        await customer.say(FOLLOW_UP)
        await asyncio.sleep(self._rng.uniform(0.3, 3.0))  # the agent looks it up
        await agent.reply(plan.session_id, self._rng.choice(AGENT_LINES[1:]))
        if plan.scenario.leave == "agent":
            await agent.resolve(plan.session_id)


OUTCOMES = ("bot_resolved", "agent_resolved", "escalated_unresolved", "abandoned")


def tally(outcomes: list[str], reasons: list[str | None], scores: list[int | None]) -> dict[str, Any]:
    """The compared figures of a month, one outcome, reason (or None) and rating (or None) each."""
    total = len(outcomes)
    counted = Counter(outcomes)
    ratings = [s for s in scores if s is not None]
    return {
        "conversations": total,
        "by_outcome": {o: counted[o] for o in OUTCOMES},
        "resolution_rate": rate(counted["bot_resolved"] + counted["agent_resolved"], total),
        "containment": rate(counted["bot_resolved"], total),
        "csat": rate(sum(1 for s in ratings if s >= 4), len(ratings)),
        "ratings": len(ratings),
        "escalations_by_reason": dict(Counter(r for r in reasons if r)),
    }


def scripted(plans: list[Plan]) -> dict[str, Any]:
    """What the script intended."""
    return tally([p.scenario.outcome for p in plans], [p.scenario.reason for p in plans], [p.score for p in plans])


def seen(plans: list[Plan]) -> dict[str, Any]:
    """What the simulated customers (and agents) saw happen."""
    return tally([p.seen.outcome for p in plans], [p.seen.reason for p in plans], [p.seen.score for p in plans])


def reported(report: dict[str, Any]) -> dict[str, Any]:
    """The service report's figures in the shape of ``tally``."""
    m = report["metrics"]
    return {"conversations": m["conversations"], "by_outcome": {o: m["by_outcome"].get(o, 0) for o in OUTCOMES},
            "resolution_rate": m["resolution_rate"], "containment": m["containment"], "csat": m["csat"]["csat"],
            "ratings": m["csat"]["responses"], "escalations_by_reason": dict(m["escalations_by_reason"])}


RATES = ("resolution_rate", "containment", "csat")


def differences(a: dict[str, Any], b: dict[str, Any]) -> tuple[list[float], list[float]]:
    """Absolute differences of every count, then of every rate, between two tallies."""
    counts = [(a["conversations"], b["conversations"]), (a["ratings"], b["ratings"])]
    counts += [(a["by_outcome"][o], b["by_outcome"][o]) for o in OUTCOMES]
    reasons = set(a["escalations_by_reason"]) | set(b["escalations_by_reason"])
    counts += [(a["escalations_by_reason"].get(r, 0), b["escalations_by_reason"].get(r, 0)) for r in reasons]
    return ([float(abs(x - y)) for x, y in counts],
            [abs((a[name] or 0.0) - (b[name] or 0.0)) for name in RATES])


def largest_difference(a: dict[str, Any], b: dict[str, Any]) -> float:
    """The largest absolute difference over every count and rate compared (0 when they agree)."""
    counts, rates = differences(a, b)
    return round(max(counts + rates), 6)


def compare(report: dict[str, Any], plans: list[Plan]) -> dict[str, Any]:
    """The printed line: both comparisons, and the three tallies side by side."""
    by_report, by_customers, by_script = reported(report), seen(plans), scripted(plans)
    m = report["metrics"]
    return {
        "report_error": largest_difference(by_report, by_customers),
        "bot_deviation": largest_difference(by_customers, by_script),
        "bot_deviation_rate": round(max(differences(by_customers, by_script)[1]), 6),
        "report_count_errors": sum(1 for d in differences(by_report, by_customers)[0] if d),
        "conversations": m["conversations"],
        "resolution_rate": m["resolution_rate"], "resolution_rate_seen": by_customers["resolution_rate"],
        "resolution_rate_script": by_script["resolution_rate"],
        "containment": m["containment"], "containment_seen": by_customers["containment"],
        "containment_script": by_script["containment"],
        "csat": m["csat"]["csat"], "csat_seen": by_customers["csat"], "csat_script": by_script["csat"],
        "first_response_30s_share": m["first_response"]["share_within_target"],
        "by_outcome": by_report["by_outcome"], "by_outcome_seen": by_customers["by_outcome"],
        "by_outcome_script": by_script["by_outcome"],
        "escalations_by_reason": by_report["escalations_by_reason"],
        "escalations_by_reason_seen": by_customers["escalations_by_reason"],
        "escalations_by_reason_script": by_script["escalations_by_reason"],
        "ratings": by_report["ratings"], "ratings_seen": by_customers["ratings"],
        "ratings_script": by_script["ratings"],
        "first_response_p95_s": m["first_response"]["times"]["p95"],
        "agent_response_median_s": m["agent_response"]["median"], "queue_wait_p95_s": m["queue_wait"]["p95"],
        "checks_met": {c["name"]: c["met"] for c in report["checks"]},
        "top_unanswered": [(c["label"], c["size"]) for c in report["unanswered"][:3]],
    }


def mismatches(database_url: str, plans: list[Plan]) -> list[str]:
    """For stderr, the place to look first: conversations whose record differs from what was seen
    (report errors), then those whose course differs from the script (bot deviations)."""
    with create_engine(database_url).connect() as db:
        rows = {sid: (outcome, reason, csat) for sid, outcome, reason, csat in db.execute(
            text("SELECT session_id, outcome, escalation_reason, csat FROM outcome_conversations"))}
    misrecorded, deviated = [], []
    for plan in plans:
        got = rows.get(plan.session_id)
        saw = (plan.seen.outcome, plan.seen.reason, plan.seen.score)
        wanted = (plan.scenario.outcome, plan.scenario.reason, plan.score)
        if got != saw:
            misrecorded.append(f"REPORT {plan.scenario.name} {plan.first!r}: saw {saw}, recorded {got}")
        if saw != wanted or plan.problems:
            deviated.append(f"BOT {plan.scenario.name} {plan.first!r}: wanted {wanted}, saw {saw} {plan.problems}")
    return misrecorded + deviated


async def wait_for_records(database_url: str, period: Period, count: int, timeout_s: float) -> int:
    """Poll until ``count`` records of the simulated month exist (leavers are closed by the idle sweep)."""
    engine = create_engine(database_url)
    query = select(func.count()).select_from(ConversationRecord).where(*period.filters())
    deadline = time.monotonic() + timeout_s
    while True:
        with engine.connect() as db:
            found = int(db.execute(query).scalar_one())
        if found >= count or time.monotonic() > deadline:
            return found
        await asyncio.sleep(1.0)


def save_report(url: str, headers: dict[str, str], period: dict[str, str]) -> list[str]:
    RESULTS.mkdir(parents=True, exist_ok=True)
    saved = []
    for form in ("html", "pdf", "csv"):
        response = httpx.get(f"{url}/api/reports/service", params=period | {"format": form}, headers=headers,
                             timeout=300)
        response.raise_for_status()
        path = RESULTS / f"service-report.{form}"
        path.write_bytes(response.content)
        saved.append(str(path.relative_to(RESULTS.parents[1])))
    return saved


def start_system(state_dir: Path) -> tuple[support.RunningSystem, support.EmbeddedRedis | None]:
    redis_url, embedded = support.test_redis_url()
    redis_sync.Redis.from_url(redis_url).flushdb()
    system = support.RunningSystem(state_dir=state_dir, redis_url=redis_url,
                                   database_url=f"sqlite:///{state_dir / 'tandem.db'}",
                                   rasa_url=f"http://127.0.0.1:{free_port()}")
    port = free_port()
    system.start_model_worker()
    system.spawn_rasa(port)
    system.start_gateway(port, extra_env={
        "TANDEM_SIMULATED_TIMES": "1", "TANDEM_SESSION_IDLE_TIMEOUT_S": str(IDLE_TIMEOUT_S),
        "TANDEM_RATE_LIMITS__MESSAGES_PER_SESSION": "1000/minute"})
    system.wait_for_rasa()
    return system, embedded


def tokens(count: int) -> tuple[list[str], str]:
    signer = TokenSigner(support.SECRET, 24 * 3600)
    agents = [signer.staff_token(Principal(f"sim{i}", f"Agent {i + 1}", StaffRole.AGENT)) for i in range(count)]
    return agents, signer.staff_token(Principal("simsuper", "Sam Supervisor", StaffRole.SUPERVISOR))


async def simulate(system: support.RunningSystem, plans: list[Plan], concurrency: int, seed: int) -> None:
    agent_tokens, _ = tokens(AGENTS)
    agents = [await Agent.open(system.gateway.ws_url, token) for token in agent_tokens]
    redis = Redis.from_url(system.redis_url, decode_responses=True)
    month = Month(system.gateway.ws_url, redis, agents, random.Random(seed + 1))
    slots = asyncio.Semaphore(concurrency)
    done = 0

    async def one(plan: Plan) -> None:
        nonlocal done
        async with slots:
            await month.run(plan)
        done += 1
        if done % 500 == 0:
            print(f"{done} conversations run", file=sys.stderr)

    await asyncio.gather(*(one(plan) for plan in plans))
    await asyncio.gather(*(agent.close() for agent in agents))
    await redis.aclose()


async def probe(system: support.RunningSystem, only: str = "") -> None:
    """Send each scripted phrase once and print what the bot did (article, handoff reason, or text)."""
    phrases = [*PRODUCT_QUESTIONS, *UNANSWERABLE, *HUMAN, *THIRD_PARTY, *OFF_TOPIC, *GREETINGS]
    if only:
        phrases = [p for p in phrases if only in p]
    for phrase in phrases:
        customer = await CustomerClient.open(system.gateway.ws_url)
        reply = await customer.bot_reply_after(await customer.say(phrase), REPLY_TIMEOUT_S)
        await asyncio.sleep(0.3)
        states = [f.get("reason") for f in customer.frames if f.get("type") == "state" and f.get("state") == "queued"]
        if not states and reply.get("article"):  # also try the follow-ups after an answer
            follow = DENY if phrase == next(iter(PRODUCT_QUESTIONS)) else CONFIRM
            followed = await customer.bot_reply_after(await customer.say(follow), REPLY_TIMEOUT_S)
            print(json.dumps({"phrase": phrase, "article": reply["article"]["id"],
                              f"after {follow!r}": followed.get("text", "")[:40]}))
        else:
            print(json.dumps({"phrase": phrase, "article": (reply.get("article") or {}).get("id"),
                              "queued": states[:1], "text": reply.get("text", "")[:60]}))
        await customer.close()


def main(count: int, concurrency: int, seed: int, probe_only: str | None) -> dict[str, Any] | None:
    state_dir = RESULTS / "state"
    shutil.rmtree(state_dir, ignore_errors=True)
    state_dir.mkdir(parents=True)
    month_end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    month_start = month_end - timedelta(days=30)
    plans = make_plans(count, month_start, seed)
    started = time.monotonic()
    system, embedded = start_system(state_dir)
    try:
        if probe_only is not None:
            asyncio.run(probe(system, probe_only))
            return None
        asyncio.run(simulate(system, plans, concurrency, seed))
        found = asyncio.run(wait_for_records(system.database_url, Period(month_start, month_end), count,
                                             IDLE_TIMEOUT_S * 4))
        _, supervisor = tokens(0)
        headers = {"Authorization": f"Bearer {supervisor}"}
        period = {"since": month_start.isoformat(), "until": month_end.isoformat()}
        report = httpx.get(f"{system.gateway.url}/api/reports/service", params=period, headers=headers,
                           timeout=300).json()
        saved = save_report(system.gateway.url, headers, period)
        for line in mismatches(system.database_url, plans)[:40]:
            print(line, file=sys.stderr)
    finally:
        system.stop()
        if embedded:
            embedded.stop()
    result = compare(report, plans)
    return result | {"records_found": found, "elapsed_s": round(time.monotonic() - started, 1), "saved": saved}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=24)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="400 conversations (about a tenth of the time)")
    parser.add_argument("--probe", nargs="?", const="", default=None, metavar="TEXT",
                        help="print what the bot does with each scripted phrase (containing TEXT)")
    args = parser.parse_args()
    if args.quick:
        args.conversations = 400
    outcome = main(args.conversations, args.concurrency, args.seed, args.probe)
    if outcome is not None:
        print(json.dumps(outcome))
