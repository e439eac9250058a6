"""Proposals from resolved escalations: which conversations make one, how they merge, and each decision."""

from __future__ import annotations

import pytest

from knowledge_base import Action, ArticleStatus, KnowledgeBase
from learning import AlreadyDecided, ArticleEdits, InvalidDecision, Learning, PendingDraft
from outcomes.models import Outcome
from retraining.review import ReviewQueue
from tests.learning.factories import conversation, menu_left_unanswered

pytestmark = pytest.mark.integration

SCHEDULE = "Can the lights come on by themselves at sunset every evening?"
SCHEDULE_TOO = "can I make my lamps switch on automatically when the sun goes down"
SCHEDULE_ANSWER = "Yes: in the Lumen app open Schedules, tap +, choose Sunset and the lights to switch on."
WARRANTY = "What is the warranty on a strip that stopped working?"


def test_a_question_no_article_answered_becomes_a_new_article_proposal_that_grows(learning: Learning) -> None:
    first = learning.conversation_closed(*conversation(SCHEDULE, (SCHEDULE_ANSWER,)), ours=False)
    second = learning.conversation_closed(*conversation(SCHEDULE_TOO, ("Use a sunset schedule in the app.",),
                                                        reason="repeated_fallback"), ours=False)
    other = learning.conversation_closed(*conversation(WARRANTY, ("Two years.",), reason="not_helpful"), ours=False)

    assert first is not None and second is not None and other is not None
    assert second.id == first.id and other.id != first.id
    proposal = learning.proposals.get(first.id)
    assert (proposal.kind, proposal.state, proposal.customers) == ("new_article", "open", 2)
    assert proposal.questions == [SCHEDULE, SCHEDULE_TOO]
    assert proposal.answers == [SCHEDULE_ANSWER, "Use a sunset schedule in the app."]  # no internal note
    assert [p.id for p in learning.proposals.list()] == [first.id, other.id]  # most customers first


def test_the_same_conversation_counts_once(learning: Learning) -> None:
    record, transcript = conversation(SCHEDULE, (SCHEDULE_ANSWER,))
    learning.conversation_closed(record, transcript)
    assert learning.conversation_closed(record, transcript) is None
    assert learning.proposals.list()[0].customers == 1


def test_an_answer_taken_from_an_article_proposes_the_question_as_its_phrasing(learning: Learning) -> None:
    question = "the little hub light is flashing and nothing responds, how do I start over"
    proposal = learning.conversation_closed(*conversation(question, articles=("hub-reset",)))
    again = learning.conversation_closed(*conversation("how to wipe the hub", articles=("hub-reset",)))

    assert proposal is not None and again is not None and again.id == proposal.id
    assert (proposal.kind, proposal.article_id) == ("phrasing", "hub-reset")
    assert learning.proposals.get(proposal.id).questions == [question, "how to wipe the hub"]


@pytest.mark.parametrize(("reason", "outcome", "ours", "proposed"), [
    ("low_confidence", Outcome.AGENT_RESOLVED, False, True),
    ("customer_request", Outcome.AGENT_RESOLVED, False, False),  # they asked for a person: nothing missing
    ("third_party", Outcome.AGENT_RESOLVED, False, False),
    ("third_party", Outcome.AGENT_RESOLVED, True, True),  # the agent says it was ours after all
    ("out_of_scope", Outcome.AGENT_RESOLVED, True, True),
    ("low_confidence", Outcome.ESCALATED_UNRESOLVED, False, False),  # no agent answer to learn from
])
def test_which_conversations_make_a_proposal(learning: Learning, reason: str, outcome: Outcome, ours: bool,
                                             proposed: bool) -> None:
    made = learning.conversation_closed(*conversation(SCHEDULE, reason=reason, outcome=outcome), ours=ours)
    assert (made is not None) == proposed


def test_accepting_publishes_a_new_article_the_bot_answers_with(learning: Learning,
                                                                knowledge_base: KnowledgeBase) -> None:
    proposal = learning.conversation_closed(*conversation(SCHEDULE, (SCHEDULE_ANSWER,)))
    learning.conversation_closed(*conversation(SCHEDULE_TOO, (SCHEDULE_ANSWER,)))
    assert proposal is not None

    decided, article = learning.accept(proposal.id, "content")

    assert (decided.state, decided.decided_by, decided.article_id) == ("accepted", "content", article.id)
    assert (article.status, article.title, article.body) == (ArticleStatus.PUBLISHED, SCHEDULE, SCHEDULE_ANSWER)
    assert article.questions == (SCHEDULE_TOO,)
    decision = knowledge_base.decide("lights on automatically at sunset?")
    assert decision.action is Action.ANSWER and decision.candidates[0].article_id == article.id
    with pytest.raises(AlreadyDecided, match="already accepted"):
        learning.accept(proposal.id, "content")
    steps = [(s.actor, s.action) for s in learning.audit(subject="proposal", subject_id=proposal.id)]
    assert steps == [("content", "accepted"), ("system", "asked_again"), ("system", "asked"), ("system", "proposed")]


