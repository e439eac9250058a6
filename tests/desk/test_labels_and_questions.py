"""What a label is, and what the desk reads from a live transcript (the question, the customer's name)."""

from __future__ import annotations

import pytest

from desk import InvalidLabel, customer_first_name, latest_question, normalize_labels, refuse_personal_data
from handoff import Role, TranscriptEntry

pytestmark = [pytest.mark.unit]


def entry(n: int, role: Role, text: str, internal: bool = False) -> TranscriptEntry:
    return TranscriptEntry(f"{n}-0", "s", role, text, float(n), internal=internal)


def test_labels_are_trimmed_lower_case_and_unique() -> None:
    assert normalize_labels([" Refund ", "refund", "VIP  customer", "bug-12_a"]) == ("refund", "vip customer",
                                                                                     "bug-12_a")


@pytest.mark.parametrize(("labels", "reason"), [
    ([""], "cannot be empty"),
    (["x" * 33], "longer than 32"),
    (["<b>hi</b>"], "may only use letters"),
    ([f"l{n}" for n in range(11)], "at most 10 labels"),
])
def test_bad_labels_are_refused_with_the_reason(labels: list[str], reason: str) -> None:
    with pytest.raises(InvalidLabel, match=reason):
        normalize_labels(labels)


def test_a_label_with_personal_data_is_refused() -> None:
    def redact(text: str) -> str:  # the real redactor is tested in tests/privacy, and used in the integration test
        return text.replace("dana", "[NAME]")

    refuse_personal_data(("refund", "vip"), redact)
    with pytest.raises(InvalidLabel, match="'call dana' looks like personal data"):
        refuse_personal_data(("refund", "call dana"), redact)


def test_the_question_is_what_the_customer_wrote_since_the_agents_last_reply() -> None:
    transcript = [entry(1, Role.CUSTOMER, "hi"), entry(2, Role.BOT, "Hello!"),
                  entry(3, Role.CUSTOMER, "my hub is offline"), entry(4, Role.AGENT, "Let me look."),
                  entry(5, Role.CUSTOMER, "It blinks red"), entry(6, Role.AGENT, "noted", internal=True),
                  entry(7, Role.CUSTOMER, "since the update")]
    assert latest_question(transcript) == "It blinks red since the update"
    answered = [*transcript, entry(8, Role.AGENT, "Try a restart.")]
    assert latest_question(answered) == "since the update"  # all answered: the last message
    assert latest_question([entry(1, Role.BOT, "Hello!")]) == ""


def test_the_customers_first_name_is_the_first_name_they_gave() -> None:
    def names(text: str) -> list[tuple[int, int]]:  # the recogniser itself is tested in tests/privacy
        start = text.find("Dana Scully")
        return [(start, start + len("Dana Scully"))] if start >= 0 else []

    transcript = [entry(1, Role.AGENT, "Dana Scully from support"), entry(2, Role.CUSTOMER, "hello"),
                  entry(3, Role.CUSTOMER, "I'm Dana Scully, my hub is offline")]
    assert customer_first_name(transcript, names) == "Dana"
    assert customer_first_name(transcript[:2], names) is None
