"""Rasa's files as Tandem rewrites them: a candidate's config names its fitted sentence encoder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from rasa_bridge.artefacts import FEATURIZER, PROJECT_ROOT, with_featurizer_model

pytestmark = pytest.mark.unit


def test_a_candidates_config_points_the_featurizer_at_its_fitted_encoder(tmp_path: Path) -> None:
    config = tmp_path / "config.yml"
    shutil.copyfile(PROJECT_ROOT / "config.yml", config)

    with_featurizer_model(config, tmp_path / "encoder" / "abc")

    data = yaml.safe_load(config.read_text())
    featurizer = next(step for step in data["pipeline"] if step["name"] == FEATURIZER)
    assert featurizer["model"] == str(tmp_path / "encoder" / "abc") and featurizer["scale"] == 10.0
    assert data["tandem"] == yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())["tandem"]  # the rest kept


def test_a_config_without_the_featurizer_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "config.yml"
    config.write_text("pipeline:\n  - name: WhitespaceTokenizer\n")
    with pytest.raises(ValueError, match="SentenceEmbeddingFeaturizer"):
        with_featurizer_model(config, tmp_path)