def test_edit_then_publish_uses_the_curators_words(learning: Learning, knowledge_base: KnowledgeBase) -> None:
    proposal = learning.conversation_closed(*conversation(SCHEDULE, ("hi, let me check", SCHEDULE_ANSWER)))
    assert proposal is not None
    edits = ArticleEdits(id="sunset-schedules", title="Can my lights switch on at sunset?", body=SCHEDULE_ANSWER,
                         questions=(SCHEDULE,), product="Lumen app", tags=("schedules",))

    _, article = learning.accept(proposal.id, "content", edits)

    assert knowledge_base.get_article("sunset-schedules") == article
    assert (article.title, article.body, article.questions, article.product) == (
        "Can my lights switch on at sunset?", SCHEDULE_ANSWER, (SCHEDULE,), "Lumen app")
    assert learning.audit(subject="proposal", subject_id=proposal.id)[0].details["edited"] is True


def test_accepting_a_phrasing_publishes_it_on_the_article(learning: Learning, knowledge_base: KnowledgeBase) -> None:
    question = "the little hub light is flashing and nothing responds, how do I start over"
    proposal = learning.conversation_closed(*conversation(question, articles=("hub-reset",)))
    assert proposal is not None
    before = knowledge_base.get_article("hub-reset")

    _, article = learning.accept(proposal.id, "content")

    assert article.questions == (*before.questions, question)
    assert knowledge_base.get_article("hub-reset").questions == article.questions  # live, not a draft
    assert knowledge_base.draft("hub-reset") is None


def test_a_phrasing_is_not_published_over_someone_elses_pending_draft(learning: Learning,
                                                                      knowledge_base: KnowledgeBase) -> None:
    from dataclasses import replace
    live = knowledge_base.get_article("hub-reset")
    knowledge_base.update_article(replace(live, body="An edit under review."), "cora")
    proposal = learning.conversation_closed(*conversation("how to wipe the hub", articles=("hub-reset",)))
    assert proposal is not None

    with pytest.raises(PendingDraft, match="unpublished changes saved by cora"):
        learning.accept(proposal.id, "content")
    assert learning.proposals.get(proposal.id).state == "open"
    assert knowledge_base.get_article("hub-reset").body == live.body


def test_merge_adds_the_questions_to_another_article(learning: Learning, knowledge_base: KnowledgeBase) -> None:
    proposal = learning.conversation_closed(*conversation("can the light tape be trimmed with scissors"))
    assert proposal is not None

    decided, article = learning.merge(proposal.id, "strip-cutting", "content")

    assert (decided.state, decided.article_id) == ("merged", "strip-cutting")
    assert article.questions[-1] == "can the light tape be trimmed with scissors"
    assert knowledge_base.get_article("strip-cutting").status is ArticleStatus.PUBLISHED


def test_reject_needs_a_reason_and_keeps_it(learning: Learning) -> None:
    proposal = learning.conversation_closed(*conversation(WARRANTY))
    assert proposal is not None
    with pytest.raises(InvalidDecision, match="say why"):
        learning.reject(proposal.id, "content", "   ")
    assert learning.proposals.get(proposal.id).state == "open"

    rejected = learning.reject(proposal.id, "content", "one-off: a faulty batch")

    assert (rejected.state, rejected.note, rejected.decided_by) == ("rejected", "one-off: a faulty batch", "content")
    assert learning.proposals.list() == []
    assert learning.audit(limit=1)[0].details["note"] == "one-off: a faulty batch"


def test_a_question_the_classifier_vetoed_goes_to_the_nlu_review_labelled(learning: Learning,
                                                                         review: ReviewQueue) -> None:
    proposal = learning.conversation_closed(*conversation("does it work with my philips dimmer", reason="third_party"),
                                            ours=True)
    assert proposal is not None
    vetoed = {"rule": "other_brand", "intents": [["third_party_question", 0.91]]}
    answered = {"rule": "confident_article", "intents": [["product_question", 0.8]]}

    queued = learning.vetoed(proposal, [("does it work with my philips dimmer", vetoed), ("other", answered)])

    assert queued == 1
    [item] = review.items()
    assert (item.text, item.predicted_intent, item.reason) == (
        "does it work with my philips dimmer", "third_party_question", "proposal_veto")
    assert item.why is not None and item.why["label"] == "product_question"


def test_none_of_these_in_a_menu_then_an_agent_answer_makes_a_proposal(learning: Learning) -> None:
    record, transcript = conversation("how do I wipe everything off the hub", reason="customer_request")
    menu = menu_left_unanswered("how do I wipe everything off the hub", then="None of these")
    assert learning.conversation_closed(record, [*menu, *transcript[1:]]) is not None
