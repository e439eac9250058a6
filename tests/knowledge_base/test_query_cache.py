"""Repeated questions are answered from the embedder's query cache, with the same vector."""

from __future__ import annotations

import numpy as np

from knowledge_base.embedder import MiniLMEmbedder


def test_a_repeated_question_skips_the_model_and_gets_the_same_vector(minilm: MiniLMEmbedder) -> None:
    question = "How do I pair a second Lumen bulb? (cache test)"
    before = minilm.query_cache_info()
    first = minilm.embed([question])
    second = minilm.embed([question])
    after = minilm.query_cache_info()
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 1)
    np.testing.assert_array_equal(first, second)
    second[0, 0] = 42.0  # callers get their own copy: the cached vector is untouched
    assert minilm.embed([question])[0, 0] == first[0, 0]


def test_batches_bypass_the_cache_and_agree_with_single_queries(minilm: MiniLMEmbedder) -> None:
    texts = ["Reset the hub", "Cut the strip"]
    batch = minilm.embed(texts)
    singles = np.vstack([minilm.embed([text]) for text in texts])
    np.testing.assert_allclose(batch, singles, atol=1e-5)
