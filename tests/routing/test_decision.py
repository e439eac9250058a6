"""One test per routing rule: what the bot does with a message, given the classifier, entities and articles."""

from __future__ import annotations

import pytest

from knowledge_base import Candidate, Thresholds
from outcomes.models import EscalationReason
from routing import Intent, Policy, Signals, Step, best_per_article, route

pytestmark = pytest.mark.unit

POLICY = Policy(Thresholds(answer_threshold=0.62, clarify_threshold=0.50, clarify_max_options=3, answer_margin=0.03),
                veto_confidence=0.8, veto_clarify=0.56)


def article(article_id: str, score: float, body: str = "How to do it.", product: str | None = "Lumen Hub") -> Candidate:
    return Candidate(article_id, article_id.replace("-", " ").capitalize(), body, product, score)


def said(*ranking: tuple[str, float]) -> tuple[Intent, ...]:
    return tuple(Intent(name, confidence) for name, confidence in ranking)


CONFIDENT = (article("change-password", 0.78), article("change-email", 0.60))
CLOSE = (article("hub-offline", 0.58), article("hub-reset", 0.57))
NOTHING = (article("hub-reset", 0.31),)


def test_a_request_for_a_person_goes_to_a_person_even_with_a_confident_article() -> None:
    decided = route(Signals(said(("request_human", 0.9)), candidates=CONFIDENT), POLICY)
    assert (decided.step, decided.reason, decided.rule) == (Step.HAND_OVER, EscalationReason.CUSTOMER_REQUEST,
                                                            "person_requested")


def test_an_unsure_request_for_a_person_still_counts() -> None:
    decided = route(Signals(said(("nlu_fallback", 0.5), ("request_human", 0.42)), candidates=CLOSE), POLICY)
    assert decided.rule == "person_requested"


def test_a_greeting_alone_gets_small_talk() -> None:
    decided = route(Signals(said(("greet", 0.97)), candidates=(), has_question=False), POLICY)
    assert (decided.step, decided.rule) == (Step.SMALL_TALK, "greeting_only")


def test_a_greeting_with_a_question_gets_the_answer() -> None:
    decided = route(Signals(said(("greet", 0.7), ("product_question", 0.2)), candidates=CONFIDENT), POLICY)
    assert (decided.step, decided.candidates[0].article_id) == (Step.ANSWER, "change-password")


def test_another_companys_product_without_an_article_of_ours_goes_to_a_person_as_third_party() -> None:
    signals = Signals(said(("third_party_question", 0.9)), brands=("Netflix",), candidates=CONFIDENT)
    decided = route(signals, POLICY)
    assert (decided.step, decided.reason, decided.rule, decided.brand) == (
        Step.HAND_OVER, EscalationReason.THIRD_PARTY, "other_brand", "Netflix")


def test_a_brand_is_not_third_party_when_an_article_of_ours_covers_it() -> None:
    alexa = (article("alexa", 0.66, body="Open the Alexa app and enable the Lumen skill."),
             article("google-home", 0.55))
    decided = route(Signals(said(("third_party_question", 0.95)), brands=("Alexa",), candidates=alexa), POLICY)
    assert (decided.step, decided.candidates[0].article_id) == (Step.ANSWER, "alexa")


def test_a_runner_up_article_that_names_the_brand_does_not_make_it_ours() -> None:
    found = (article("bulb-reset", 0.60), article("app-install", 0.55, body="On an iPhone, open the App Store."))
    decided = route(Signals(said(("third_party_question", 0.9)), brands=("iPhone",), candidates=found), POLICY)
    assert (decided.rule, decided.reason) == ("other_brand", EscalationReason.THIRD_PARTY)


def test_an_article_covering_the_brand_is_offered_first_behind_a_generic_one() -> None:
    found = (article("remote-access", 0.58), article("apple-home", 0.55, body="Add the hub to Apple Home."))
    decided = route(Signals(said(("product_question", 0.99)), brands=("Apple Home",), candidates=found), POLICY)
    assert (decided.step, decided.rule, [c.article_id for c in decided.candidates]) == (
        Step.CLARIFY, "covered_brand", ["apple-home", "remote-access"])


def test_an_article_covering_the_brand_is_offered_below_the_usual_bar() -> None:
    found = (article("apple-home", 0.40, body="Scan the Matter code in Apple Home."), article("hub-offline", 0.32))
    decided = route(Signals(said(("product_question", 0.99)), brands=("Apple Home",), candidates=found), POLICY)
    assert (decided.step, decided.rule, decided.candidates[0].article_id) == (Step.CLARIFY, "covered_brand",
                                                                              "apple-home")


