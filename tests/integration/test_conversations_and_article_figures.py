"""The supervisors' conversations API and the content team's per-article figures, through the running system on
SQLite and on PostgreSQL: filters, search, paging, bad input and who may read what."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from outcomes import EscalationReason, OutcomeRecorder
from tests.outcomes.factories import Script, record
from tests.sql import POSTGRES_URL, postgres_available
from tests.support.system import RunningSystem, running_system, staff_token

pytestmark = [pytest.mark.integration]
DAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=70)  # nobody else's day
PERIOD = {"since": DAY.isoformat(), "until": (DAY + timedelta(days=1)).isoformat()}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def db_system(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    """The running system on SQLite (the suite's own) or on a PostgreSQL schema of its own, with DAY's conversations."""
    if request.param == "sqlite":
        system: RunningSystem = request.getfixturevalue("system")
        seed(system)
        yield system
        return
    if not postgres_available():
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with create_engine(POSTGRES_URL).begin() as db:
        db.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        with running_system(tmp_path_factory.mktemp("pg-staff"),
                            database_url=f"{POSTGRES_URL}?options=-csearch_path%3D{schema}") as system:
            seed(system)
            yield system
    finally:
        with create_engine(POSTGRES_URL).begin() as db:
            db.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def seed(system: RunningSystem) -> None:
    """Seven conversations on DAY: five answered by the bot (bulb-reset helps, hub-reset fails), two with agents."""
    recorder = OutcomeRecorder(create_engine(system.database_url))
    at = lambda hours: DAY + timedelta(hours=hours)  # noqa: E731
    for n in range(3):
        record(recorder, Script(start=at(1 + n), article="bulb-reset", csat=5, question=f"bulb reset please {n}"))
    record(recorder, Script(start=at(4), article="hub-reset", reason=EscalationReason.NOT_HELPFUL, queued_after=3,
                            question="My hub blinks red"))
    record(recorder, Script(start=at(5), article="hub-reset", csat=1, comment="useless answer",
                            labels=("complaint",)))
    for n in range(2):
        record(recorder, Script(start=at(6 + n), article=None, reason=EscalationReason.THIRD_PARTY, queued_after=2,
                                claimed_after=5, agent_reply_after=9, ended_by="agent", labels=("partner",),
                                question=f"Netflix on my TV {n}"))


token = cache(staff_token)


def get(system: RunningSystem, path: str, username: str = "super", **params: Any) -> httpx.Response:
    return httpx.get(system.gateway.url + path, params=PERIOD | params,
                     headers={"Authorization": f"Bearer {token(system.gateway.url, username)}"}, timeout=60)


def listed(system: RunningSystem, **params: Any) -> dict[str, Any]:
    response = get(system, "/api/reports/conversations", **params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_supervisors_filter_search_and_page_the_conversations(db_system: RunningSystem) -> None:
    assert listed(db_system)["total"] == 7
    assert listed(db_system, label="partner")["total"] == 2
    assert listed(db_system, label="Complaint")["total"] == 1  # labels are normalised as agents' are
    assert listed(db_system, agent="agent1", outcome="agent_resolved")["total"] == 2
    found = listed(db_system, q="BLINKS red")
    assert found["total"] == 1 and found["conversations"][0]["reason_label"] == "Answer did not help"
    assert listed(db_system, q="useless")["conversations"][0]["csat_comment"] == "useless answer"
    assert listed(db_system, q="netflix", label="partner")["total"] == 2
    pages = [listed(db_system, limit=3, offset=offset) for offset in (0, 3, 6)]
    ids = [c["session_id"] for page in pages for c in page["conversations"]]
    assert [len(page["conversations"]) for page in pages] == [3, 3, 1] and len(set(ids)) == 7
    assert pages[0]["conversations"][0]["started_at"] > pages[2]["conversations"][0]["started_at"]  # newest first
    assert get(db_system, "/api/reports/agents").json() == {"agents": [{"agent_id": "agent1",
                                                                        "agent_name": "Alex Agent"}]}
    detail = get(db_system, f"/api/reports/conversations/{ids[0]}").json()
    assert detail["messages"] and detail["labels"] == ["partner"]


def test_bad_filters_are_refused_with_the_reason(db_system: RunningSystem) -> None:
    for bad in ({"q": "x" * 201}, {"offset": -1}, {"limit": 0}, {"outcome": "resolved"}):
        response = get(db_system, "/api/reports/conversations", **bad)
        assert response.status_code == 422, bad
    response = get(db_system, "/api/reports/conversations", label="no way!")
    assert response.status_code == 400 and "label" in response.json()["detail"]
    assert listed(db_system, q="%_\\")["total"] == 0  # LIKE's own characters are taken literally


def test_the_content_team_sees_how_each_article_fares(db_system: RunningSystem) -> None:
    response = get(db_system, "/api/reports/articles", "content")
    assert response.status_code == 200, response.text
    rows = {row["article_id"]: row for row in response.json()["articles"]}
    hub, bulb = rows["hub-reset"], rows["bulb-reset"]
    assert (hub["answered"], hub["rated_unhelpful"], hub["escalated"], hub["failed"]) == (2, 2, 1, 2)
    assert (bulb["answered"], bulb["rated_helpful"], bulb["failed"]) == (3, 3, 0)
    assert hub["title"] and hub["status"] == "published"
    assert response.json()["articles"][0]["article_id"] == "hub-reset"  # the failing one first
    assert all(row["answered"] == 0 for key, row in rows.items() if key not in ("hub-reset", "bulb-reset"))
    later = get(db_system, "/api/reports/articles", "content", since=(DAY + timedelta(hours=4, minutes=30)).isoformat())
    assert {r["article_id"]: r["answered"] for r in later.json()["articles"]}["hub-reset"] == 1


def test_who_may_read_conversations_and_article_figures(db_system: RunningSystem) -> None:
    expected = {
        "/api/reports/conversations": {"agent1": 403, "content": 403, "super": 200, "admin": 200},
        "/api/reports/agents": {"agent1": 403, "content": 403, "super": 200, "admin": 200},
        "/api/reports/articles": {"agent1": 403, "super": 403, "content": 200, "admin": 200},
    }
    for path, by_user in expected.items():
        assert httpx.get(db_system.gateway.url + path, params=PERIOD).status_code == 401
        for username, status in by_user.items():
            assert get(db_system, path, username).status_code == status, (path, username)
