"""Words for the codes stored in outcome records, for people to read.

The records, the CSV's code columns and the APIs keep the codes (``third_party``,
``bot_resolved``); every page, chart and report shows these words instead. This module is the
one place that says what each code is called: the dashboard reads the same mapping from
``GET /api/metrics/summary`` (``labels``).
"""

from __future__ import annotations

from outcomes.models import EscalationReason, Outcome

OUTCOME_LABELS: dict[str, str] = {
    Outcome.BOT_RESOLVED: "Resolved by the bot",
    Outcome.AGENT_RESOLVED: "Resolved by an agent",
    Outcome.ESCALATED_UNRESOLVED: "Escalated, unresolved",
    Outcome.ABANDONED: "Abandoned",
}

REASON_LABELS: dict[str, str] = {
    EscalationReason.CUSTOMER_REQUEST: "Customer asked for a person",
    EscalationReason.THIRD_PARTY: "Third-party product",
    EscalationReason.OUT_OF_SCOPE: "Out of scope",
    EscalationReason.LOW_CONFIDENCE: "No confident answer",
    EscalationReason.REPEATED_FALLBACK: "Not understood twice",
    EscalationReason.NOT_HELPFUL: "Answer did not help",
    EscalationReason.BOT_UNAVAILABLE: "Bot unavailable",
}


def outcome_label(code: str) -> str:
    """The words for an outcome code (an unknown code is spelled out rather than hidden)."""
    return OUTCOME_LABELS.get(code) or _spelled_out(code)


def reason_label(code: str) -> str:
    """The words for an escalation reason code."""
    return REASON_LABELS.get(code) or _spelled_out(code)


def _spelled_out(code: str) -> str:
    words = code.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else "—"


def vocabulary() -> dict[str, dict[str, str]]:
    """Both mappings as plain data, for JSON."""
    return {"outcomes": {str(k): v for k, v in OUTCOME_LABELS.items()},
            "reasons": {str(k): v for k, v in REASON_LABELS.items()}}
