"""What proposals and gaps keep about a conversation, and that erasure and the retention period take it out
(SQLite and PostgreSQL; docs/privacy.md)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, update

from learning import GapState, Learning, ProposalState
from learning.models import GapRow, ProposalRow
from tests.learning.factories import conversation

pytestmark = pytest.mark.integration

SCHEDULE = "Can the lights come on by themselves at sunset every evening?"
SCHEDULE_TOO = "can I make my lamps switch on automatically when the sun goes down"
ANSWER = "Yes: in the Lumen app open Schedules, tap +, choose Sunset and the lights to switch on."
ANSWER_TOO = "Use a sunset schedule in the app."


def two_customers(learning: Learning) -> tuple[str, str]:
    """Two conversations about one need (one proposal, one gap); their session ids."""
    first, second = conversation(SCHEDULE, (ANSWER,)), conversation(SCHEDULE_TOO, (ANSWER_TOO,))
    learning.conversation_closed(*first)
    learning.conversation_closed(*second)
    return first[0].session_id, second[0].session_id


def everything_shown(learning: Learning) -> str:
    """Every text the content team can see: proposals, gaps, and the audit trail."""
    proposals = learning.proposals.list(None)
    gaps = learning.list_gaps(None)
    steps = learning.audit(1000)
    return repr([proposals, gaps, [s.details for s in steps]])


def test_an_access_request_shows_the_proposals_and_gaps_naming_a_conversation(learning: Learning) -> None:
    first, _ = two_customers(learning)
    assert learning.held_about(first) == {"learning_proposals": 1, "learning_gaps": 1, "learning_texts": 3}
    assert learning.held_about("someone-else") == {"learning_proposals": 0, "learning_gaps": 0, "learning_texts": 0}


def test_erasing_a_conversation_takes_its_texts_out_of_proposals_gaps_and_their_audit(learning: Learning) -> None:
    first, second = two_customers(learning)

    assert learning.forget_session(first) == 2  # one proposal, one gap
    [proposal] = learning.proposals.list()
    [gap] = learning.list_gaps(GapState.OPEN)
    assert (proposal.questions, proposal.answers, proposal.customers) == ([SCHEDULE_TOO], [ANSWER_TOO], 2)
    assert (gap.label, gap.examples, gap.customers) == (SCHEDULE_TOO, [SCHEDULE_TOO], 2)  # the counts stay
    assert SCHEDULE not in everything_shown(learning) and ANSWER not in everything_shown(learning)
    assert learning.held_about(first) == {"learning_proposals": 0, "learning_gaps": 0, "learning_texts": 0}
    assert learning.forget_session(first) == 0  # idempotent

    learning.forget_session(second)  # nothing left to act on: closed by the system, with why
    [closed] = learning.proposals.list(None)
    [dismissed] = learning.list_gaps(None)
    assert (closed.state, closed.decided_by, closed.questions) == (ProposalState.REJECTED.value, "system", [])
    assert (dismissed.state, dismissed.label, dismissed.examples) == (GapState.DISMISSED.value,
                                                                       "(question erased)", [])
    assert "erased" in str(closed.note) and SCHEDULE_TOO not in everything_shown(learning)
    learning.conversation_closed(*conversation(SCHEDULE, (ANSWER,)))  # the next customer starts anew
    assert [p.customers for p in learning.proposals.list()] == [1]


def test_words_another_kept_conversation_also_wrote_stay(learning: Learning) -> None:
    first, second = conversation(SCHEDULE, (ANSWER,)), conversation(SCHEDULE, (ANSWER,))
    learning.conversation_closed(*first)
    learning.conversation_closed(*second)
    learning.forget_session(first[0].session_id)
    [proposal] = learning.proposals.list()
    assert (proposal.questions, proposal.answers) == ([SCHEDULE], [ANSWER])


def test_the_retention_period_takes_the_texts_of_older_conversations(learning: Learning) -> None:
    old = conversation(SCHEDULE, (ANSWER,))
    learning.conversation_closed(*old)
    cutoff = datetime.now(UTC)
    recent = conversation(SCHEDULE_TOO, (ANSWER_TOO,))
    learning.conversation_closed(*recent)

    assert learning.purge_before(cutoff) == 2
    [proposal] = learning.proposals.list()
    assert (proposal.questions, proposal.customers) == ([SCHEDULE_TOO], 2)
    assert learning.held_about(old[0].session_id)["learning_texts"] == 0
    assert learning.held_about(recent[0].session_id)["learning_texts"] == 3
    assert SCHEDULE not in everything_shown(learning)
    assert learning.purge_before(cutoff) == 0


def test_rows_from_before_sources_were_kept_lose_every_text_when_one_of_their_conversations_goes(
    learning: Learning, engine: Engine
) -> None:
    first, _ = two_customers(learning)
    with engine.begin() as db:  # as revision 0006 wrote them: no record of whose text is whose
        db.execute(update(ProposalRow).values(sources=None))
        db.execute(update(GapRow).values(sources=None))
    assert learning.held_about(first)["learning_proposals"] == 1

    learning.forget_session(first)
    assert SCHEDULE not in everything_shown(learning) and SCHEDULE_TOO not in everything_shown(learning)
    assert [p.state for p in learning.proposals.list(None)] == [ProposalState.REJECTED.value]
