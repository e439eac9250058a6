"""The ONNX sentence encoder gives the models' own vectors (fp32) or close ones (int8), for less CPU."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from encoders import EncoderUnavailable, Precision, SentenceEncoder
from knowledge_base.embedder import minilm_folder

pytestmark = [pytest.mark.unit, pytest.mark.slow]

SENTENCES = [
    "How do I factory reset my Lumen Hub?", "my bulb keeps blinking after the update",
    "hi", "Does the strip work with Alexa and Google Home, or only with the app?",
    "what's the weather tomorrow", "I want to talk to a person",
]


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    """all-MiniLM-L6-v2 as sentence-transformers computes it on torch (the vectors the thresholds know)."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(minilm_folder()), device="cpu", local_files_only=True)
    return np.asarray(model.encode(SENTENCES, normalize_embeddings=True, convert_to_numpy=True))


def test_fp32_gives_the_models_own_vectors(reference: np.ndarray) -> None:
    vectors = SentenceEncoder(minilm_folder(), precision=Precision.FP32).encode(SENTENCES, batch_size=4)
    assert vectors.shape == (len(SENTENCES), 384) and vectors.dtype == np.float32
    assert (vectors * reference).sum(axis=1).min() > 0.9999


def test_int8_stays_within_a_cosine_of_099(reference: np.ndarray) -> None:
    vectors = SentenceEncoder(minilm_folder(), precision=Precision.INT8).encode(SENTENCES)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert (vectors * reference).sum(axis=1).min() > 0.98


def test_a_batch_agrees_with_one_text_at_a_time() -> None:
    encoder = SentenceEncoder(minilm_folder())
    one_by_one = np.vstack([encoder.encode([text]) for text in SENTENCES])
    assert np.allclose(encoder.encode(SENTENCES), one_by_one, atol=1e-5)


def test_the_export_is_made_once_and_reused(tmp_path: Path) -> None:
    SentenceEncoder(minilm_folder(), cache_dir=tmp_path).encode(["warm"])
    [exported] = (tmp_path / "onnx").glob("*/model-fp32.onnx")
    made = exported.stat().st_mtime_ns
    SentenceEncoder(minilm_folder(), cache_dir=tmp_path).encode(["again"])
    assert exported.stat().st_mtime_ns == made
    assert not list(exported.parent.glob("*.part"))  # no scratch file left behind


def test_a_model_without_mean_pooling_is_refused(tmp_path: Path) -> None:
    model = tmp_path / "cls-model"
    (model / "1_Pooling").mkdir(parents=True)
    (model / "1_Pooling" / "config.json").write_text('{"pooling_mode_cls_token": true}')
    with pytest.raises(EncoderUnavailable, match="mean pooling"):
        SentenceEncoder(model, cache_dir=tmp_path).encode(["hello"])
