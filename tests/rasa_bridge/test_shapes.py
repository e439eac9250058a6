"""Reading what Rasa writes: REST-channel outputs, parse results, its progress, its environment."""

from __future__ import annotations

import pytest

from rasa_bridge import BotReply, IntentGuess, Parse, endpoints_env
from rasa_bridge.commands import Progress, progress_from
from rasa_bridge.conversation import bot_reply

pytestmark = pytest.mark.unit


def test_our_actions_custom_payload_becomes_a_bot_reply() -> None:
    raw = {"recipient_id": "s", "custom": {"text": "Hold the button for 10 s.", "article": {"id": "hub-reset"},
                                           "buttons": [{"title": "Reset", "payload": "/choose_article"}]}}
    assert bot_reply(raw) == BotReply("Hold the button for 10 s.", [{"title": "Reset", "payload": "/choose_article"}],
                                      article={"id": "hub-reset"})
    assert bot_reply({"text": "Hello!"}) == BotReply("Hello!")  # a plain domain response
    assert bot_reply({"image": "https://example.com/x.png"}) is None  # nothing the widget shows


def test_a_parse_keeps_the_ranking_and_entities() -> None:
    parse = Parse.from_rasa({
        "text": "reset my hub", "intent": {"name": "product_question", "confidence": 0.91},
        "intent_ranking": [{"name": "product_question", "confidence": 0.91}, {"name": "greet", "confidence": 0.02}],
        "entities": [{"entity": "product", "value": "Lumen Hub", "start": 9, "end": 12, "extractor": "DIETClassifier"}],
    })
    assert parse.intent == IntentGuess("product_question", 0.91)
    assert [guess.name for guess in parse.ranking] == ["product_question", "greet"]
    assert parse.entities[0].value == "Lumen Hub" and (parse.entities[0].start, parse.entities[0].end) == (9, 12)


def test_an_empty_text_parses_to_no_intent() -> None:
    parse = Parse.from_rasa({"text": "", "intent": {"name": None, "confidence": 0.0}, "entities": []})
    assert (parse.intent, parse.ranking, parse.entities) == (None, [], [])


def test_rasas_output_shows_the_component_in_training_and_its_epochs() -> None:
    line = b"2026-11-25 14:25:56 INFO rasa.engine.training.hooks  - Starting to train component 'DIETClassifier'."
    assert progress_from(line, "validating") == Progress("training DIETClassifier")
    epochs = b"Epochs:  37%|###7      | 37/100 [00:12<00:21,  2.9it/s, t_loss=2.17, i_acc=1]"
    assert progress_from(epochs, "training DIETClassifier") == Progress("training DIETClassifier", 37.0)
    assert progress_from(b"Processed story blocks: 100%", "x") is None
    assert Progress("training DIETClassifier", 37.0).describe() == "training DIETClassifier 37%"


def test_endpoints_yml_gets_the_redis_of_the_url_the_tracker_expiry_and_the_action_endpoint() -> None:
    env = endpoints_env(redis_url="redis://:pw@10.0.0.5:6390/4", action_url="http://gw/actions/webhook",
                        action_token="t", tracker_record_exp_s=3600)
    assert env["TANDEM_TRACKER_RECORD_EXP"] == "3600"
    assert (env["TANDEM_REDIS_HOST"], env["TANDEM_REDIS_PORT"], env["TANDEM_REDIS_DB"]) == ("10.0.0.5", "6390", "4")
    assert (env["TANDEM_REDIS_PASSWORD"], env["TANDEM_ACTION_URL"], env["TANDEM_ACTION_TOKEN"]) == (
        "pw", "http://gw/actions/webhook", "t")
    assert endpoints_env(redis_url="redis://localhost", action_url="", action_token="",
                         tracker_record_exp_s=1)["TANDEM_REDIS_DB"] == "0"
