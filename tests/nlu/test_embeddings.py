"""The sentence vectors the NLU featurizer adds: packaged model, unit length, meaning over wording."""

from __future__ import annotations

import numpy as np
import pytest

from nlu import embeddings

pytestmark = [pytest.mark.unit]


def test_the_packaged_minilm_gives_unit_vectors_of_384_dimensions() -> None:
    vectors = embeddings.embed("all-MiniLM-L6-v2", ["my hub blinks amber", "hello"])
    assert vectors.shape == (2, 384)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_paraphrases_are_closer_than_unrelated_sentences() -> None:
    reset, reboot, weather = embeddings.embed(
        "all-MiniLM-L6-v2", ["how do I factory reset the hub", "wipe my bridge back to factory settings",
                             "will it rain tomorrow"])
    assert reset @ reboot > reset @ weather + 0.2


def test_no_texts_give_an_empty_matrix() -> None:
    assert embeddings.embed("all-MiniLM-L6-v2", []).shape == (0, 384)


def test_an_unknown_model_says_what_it_accepts() -> None:
    with pytest.raises(embeddings.ModelUnavailable, match="all-MiniLM-L6-v2"):
        embeddings.model_path("no-such-model")