def test_a_brand_named_beside_our_product_is_ours() -> None:
    signals = Signals(said(("product_question", 0.9)), products=("Lumen Hub",), brands=("Netgear",), candidates=CLOSE)
    assert route(signals, POLICY).step is Step.CLARIFY


def test_a_confident_article_beats_a_product_question_naming_a_brand() -> None:
    signals = Signals(said(("product_question", 0.7)), brands=("iPhone",), candidates=CONFIDENT)
    assert route(signals, POLICY).rule == "confident_article"


def test_an_order_problem_reaches_the_order_article_not_the_products_how_to() -> None:
    orders = "Orders & Shipping"
    candidates = (article("bulb-color-setup", 0.74), article("order-damaged-missing", 0.63, product=orders),
                  article("order-tracking", 0.52, product=orders))
    decided = route(Signals(said(("product_question", 0.9)), candidates=candidates, order_problem=True), POLICY)
    assert (decided.rule, decided.step, decided.candidates[0].article_id) == (
        "order_problem", Step.ANSWER, "order-damaged-missing")


@pytest.mark.parametrize("intent", ["third_party_question", "out_of_scope"])
def test_a_confident_article_is_not_vetoed_by_the_classifier(intent: str) -> None:
    decided = route(Signals(said((intent, 0.93)), candidates=CONFIDENT), POLICY)
    assert (decided.step, decided.rule) == (Step.ANSWER, "confident_article")


@pytest.mark.parametrize(("intent", "reason"), [("third_party_question", EscalationReason.THIRD_PARTY),
                                                ("out_of_scope", EscalationReason.OUT_OF_SCOPE)])
def test_a_sure_classifier_hands_over_when_no_article_is_close(intent: str, reason: EscalationReason) -> None:
    weak = (article("hub-offline", 0.53),)
    decided = route(Signals(said((intent, 0.92)), candidates=weak), POLICY)
    assert (decided.step, decided.reason, decided.rule) == (Step.HAND_OVER, reason, "classifier_veto")


def test_one_article_far_ahead_of_the_rest_outweighs_a_sure_classifier() -> None:
    fragment = (article("subscription-price", 0.47), article("hub-offline", 0.30))  # "yearly price"
    decided = route(Signals(said(("out_of_scope", 0.92)), candidates=fragment), POLICY)
    assert (decided.step, decided.rule, decided.candidates[0].article_id) == (
        Step.CLARIFY, "close_articles", "subscription-price")


def test_close_articles_are_offered_when_the_classifier_is_not_sure_enough_to_veto() -> None:
    decided = route(Signals(said(("out_of_scope", 0.6)), candidates=CLOSE), POLICY)
    assert (decided.step, decided.rule, len(decided.candidates)) == (Step.CLARIFY, "close_articles", 2)


def test_chit_chat_the_knowledge_base_has_nothing_for_gets_small_talk() -> None:
    decided = route(Signals(said(("greet", 0.8)), candidates=NOTHING), POLICY)
    assert (decided.step, decided.rule) == (Step.SMALL_TALK, "chit_chat")


def test_a_sure_product_question_gets_the_closest_articles_below_the_usual_bar() -> None:
    low = (article("hub-capacity", 0.44), article("hub-required", 0.35))
    decided = route(Signals(said(("product_question", 0.95)), candidates=low), POLICY)
    assert (decided.step, decided.rule, decided.candidates[0].article_id) == (Step.CLARIFY, "product_question",
                                                                              "hub-capacity")


def test_an_unsure_product_question_with_low_articles_still_goes_to_a_person() -> None:
    low = (article("hub-capacity", 0.44), article("hub-required", 0.35))
    decided = route(Signals(said(("product_question", 0.4)), candidates=low), POLICY)
    assert (decided.step, decided.rule) == (Step.HAND_OVER, "no_article")


def test_the_classifiers_reason_when_nothing_is_close() -> None:
    decided = route(Signals(said(("out_of_scope", 0.6)), candidates=NOTHING), POLICY)
    assert (decided.step, decided.reason, decided.rule) == (Step.HAND_OVER, EscalationReason.OUT_OF_SCOPE,
                                                            "classifier_reason")


def test_an_unclear_message_with_no_article_is_asked_again_once_then_handed_over() -> None:
    unsure = said(("nlu_fallback", 0.5), ("product_question", 0.4))
    first = route(Signals(unsure, candidates=NOTHING), POLICY)
    second = route(Signals(unsure, candidates=NOTHING, rephrased=True), POLICY)
    assert (first.step, first.rule) == (Step.REPHRASE, "rephrase_first")
    assert (second.step, second.reason, second.rule) == (Step.HAND_OVER, EscalationReason.REPEATED_FALLBACK,
                                                         "repeated_fallback")


