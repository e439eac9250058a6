"""Rasa's files as Tandem rewrites them (a candidate's config names its fitted sentence encoder), and
a model is trained again only when what it is made from changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from rasa_bridge.artefacts import (
    FEATURIZER,
    PROJECT_ROOT,
    inputs_digest,
    record_inputs,
    up_to_date_model,
    with_featurizer_model,
)
from rasa_bridge.commands import train_project

pytestmark = pytest.mark.unit


def test_a_candidates_config_points_the_featurizer_at_its_fitted_encoder(tmp_path: Path) -> None:
    config = tmp_path / "config.yml"
    shutil.copyfile(PROJECT_ROOT / "config.yml", config)

    with_featurizer_model(config, tmp_path / "encoder" / "abc")

    data = yaml.safe_load(config.read_text())
    featurizers = [step for step in data["pipeline"] if step["name"] == FEATURIZER]
    assert [step["model"] for step in featurizers] == [str(tmp_path / "encoder" / "abc"), "all-mpnet-base-v2"]
    assert featurizers[0]["scale"] == 10.0  # the small model's settings kept; the large model is not fitted
    assert data["tandem"] == yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())["tandem"]  # the rest kept


@pytest.mark.parametrize("pipeline", [
    "  - name: WhitespaceTokenizer\n",
    f"  - name: {FEATURIZER}\n    model: all-mpnet-base-v2\n",  # only the large model: nothing to fit
])
def test_a_config_without_the_small_models_featurizer_is_refused(tmp_path: Path, pipeline: str) -> None:
    config = tmp_path / "config.yml"
    config.write_text("pipeline:\n" + pipeline)
    with pytest.raises(ValueError, match="SentenceEmbeddingFeaturizer of all-MiniLM-L6-v2"):
        with_featurizer_model(config, tmp_path)


def test_the_newest_model_is_reused_while_nothing_it_is_made_from_changed(tmp_path: Path) -> None:
    archive = tmp_path / "20261205-000000-old.tar.gz"
    archive.write_bytes(b"a model")
    record_inputs(archive, inputs_digest())

    assert train_project(out_dir=tmp_path) == archive  # Rasa is not asked: it would add an archive
    assert sorted(p.name for p in tmp_path.iterdir()) == [archive.name, archive.name + ".inputs"]


def test_a_changed_training_file_or_component_needs_a_new_model(tmp_path: Path) -> None:
    (tmp_path / "nlu").mkdir()
    (tmp_path / "nlu" / "components.py").write_text("v1")
    (tmp_path / "config.yml").write_text("pipeline: []")
    names = ("config.yml", "training_data/nlu.yml", "nlu")
    archive = tmp_path / "model.tar.gz"
    archive.write_bytes(b"a model")
    record_inputs(archive, inputs_digest(tmp_path, names))
    assert up_to_date_model(inputs_digest(tmp_path, names), tmp_path) == archive

    (tmp_path / "nlu" / "components.py").write_text("v2")
    assert up_to_date_model(inputs_digest(tmp_path, names), tmp_path) is None
    (tmp_path / "nlu" / "components.py").write_text("v1")
    (tmp_path / "training_data").mkdir()
    (tmp_path / "training_data" / "nlu.yml").write_text("nlu: []")  # was missing
    assert up_to_date_model(inputs_digest(tmp_path, names), tmp_path) is None
