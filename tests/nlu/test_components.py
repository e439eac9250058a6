"""SentenceEmbeddingFeaturizer as Rasa runs it: in the Rasa virtualenv, through Rasa's own classes.

The component imports Rasa, which lives only in .venv-rasa, so the test drives a short script
there and checks what it reports.
"""

from __future__ import annotations

import json
import threading

import pytest
import redis

from encoders.worker import ModelWorker
from nlu.embeddings import WORKERS_URL
from tests.support.rasa_venv import rasa_script_result

pytestmark = [pytest.mark.unit]


SCRIPT = """
import json
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from nlu.components import SentenceEmbeddingFeaturizer

config = {**SentenceEmbeddingFeaturizer.get_default_config(), "alias": "minilm"}
scaled = SentenceEmbeddingFeaturizer.create({**config, "scale": 10.0}, None, None,
                                            ExecutionContext(GraphSchema({}), "g"))
featurizer = SentenceEmbeddingFeaturizer.create(config, None, None, ExecutionContext(GraphSchema({}), "f"))
texts = ["how do I reset my hub", "factory reset the bridge", "is it going to rain"]
data = featurizer.process_training_data(TrainingData([Message.build(text=t, intent="x") for t in texts]))
no_text = Message(data={"intent": "greet"})
live = featurizer.process([Message.build(text=texts[0]), no_text])
seq, sent = data.training_examples[0].get_dense_features("text", ["minilm"])
vectors = [m.get_dense_features("text")[1].features[0] for m in data.training_examples]
try:
    SentenceEmbeddingFeaturizer.validate_config({**config, "model": "no-such-model"})
    refused = False
except InvalidConfigException:
    refused = True
print(json.dumps({
    "sentence_shape": list(sent.features.shape), "has_sequence": seq is not None, "origin": sent.origin,
    "same_at_inference": bool(abs(live[0].get_dense_features("text")[1].features - sent.features).max() < 1e-5),
    "no_text_features": len(live[1].features),
    "paraphrase": float(vectors[0] @ vectors[1]), "unrelated": float(vectors[0] @ vectors[2]),
    "refused": refused,
    "scaled_length": float((scaled.vectors(texts[:1]) ** 2).sum() ** 0.5),
}))
"""


@pytest.fixture(scope="module")
def report() -> dict[str, object]:
    return rasa_script_result(SCRIPT)


def test_each_message_gets_one_sentence_vector_and_no_sequence_features(report: dict[str, object]) -> None:
    assert report["sentence_shape"] == [1, 384]
    assert report["has_sequence"] is False
    assert report["origin"] == ["minilm"]  # Rasa lists the featurizers a feature came from


def test_training_and_inference_featurise_a_text_alike(report: dict[str, object]) -> None:
    assert report["same_at_inference"] is True


def test_messages_without_text_are_left_alone(report: dict[str, object]) -> None:
    assert report["no_text_features"] == 0


def test_paraphrases_get_closer_vectors_than_unrelated_messages(report: dict[str, object]) -> None:
    assert float(report["paraphrase"]) > float(report["unrelated"]) + 0.2  # type: ignore[arg-type]


def test_an_unknown_model_is_refused_when_the_config_is_read(report: dict[str, object]) -> None:
    assert report["refused"] is True


def test_scale_sets_the_length_of_the_sentence_vector(report: dict[str, object]) -> None:
    assert report["scaled_length"] == pytest.approx(10.0, rel=1e-4)


WORKER_SCRIPT = """
import json, os, sys
import numpy as np
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.shared.nlu.training_data.message import Message
from encoders import SentenceEncoder
from nlu import embeddings
from nlu.components import SentenceEmbeddingFeaturizer

texts = json.loads(sys.argv[1])
config = {**SentenceEmbeddingFeaturizer.get_default_config(), "alias": "minilm"}
featurizer = SentenceEmbeddingFeaturizer.create(config, None, None, ExecutionContext(GraphSchema({}), "f"))
served = np.vstack([featurizer.process([Message.build(text=t)])[0].get_dense_features("text")[1].features
                    for t in texts])
alone = SentenceEncoder(embeddings.model_path("all-MiniLM-L6-v2")).encode(texts)
print(json.dumps({"client": type(embeddings.load("all-MiniLM-L6-v2")).__name__,
                  "max_difference": float(abs(served - alone).max())}))
"""


@pytest.mark.integration
def test_a_rasa_server_featurises_through_the_model_worker_with_the_same_vectors(redis_url: str) -> None:
    """As ``make run`` starts Rasa (TANDEM_MODELS_URL set): the featurizer is a worker client."""
    redis.Redis.from_url(redis_url).flushdb()
    worker = ModelWorker(redis_url, "nlu-test")
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    texts = ["how do I reset my hub", "factory reset the bridge", "is it going to rain", "hi"]
    try:
        result = rasa_script_result(WORKER_SCRIPT, json.dumps(texts), env={WORKERS_URL: redis_url})
    finally:
        worker.stop.set()
        thread.join(timeout=10)
    assert result["client"] == "RemoteEncoder"
    assert worker.batches >= 1  # the worker computed them, not Rasa's process
    assert result["max_difference"] < 2e-6
