"""Rasa graph components of Tandem's NLU pipeline (referenced from config.yml).

``SentenceEmbeddingFeaturizer`` gives DIET what sparse word and character counts cannot: a
meaning vector for the whole message from a pre-trained sentence model, so "my lights won't
come on" and "the bulb stays dark" look alike although they share no word. The choice of this
pipeline was measured (benchmarks/README.md, "NLU pipeline").
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu import embeddings

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds one dense sentence-level feature vector per message text (no sequence features).

    Sentence-level only: the model's word pieces do not line up with Rasa's whitespace tokens,
    and entity tagging keeps its token features from the sparse featurizers.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            "model": "all-MiniLM-L6-v2",  # a name in nlu.embeddings.PACKAGED_MODELS, or a folder
            "batch_size": 64,
            "precision": "fp32",  # or "int8" (encoders.Precision; docs/capacity.md)
            "threads": 1,  # ONNX Runtime threads for the model; see nlu.embeddings.load
            # Length of the (unit) sentence vector. Rasa's LogisticRegressionClassifier has a fixed
            # C=1 and sees word and character counts (values 1-10) beside it, so at length 1 its
            # L2 penalty mutes the sentence vector: 10 took CLINC150 from 91.8 % to 96.0 %.
            "scale": 1.0,
        }

    @staticmethod
    def required_packages() -> list[str]:
        return ["onnxruntime", "transformers", "redis"]

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if int(config.get("batch_size", 1)) < 1:
            raise InvalidConfigException("SentenceEmbeddingFeaturizer: batch_size must be at least 1")
        if str(config.get("precision", "fp32")) not in {"fp32", "int8"}:
            raise InvalidConfigException("SentenceEmbeddingFeaturizer: precision must be fp32 or int8")
        if float(config.get("scale", 1.0)) <= 0:
            raise InvalidConfigException("SentenceEmbeddingFeaturizer: scale must be positive")
        try:
            embeddings.model_path(str(config["model"]))
        except embeddings.ModelUnavailable as error:
            raise InvalidConfigException(f"SentenceEmbeddingFeaturizer: {error}") from error

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)

    @classmethod
    def create(
        cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEmbeddingFeaturizer:
        return cls(config, execution_context.node_name)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurises every training example in batches (the slow part of training)."""
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Adds the sentence vector of each message's text; messages without text are left alone."""
        with_text = [message for message in messages if message.get(TEXT)]
        if not with_text:
            return messages
        vectors = self.vectors([str(message.get(TEXT)) for message in with_text])
        for message, vector in zip(with_text, vectors, strict=True):
            self.add_features_to_message(sequence=None, sentence=vector[np.newaxis, :], attribute=TEXT,
                                         message=message)
        return messages

    def vectors(self, texts: list[str]) -> np.ndarray:
        """The configured model's sentence vectors for ``texts``."""
        vectors = embeddings.embed(str(self._config["model"]), texts, int(self._config["batch_size"]),
                                   str(self._config["precision"]), int(self._config["threads"]))
        return vectors * np.float32(self._config["scale"])
