"""Personal data driven through the running system, then every store read (docs/privacy.md).

On SQLite and PostgreSQL, with an embedded Redis persisting under the state directory (as
``make run`` starts one): chat with the bot, handoff, an offline ticket, a rating comment, the
review queue and a report export. Card numbers and IBANs must never be anywhere; every other
value (names, e-mail addresses, phone numbers) never in SQL, Rasa's store, files or logs, and in
no Redis key and no Redis persistence file once the conversations have closed (without waiting for
the retention job). Then one conversation is erased and every store is read again.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import redis as redis_sync
from sqlalchemy import MetaData, create_engine, select, text

from bot.core.config import PROJECT_ROOT
from bot.kept_data import REPORTS_DIR
from bot.ws.customer import SECRETS_NOTE
from tests.privacy.pii_set import CARDS, EMAILS, IBANS, NAMES, PHONES
from tests.sql import POSTGRES_URL, postgres_available
from tests.support.clients import AgentClient, CustomerClient
from tests.support.system import RunningSystem, running_system, staff_token

pytestmark = [pytest.mark.integration, pytest.mark.slow]
SECRETS = [CARDS[0], CARDS[3], CARDS[5], IBANS[2], IBANS[5]]
CONTACT = "ada.lovelace@example.org"  # the offline ticket's contact
OTHERS = [EMAILS[0], EMAILS[9], PHONES[0], PHONES[2], NAMES[1], NAMES[2], CONTACT]
UNREAD_SUFFIXES = (".tar.gz", ".faiss", ".npy")  # models and the article index


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def private_system(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    """The whole product with its Redis persisting under the state directory, on either database."""
    state = tmp_path_factory.mktemp(f"privacy-{request.param}")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    database_url = None
    if request.param == "postgresql":
        if not postgres_available():
            pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
        with create_engine(POSTGRES_URL).begin() as db:
            db.execute(text(f'CREATE SCHEMA "{schema}"'))
        database_url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    try:
        with running_system(state, database_url=database_url, redis_in_state_dir=True) as system:
            redis_sync.Redis.from_url(system.redis_url).config_set("rdbcompression", "no")  # readable snapshots
            yield system
    finally:
        if database_url:
            with create_engine(POSTGRES_URL).begin() as db:
                db.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def forms(value: str) -> list[str]:
    """The ways a value can be found: as written, lower case, and without separators."""
    return [value, value.lower(), re.sub(r"[\s\-.()]", "", value)]


def found_in(haystack: str, values: list[str]) -> list[str]:
    squeezed = re.sub(r"[\s\-.()]", "", haystack)
    return [v for v in values if v in haystack or v.lower() in haystack.lower() or forms(v)[2] in squeezed]


def redis_contents(system: RunningSystem) -> dict[str, str]:
    """Every key of the deployment's Redis (Tandem's and Rasa's), read whatever its type."""
    # Bytes, read as text with replacement: the model workers' vector cache holds binary values.
    r = redis_sync.Redis.from_url(system.redis_url, decode_responses=False)
    readers = {b"string": r.get, b"hash": r.hgetall, b"stream": r.xrange, b"list": lambda k: r.lrange(k, 0, -1),
               b"set": r.smembers, b"zset": lambda k: r.zrange(k, 0, -1, withscores=True)}
    return {key.decode(): _as_text(key + b" " + repr(readers[r.type(key)](key)).encode())
            for key in r.scan_iter(count=1000) if r.type(key) in readers}


def _as_text(raw: bytes) -> str:
    """A value's repr with its escaped UTF-8 read back, so "Chloé" is found as typed."""
    return raw.decode("unicode_escape", errors="replace").encode("latin-1", errors="replace").decode(
        "utf-8", errors="replace")


def sql_contents(system: RunningSystem) -> str:
    """Every row of every table."""
    engine = create_engine(system.database_url)
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as db:
        return "\n".join(str(row) for table in metadata.sorted_tables for row in db.execute(select(table)))


