"""Business hours: open within a day's span in its own time zone, closed otherwise; bad spans refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from handoff.hours import BusinessHours, offline_note

pytestmark = [pytest.mark.unit]
WEEKDAYS_9_TO_5 = BusinessHours(always=False, timezone="Europe/Berlin", days={"mon": "09:00-17:00"})


def test_open_within_the_days_span_in_its_own_time_zone() -> None:
    monday = datetime(2026, 11, 30, tzinfo=UTC)  # a Monday; Berlin is UTC+1 in winter
    assert WEEKDAYS_9_TO_5.is_open(monday.replace(hour=8))  # 09:00 in Berlin
    assert not WEEKDAYS_9_TO_5.is_open(monday.replace(hour=7, minute=59))
    assert not WEEKDAYS_9_TO_5.is_open(monday.replace(hour=16))  # 17:00: closed
    assert not WEEKDAYS_9_TO_5.is_open(datetime(2026, 12, 1, 10, tzinfo=UTC))  # Tuesday: not listed
    assert BusinessHours().is_open(monday)


@pytest.mark.parametrize(("days", "message"), [
    ({"monday": "09:00-17:00"}, "unknown weekday 'monday'"),
    ({"mon": "9-5"}, "must look like 08:00-18:00"),
    ({"mon": "17:00-09:00"}, "must end after they start"),
])
def test_a_bad_span_is_refused_with_a_message_that_names_it(days: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        BusinessHours(always=False, days=days)


def test_the_offline_note_names_the_hours_unless_around_the_clock() -> None:
    assert offline_note(BusinessHours(), "Leave a note.") == "Leave a note."
    assert offline_note(WEEKDAYS_9_TO_5, "Leave a note.") == "Leave a note. Our hours: Mon 09:00-17:00 (Europe/Berlin)."