def test_a_product_question_without_an_article_goes_to_a_person() -> None:
    decided = route(Signals(said(("product_question", 0.95)), candidates=NOTHING), POLICY)
    assert (decided.step, decided.reason, decided.rule) == (Step.HAND_OVER, EscalationReason.LOW_CONFIDENCE,
                                                            "no_article")


def test_why_records_the_signals_and_the_rule() -> None:
    signals = Signals(said(("third_party_question", 0.9), ("product_question", 0.05)), brands=("Netflix",),
                      candidates=CONFIDENT)
    assert route(signals, POLICY).why() == {
        "rule": "other_brand", "step": "hand_over", "reason": "third_party",
        "intents": [["third_party_question", 0.9], ["product_question", 0.05]],
        "entities": {"product": [], "brand": ["Netflix"]},
        "candidates": [["change-password", 0.78], ["change-email", 0.6]],
    }


def test_several_searches_keep_each_article_at_its_best_score() -> None:
    merged = best_per_article([[article("a", 0.5), article("b", 0.7)], [article("a", 0.8)]])
    assert [(c.article_id, c.score) for c in merged] == [("a", 0.8), ("b", 0.7)]


def test_one_article_far_ahead_is_answered_below_the_knowledge_bases_bar() -> None:
    leading = (article("plus-price-trial", 0.42), article("app-energy-use", 0.28))
    decided = route(Signals(said(("product_question", 0.6)), candidates=leading), POLICY)
    assert (decided.step, decided.rule, decided.candidates[0].article_id) == (Step.ANSWER, "leading_article",
                                                                              "plus-price-trial")


def test_a_leading_article_is_not_answered_when_the_classifier_says_third_party() -> None:
    leading = (article("alexa", 0.42), article("app-energy-use", 0.28))
    decided = route(Signals(said(("third_party_question", 0.6)), candidates=leading), POLICY)
    assert decided.step is not Step.ANSWER


def test_a_short_lead_is_offered_not_answered() -> None:
    close = (article("hub-capacity", 0.44), article("hub-required", 0.40))
    decided = route(Signals(said(("product_question", 0.95)), candidates=close), POLICY)
    assert (decided.step, decided.rule) == (Step.CLARIFY, "product_question")


def with_signals(candidate: Candidate, **signals: float) -> Candidate:
    return Candidate(candidate.article_id, candidate.title, candidate.body, candidate.product, candidate.score, signals)


def test_an_answer_another_article_beats_on_its_body_and_its_words_is_offered_instead() -> None:
    """The sensor's reset article's questions look like "how do I set up the sensor"; what it says does not."""
    reset = with_signals(article("motion-sensor-reset", 0.74), paraphrase=0.8, body=0.45, lexical=2.0)
    setup_like = with_signals(article("motion-sensor-placement", 0.66), paraphrase=0.6, body=0.52, lexical=3.1)
    decided = route(Signals(said(("product_question", 0.96)), candidates=(reset, setup_like)), POLICY)
    assert (decided.step, decided.rule) == (Step.CLARIFY, "uncorroborated")
    assert [c.article_id for c in decided.candidates] == ["motion-sensor-reset", "motion-sensor-placement"]


@pytest.mark.parametrize(("body", "lexical", "score"), [
    (0.50, 2.0, 0.74),  # the best on its body
    (0.45, 3.5, 0.74),  # the best on its words
    (0.45, 2.0, 0.85),  # beaten on both, but scoring above corroborate_below
])
def test_an_answer_corroborated_by_its_body_or_its_words_or_far_above_the_bar_is_given(
        body: float, lexical: float, score: float) -> None:
    best = with_signals(article("motion-sensor-setup", score), body=body, lexical=lexical)
    other = with_signals(article("motion-sensor-reset", 0.62), body=0.48, lexical=3.1)
    decided = route(Signals(said(("product_question", 0.96)), candidates=(best, other)), POLICY)
    assert (decided.step, decided.rule) == (Step.ANSWER, "confident_article")


def test_a_leading_article_needs_corroborating_too() -> None:
    leading = with_signals(article("plus-price-trial", 0.42), body=0.2, lexical=0.1)
    other = with_signals(article("app-energy-use", 0.28), body=0.3, lexical=1.0)
    decided = route(Signals(said(("product_question", 0.6)), candidates=(leading, other)), POLICY)
    assert (decided.step, decided.rule) == (Step.CLARIFY, "uncorroborated")