def file_contents(system: RunningSystem) -> dict[str, str]:
    """Every file under the state directory: SQLite, Redis persistence, report exports, logs."""
    return {str(p.relative_to(system.state_dir)): p.read_bytes().decode("latin-1")
            for p in system.state_dir.rglob("*") if p.is_file() and not p.name.endswith(UNREAD_SUFFIXES)}


def assert_no_secrets_anywhere(system: RunningSystem) -> None:
    places = {**redis_contents(system), **file_contents(system), "sql": sql_contents(system)}
    assert {place: found for place, text_ in places.items() if (found := found_in(text_, SECRETS))} == {}


def assert_nothing_personal_kept(system: RunningSystem) -> None:
    """After the close: nothing of the set in SQL, Redis (Rasa's trackers included), files or logs."""
    places = {**redis_contents(system), **file_contents(system), "sql": sql_contents(system)}
    assert {place: found for place, text_ in places.items() if (found := found_in(text_, SECRETS + OTHERS))} == {}


def eventually(check: Callable[[], None], timeout_s: float = 60.0) -> None:
    """``check`` passes before the deadline (it raises AssertionError until then)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            check()
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def wait_for_persistence(system: RunningSystem, timeout_s: float = 60.0) -> None:
    """Until Redis has finished rewriting its append-only file and snapshot."""
    r = redis_sync.Redis.from_url(system.redis_url, decode_responses=True)
    deadline = time.monotonic() + timeout_s
    busy = ("aof_rewrite_in_progress", "aof_rewrite_scheduled", "rdb_bgsave_in_progress")
    while any(int(r.info("persistence")[field]) for field in busy):
        assert time.monotonic() < deadline, "redis persistence still rewriting"
        time.sleep(0.2)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def leave_a_ticket(system: RunningSystem) -> CustomerClient:
    """Nobody online: the customer leaves a contact and a question (with a card in it)."""
    ticket = await CustomerClient.open(system.gateway.ws_url)
    await ticket.bot_reply_after(await ticket.say(f"Hi, my name is {NAMES[2]} and I want to talk to a human please"))
    await ticket.wait_for(lambda f: f["type"] == "state" and f["state"] == "queued" and f.get("offline"))
    await ticket.send({"type": "contact", "client_id": "ticket-1", "contact": CONTACT,
                       "text": f"Call me on {PHONES[2]}; I paid with {CARDS[5]}"})
    await ticket.wait_for(lambda f: f["type"] == "ack" and f["client_id"] == "ticket-1")
    return ticket


async def chat_then_handoff(system: RunningSystem, agent: AgentClient) -> CustomerClient:
    customer = await CustomerClient.open(system.gateway.ws_url)
    for line in (f"my card {CARDS[0]} was charged twice for the Lumen Hub",
                 f"Hi, my name is {NAMES[1]} and my hub keeps going offline.",
                 f"my IBAN is {IBANS[2]}, write to {EMAILS[0]}", "blorf zinth quax"):
        await customer.bot_reply_after(await customer.say(line))
    notes = [m for m in customer.messages("system") if m["text"] == SECRETS_NOTE]
    assert len(notes) == 1  # told once, politely
    stored = redis_sync.Redis.from_url(system.redis_url, decode_responses=True).get(f"tracker:{customer.session_id}")
    tracker = json.dumps(json.loads(stored or "{}"), ensure_ascii=False)
    assert "[CARD ••••1111]" in tracker and found_in(tracker, SECRETS + OTHERS) == []  # Rasa sees redacted text
    try:  # the bot may already have handed the nonsense line over (out of scope)
        await customer.wait_for(lambda f: f["type"] == "state" and f["state"] == "queued", timeout_s=5)
    except AssertionError:
        await customer.bot_reply_after(await customer.say("I want to talk to a human please"))
    await agent.wait_queued(customer.session_id)
    await agent.send({"type": "claim", "session_id": customer.session_id})
    await agent.wait_for(lambda f: f["type"] == "claimed" and f["session_id"] == customer.session_id)
    await customer.say(f"my phone is {PHONES[0]}, the other card is {CARDS[3]}, IBAN {IBANS[5]}")
    await agent.wait_for(lambda f: f["type"] == "message" and "[CARD ••••4444]" in f.get("text", ""))
    return customer


def export_report(system: RunningSystem) -> None:
    today = datetime.now(UTC).date()
    env = {**os.environ, "TANDEM_STATE_DIR": str(system.state_dir), "TANDEM_DATABASE_URL": system.database_url}
    subprocess.run([sys.executable, "-m", "bot", "report", "--since", str(today - timedelta(days=1)),
                    "--until", str(today + timedelta(days=1)), "--no-group-questions"],
                   cwd=PROJECT_ROOT, env=env, check=True, capture_output=True, timeout=300)
    assert list((system.state_dir / REPORTS_DIR).glob("*.csv"))


async def test_personal_data_is_masked_expired_and_erased_in_every_store(private_system: RunningSystem) -> None:
    system = private_system
    url = system.gateway.url
    admin = bearer(staff_token(url, "admin"))
    ticket = await leave_a_ticket(system)
    assert_no_secrets_anywhere(system)

    agent = await AgentClient.open(system.gateway.ws_url, staff_token(url, "agent1"))
    customer = await chat_then_handoff(system, agent)
    claimed = next(f for f in agent.frames if f["type"] == "claimed" and f["session_id"] == customer.session_id)
    live = "\n".join(m["text"] for m in [*claimed["messages"], *agent.messages()])
    assert PHONES[0] in live and EMAILS[0] in live  # the agent has what they need to reach the customer
    assert_no_secrets_anywhere(system)
    await agent.reply(customer.session_id, f"Thanks, I will call {PHONES[0]} today.")
    await agent.send({"type": "resolve", "session_id": customer.session_id})
    await customer.wait_for(lambda f: f["type"] == "ended")
    await customer.send({"type": "rate", "score": 5, "comment": f"{NAMES[1]} here, mail me at {EMAILS[9]}"})
    await customer.wait_for(lambda f: f["type"] == "rated")

    await agent.wait_queued(ticket.session_id)
    await agent.send({"type": "claim", "session_id": ticket.session_id})
    await agent.wait_for(lambda f: f["type"] == "claimed" and f["session_id"] == ticket.session_id)
    await agent.send({"type": "resolve", "session_id": ticket.session_id})
    await ticket.wait_for(lambda f: f["type"] == "ended")
    for client in (customer, ticket, agent):
        await client.close()
    # Closed: the live copies are redacted in Redis, and Redis persistence is rewritten at once
    # (bot/persistence.py), not at the next hourly retention run.
    eventually(lambda: assert_nothing_personal_kept(system))

    export_report(system)
    assert httpx.post(f"{url}/api/admin/retention/run", headers=admin).status_code == 200  # compacts persistence
    wait_for_persistence(system)
    assert_nothing_personal_kept(system)

    held = httpx.get(f"{url}/api/admin/conversations/{customer.session_id}", headers=admin).json()["stores"]
    assert held["sql"]["record"] and held["sql"]["messages"] > 0 and held["sql"]["rating_comment"]
    assert {f"tracker:{customer.session_id}"} <= {k["key"] for k in held["redis"]}
    assert all(0 < k["ttl_s"] <= 24 * 3600 for k in held["redis"])  # the one lifetime after the close
    assert any(f.startswith(REPORTS_DIR) for f in held["files"])

    assert httpx.delete(f"{url}/api/admin/conversations/{customer.session_id}", headers=admin).status_code == 204
    wait_for_persistence(system)
    held = httpx.get(f"{url}/api/admin/conversations/{customer.session_id}", headers=admin).json()["stores"]
    assert held["redis"] == [] and held["sql"]["messages"] == 0 and held["sql"]["review_queue"] == 0
    # Logs name the id, never the text; the SQLite file keeps the anonymous record (checked above as SQL).
    assert [f for f in held["files"] if not f.startswith("logs/") and f != "tandem.db"] == []
    assert [k for k in redis_contents(system) if customer.session_id in k] == []
    assert customer.session_id not in "\n".join(text_ for name, text_ in file_contents(system).items()
                                                if name.startswith(("redis", REPORTS_DIR)))
    assert_nothing_personal_kept(system)
