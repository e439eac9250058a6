"""Knowledge gaps from every signal, with a state that follows what the content team did."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from sqlalchemy import Engine

from knowledge_base import ArticleStatus, KnowledgeBase
from knowledge_base.embedder import MiniLMEmbedder
from learning import GapState, Learning
from outcomes.models import Outcome
from privacy import PresidioRedactor
from tests.learning.factories import conversation, menu_left_unanswered, store

pytestmark = pytest.mark.integration

ZIGBEE = "Does the hub talk zigbee to my old bulbs?"
ZIGBEE_TOO = "can the Lumen Hub pair with zigbee lamps from another brand"


def test_every_signal_lands_in_one_gap_per_need(learning: Learning, engine: Engine) -> None:
    learning.conversation_closed(*conversation(ZIGBEE, outcome=Outcome.ESCALATED_UNRESOLVED))
    record, _ = conversation("nothing", reason="", outcome=Outcome.BOT_RESOLVED)
    learning.conversation_closed(record, menu_left_unanswered(ZIGBEE_TOO))
    rated, _ = conversation("zigbee bulbs with the hub, possible?", reason="", outcome=Outcome.BOT_RESOLVED)
    store(engine, rated, csat=2, comment="did not answer my question")
    learning.conversation_rated(rated.session_id)
    learning.marked_as_gap("is zigbee supported by the hub", "review-session")
    learning.conversation_closed(*conversation("does the hub do zigbee", reason="third_party"), ours=True)

    [gap] = learning.list_gaps(GapState.OPEN)

    assert gap.signals == {"escalation": 1, "unanswered_menu": 1, "low_rating": 1, "admin_mark": 1, "misrouted": 1}
    assert gap.customers == 5 and gap.label == ZIGBEE and ZIGBEE_TOO in gap.examples


def test_a_good_rating_or_one_without_comment_is_no_signal(learning: Learning, engine: Engine) -> None:
    for n, (score, comment) in enumerate([(5, "great"), (1, None)]):
        record, _ = conversation(f"zigbee question {n}", reason="", outcome=Outcome.BOT_RESOLVED)
        store(engine, record, csat=score, comment=comment)
        learning.conversation_rated(record.session_id)
    assert learning.list_gaps(None) == []


def test_a_question_about_a_retired_article_says_which(learning: Learning, knowledge_base: KnowledgeBase) -> None:
    knowledge_base.retire("plus-cancel")
    learning.conversation_closed(*conversation("how can I stop paying for Lumen Plus every month",
                                               outcome=Outcome.ESCALATED_UNRESOLVED))
    [gap] = learning.list_gaps(GapState.OPEN)
    assert gap.signals == {"retired_article": 1} and gap.retired_article_id == "plus-cancel"


def test_accepting_a_proposal_answers_its_gap_and_a_dismissed_gap_stays_dismissed(learning: Learning) -> None:
    proposal = learning.conversation_closed(*conversation(ZIGBEE, ("Yes, the hub speaks Zigbee 3.0.",)))
    learning.conversation_closed(*conversation("can I get a refund after 60 days?",
                                               outcome=Outcome.ESCALATED_UNRESOLVED))
    assert proposal is not None
    refund = next(g for g in learning.list_gaps(GapState.OPEN) if "refund" in g.label)

    _, article = learning.accept(proposal.id, "content")
    learning.dismiss_gap(refund.id, "content", "policy: no refunds after 30 days")
    learning.conversation_closed(*conversation("refund after 60 days possible?", outcome=Outcome.ESCALATED_UNRESOLVED))

    answered = learning.list_gaps(GapState.ANSWERED)
    assert [(g.label, g.article_id, g.state_by) for g in answered] == [(ZIGBEE, article.id, "content")]
    [dismissed] = learning.list_gaps(GapState.DISMISSED)
    assert (dismissed.id, dismissed.customers, dismissed.note) == (refund.id, 2, "policy: no refunds after 30 days")
    assert learning.list_gaps(GapState.OPEN) == []


def test_an_answered_gap_asked_again_and_failing_again_is_reopened(learning: Learning) -> None:
    proposal = learning.conversation_closed(*conversation(ZIGBEE, ("Yes, the hub speaks Zigbee 3.0.",)))
    assert proposal is not None
    learning.accept(proposal.id, "content")

    learning.conversation_closed(*conversation(ZIGBEE_TOO, outcome=Outcome.ESCALATED_UNRESOLVED))

    [gap] = learning.list_gaps(GapState.OPEN)
    assert gap.note is not None and "asked again" in gap.note
    assert [s.action for s in learning.audit(subject="gap", subject_id=gap.id)][:2] == ["reopened", "answered"]


def test_create_article_from_a_gap_then_publishing_it_answers_the_gap(learning: Learning,
                                                                    knowledge_base: KnowledgeBase) -> None:
    learning.conversation_closed(*conversation(ZIGBEE, outcome=Outcome.ESCALATED_UNRESOLVED))
    learning.conversation_closed(*conversation(ZIGBEE_TOO, outcome=Outcome.ESCALATED_UNRESOLVED))
    [gap] = learning.list_gaps(GapState.OPEN)

    draft = learning.draft_from_gap(gap.id, "content")
    assert (draft.status, draft.title, draft.questions) == (ArticleStatus.DRAFT, ZIGBEE, (ZIGBEE_TOO,))
    assert learning.list_gaps(GapState.OPEN)[0].article_id == draft.id  # drafted, not answered yet
    knowledge_base.update_article(replace(draft, body="Yes, Zigbee 3.0."), "content")
    knowledge_base.publish(draft.id, "content")

    [answered] = learning.list_gaps(GapState.ANSWERED)
    assert (answered.id, answered.article_id) == (gap.id, draft.id)


PERSONAL = re.compile(r"[\w.+-]+@[\w-]+\.\w+|\+?\d[\d ()-]{7,}\d|\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,}")


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_no_proposal_or_gap_holds_a_card_iban_email_or_phone(learning: Learning, knowledge_base: KnowledgeBase,
                                                            engine: Engine, minilm: MiniLMEmbedder) -> None:
    redactor = PresidioRedactor()
    real = Learning(engine, knowledge_base, minilm.embed, redactor.redact)
    question = ("my card 4111 1111 1111 1111 was charged twice for Lumen Plus, refund to DE89 3704 0044 0532 0130 00 "
                "please, mail jane.doe@example.com or call +44 20 7946 0958")
    reply = "Refunded to card 4111 1111 1111 1111; confirmation sent to jane.doe@example.com, call +44 20 7946 0958"

    proposal = real.conversation_closed(*conversation(question, (reply,)))
    assert proposal is not None
    _, article = real.accept(proposal.id, "content")

    texts = [*proposal.questions, *proposal.answers, *[e for g in real.list_gaps(None) for e in g.examples],
             article.title, article.body, *article.questions]
    assert texts and not [t for t in texts if PERSONAL.search(t) or "4111" in t or "example.com" in t]
