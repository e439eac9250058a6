"""Fitting the small encoder: a real (tiny) fine-tuning of the packaged MiniLM, saved and served."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from encoders import SentenceEncoder
from encoders.fitting import FitFailed, FitSettings, Pair, fit_encoder
from encoders.protocol import model_identity
from knowledge_base.embedder import minilm_folder

PAIRS = [
    Pair("hi, how do i set up the base station", "How do I set up the Lumen Hub?", "hub-setup"),
    Pair("bridge wont connect to wifi", "The Lumen Hub is offline", "hub-offline"),
    Pair("can i cut the tape light", "Can I cut the Lumen Strip?", "strip-cutting"),
    Pair("stop paying for plus", "How do I cancel Lumen Plus?", "plus-cancel"),
] * 4
TINY = FitSettings(steps=4, batch_size=4, learning_rate=2e-4, warmup_ratio=0.0)


@pytest.mark.slow
def test_a_fitted_encoder_is_saved_under_its_identity_and_pulls_its_pairs_together(tmp_path: Path) -> None:
    fitted = fit_encoder(minilm_folder(), PAIRS, tmp_path / "encoders", TINY)

    assert fitted.folder.parent == tmp_path / "encoders" and fitted.folder.name == model_identity(fitted.folder)
    assert (fitted.pairs, fitted.steps) == (len(PAIRS), 4) and fitted.seconds > 0
    assert [p.name for p in (tmp_path / "encoders").iterdir()] == [fitted.folder.name]  # no scratch left
    base, tuned = SentenceEncoder(minilm_folder()), SentenceEncoder(fitted.folder, cache_dir=tmp_path / "onnx")
    anchor, positive = "hi, how do i set up the base station", "How do I set up the Lumen Hub?"
    before = float(np.dot(*base.encode([anchor, positive])))
    after = float(np.dot(*tuned.encode([anchor, positive])))
    assert after > before  # served like any packaged model (ONNX), and closer than before
    assert tuned.dimension == 384


def test_fitting_needs_pairs_about_more_than_one_thing(tmp_path: Path) -> None:
    with pytest.raises(FitFailed, match="at least two things"):
        fit_encoder(minilm_folder(), [Pair("a", "b", "only")], tmp_path, TINY)
