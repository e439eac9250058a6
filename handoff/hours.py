"""Business hours: when people answer chats, and what a customer is told outside them.

A handoff rule (an escalation outside these hours waits as an offline ticket); the settings only
load it from config.yml's ``tandem: handoff: business_hours:``.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, field_validator

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class BusinessHours(BaseModel):
    """When people answer chats: per weekday ``"HH:MM-HH:MM"`` in ``timezone``; a missing day is closed.

    ``always: true`` means around the clock (the default, for a 24-hour service).
    """

    always: bool = True
    timezone: str = "UTC"
    days: dict[str, str] = Field(default_factory=dict)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        ZoneInfo(value)  # raises for an unknown zone, naming it
        return value

    @field_validator("days")
    @classmethod
    def _valid_days(cls, value: dict[str, str]) -> dict[str, str]:
        for day, span in value.items():
            if day not in WEEKDAYS:
                raise ValueError(f"unknown weekday {day!r}; use one of {', '.join(WEEKDAYS)}")
            _parse_span(span)
        return value

    def is_open(self, moment: datetime) -> bool:
        """Whether ``moment`` (timezone-aware) falls within opening hours."""
        if self.always:
            return True
        local = moment.astimezone(ZoneInfo(self.timezone))
        span = self.days.get(WEEKDAYS[local.weekday()])
        if span is None:
            return False
        start, end = _parse_span(span)
        return start <= local.time() < end

    def describe(self) -> str:
        """Opening hours in words, for the customer."""
        if self.always:
            return "around the clock"
        parts = [f"{day.capitalize()} {span}" for day, span in self.days.items()]
        return f"{', '.join(parts)} ({self.timezone})"


def _parse_span(span: str) -> tuple[time, time]:
    try:
        start, end = (time.fromisoformat(part.strip()) for part in span.split("-"))
    except ValueError as exc:
        raise ValueError(f"opening hours {span!r} must look like 08:00-18:00") from exc
    if start >= end:
        raise ValueError(f"opening hours {span!r} must end after they start")
    return start, end


def offline_note(hours: BusinessHours, note: str) -> str:
    """The note for customers when nobody can answer: ``note``, plus the opening hours unless around the clock."""
    return note if hours.always else f"{note} Our hours: {hours.describe()}."
