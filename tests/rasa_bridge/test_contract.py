"""rasa_bridge against the session's trained Rasa server: what Tandem relies on Rasa to do.

Conversation (send and reply, readiness, parse, tracker erasure), the operators' API (status,
test intents, a refused load) and the command line's data split, each as a user of the package.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.processes import free_port
from rasa_bridge import (
    MODELS_DIR,
    Logged,
    RasaClient,
    RasaCommandFailed,
    RasaServer,
    RasaServerError,
    erase_tracker,
    model_fingerprint,
    server_ready,
    tracker_key,
)
from rasa_bridge.commands import split_nlu
from retraining.nlu_yaml import read_examples, render
from tests.support.system import RASA_TOKEN, RunningSystem

pytestmark = pytest.mark.integration
QUESTION = "How do I factory reset my Lumen Hub?"


@pytest.fixture
async def client(system: RunningSystem) -> AsyncIterator[RasaClient]:
    rasa = RasaClient(system.rasa_urls, timeout_s=60, api_token=RASA_TOKEN)
    yield rasa
    await rasa.aclose()


@pytest.fixture
def server(system: RunningSystem) -> RasaServer:
    return RasaServer(system.rasa_urls[0], RASA_TOKEN)


@pytest.fixture
async def redis(system: RunningSystem) -> AsyncIterator[Redis]:
    connection = Redis.from_url(system.redis_url, decode_responses=True)
    yield connection
    await connection.aclose()


async def test_a_message_gets_the_bots_reply_with_its_article(client: RasaClient) -> None:
    replies = await client.send(uuid.uuid4().hex, QUESTION)
    assert replies and replies[0].text
    assert replies[0].article is not None and replies[0].article["id"] == "hub-reset"


async def test_the_server_is_ready_and_a_wrong_token_or_address_is_not(system: RunningSystem,
                                                                       client: RasaClient) -> None:
    assert await client.is_ready()
    assert server_ready(system.rasa_urls[0], RASA_TOKEN)
    assert not server_ready(system.rasa_urls[0], "not-the-token")
    assert not server_ready(f"http://127.0.0.1:{free_port()}", RASA_TOKEN)


async def test_parse_ranks_intents_and_finds_entities_without_a_conversation(client: RasaClient,
                                                                             redis: Redis) -> None:
    trackers_before = {key async for key in redis.scan_iter(tracker_key("*"))}
    parse = await client.parse(QUESTION)
    assert parse.text == QUESTION
    assert parse.intent is not None and parse.intent.name == "product_question"
    assert parse.ranking[0] == parse.intent and len(parse.ranking) > 3
    confidences = [guess.confidence for guess in parse.ranking]
    assert confidences == sorted(confidences, reverse=True) and all(0 <= c <= 1 for c in confidences)
    product = next(e for e in parse.entities if e.entity == "product")
    assert product.value == "Lumen Hub" and product.start is not None and product.end is not None
    assert {key async for key in redis.scan_iter(tracker_key("*"))} == trackers_before  # no tracker made


async def test_status_names_the_loaded_model_by_its_fingerprint(server: RasaServer) -> None:
    status = await server.status()
    assert status["model_id"] == model_fingerprint(MODELS_DIR / Path(status["model_file"]).name)


async def test_erasing_a_tracker_forgets_what_the_customer_said(client: RasaClient, server: RasaServer,
                                                                redis: Redis) -> None:
    sender = uuid.uuid4().hex
    await client.send(sender, "my order number is 4471 and the strip is broken")
    said = [e["text"] for e in await server.tracker_events(sender) if e["event"] == "user"]
    assert said == ["my order number is 4471 and the strip is broken"]
    await erase_tracker(redis, sender)
    assert not await redis.exists(tracker_key(sender))
    assert not [e for e in await server.tracker_events(sender) if e["event"] == "user"]
    await erase_tracker(redis, sender)  # idempotent


async def test_intents_are_tested_on_the_loaded_model(server: RasaServer) -> None:
    answer = await server.test_intents(render({"greet": ["hello there", "good morning"],
                                               "product_question": ["how do I reset my hub"]}))
    report = answer["intent_evaluation"]["report"]
    assert report["macro avg"]["support"] == 3 and "greet" in report


async def test_a_refused_model_is_a_clear_error_and_the_old_model_keeps_answering(
    server: RasaServer, client: RasaClient, tmp_path: Path
) -> None:
    before = await server.status()
    with pytest.raises(RasaServerError, match=r"refused missing\.tar\.gz"):
        await server.load(tmp_path / "missing.tar.gz")
    assert (await server.status())["model_id"] == before["model_id"]
    assert await client.send(uuid.uuid4().hex, QUESTION)
    with pytest.raises(RasaServerError, match="did not answer GET /status"):
        await RasaServer(f"http://127.0.0.1:{free_port()}", RASA_TOKEN).status()


@pytest.mark.slow
async def test_the_data_split_is_stratified_and_a_failing_command_names_its_log(tmp_path: Path) -> None:
    examples = {"greet": [f"hello number {n}" for n in range(10)], "goodbye": [f"bye number {n}" for n in range(10)]}
    (tmp_path / "nlu").mkdir()
    (tmp_path / "nlu" / "nlu.yml").write_text(render(examples))
    logged = Logged(tmp_path / "split.log", cwd=tmp_path)
    training, test = await split_nlu(logged, nlu=tmp_path / "nlu", training_fraction=0.8, seed=42,
                                     out=tmp_path / "split")
    held_out = read_examples(test)
    assert {name: len(texts) for name, texts in held_out.items()} == {"greet": 2, "goodbye": 2}
    assert sum(len(texts) for texts in read_examples(training).values()) == 16
    with pytest.raises(RasaCommandFailed, match=r"split\.log"):
        await split_nlu(logged, nlu=tmp_path / "nowhere", training_fraction=0.8, seed=42, out=tmp_path / "again")
