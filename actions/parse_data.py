"""Reading Rasa's parse data (``tracker.latest_message``) into the routing decision's terms."""

from __future__ import annotations

from typing import Any

from routing import Intent


def intents_of(parse_data: dict[str, Any]) -> tuple[Intent, ...]:
    """Rasa's intent ranking (best first), or the single intent when there is no ranking."""
    ranking = parse_data.get("intent_ranking") or [parse_data.get("intent") or {}]
    return tuple(Intent(str(i["name"]), float(i.get("confidence") or 0.0)) for i in ranking if i.get("name"))


def entity_values(parse_data: dict[str, Any], entity: str) -> tuple[str, ...]:
    """The distinct values of one entity in the message, in order of appearance."""
    values = (str(e.get("value")) for e in parse_data.get("entities") or [] if e.get("entity") == entity)
    return tuple(dict.fromkeys(value for value in values if value))
