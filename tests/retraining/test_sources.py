"""The training-data hash and snapshot: same inputs, same hash; any change, another hash."""

from __future__ import annotations

from pathlib import Path

import pytest

from retraining.errors import InvalidTrainingData
from retraining.sources import TrainingSources

pytestmark = pytest.mark.unit


def test_the_hash_is_stable_and_survives_the_snapshot(project_copy: TrainingSources, tmp_path: Path) -> None:
    digest = project_copy.data_hash()
    assert len(digest) == 64 and digest == project_copy.data_hash()
    snapshot = project_copy.snapshot(tmp_path / "snapshot")
    assert snapshot.data_hash() == digest
    assert sorted(p.name for p in snapshot.files) == sorted(p.name for p in project_copy.files)


@pytest.mark.parametrize("which", ["config", "domain", "nlu.yml", "rules.yml"])
def test_changing_config_domain_or_any_training_file_changes_the_hash(
    project_copy: TrainingSources, which: str
) -> None:
    before = project_copy.data_hash()
    path = {"config": project_copy.config, "domain": project_copy.domain}.get(which) or next(
        p for p in project_copy.files if p.name == which)
    path.write_text(path.read_text() + "\n# changed\n")
    assert project_copy.data_hash() != before


def test_nlu_and_dialogue_files_are_told_apart(project_copy: TrainingSources) -> None:
    assert {p.name for p in project_copy.nlu_files()} == {"nlu.yml", "nlu_reviewed.yml", "vocabulary.yml"}
    assert {p.name for p in project_copy.dialogue_files()} == {"rules.yml", "stories.yml"}


def test_a_missing_file_or_two_files_of_one_name_are_refused(project_copy: TrainingSources, tmp_path: Path) -> None:
    with pytest.raises(InvalidTrainingData, match="does not exist"):
        TrainingSources(project_copy.config, project_copy.domain, (tmp_path / "nope.yml",)).check()
    other = tmp_path / "elsewhere" / "nlu.yml"
    other.parent.mkdir()
    other.write_text("version: '3.1'\nnlu: []\n")
    with pytest.raises(InvalidTrainingData, match="distinct names"):
        TrainingSources(project_copy.config, project_copy.domain, (*project_copy.files, other)).check()


def test_a_replacement_file_stands_in_for_the_one_of_its_name(project_copy: TrainingSources, tmp_path: Path) -> None:
    reviewed = tmp_path / "nlu_reviewed.yml"
    reviewed.write_text("version: '3.1'\nnlu: []\n")
    root = project_copy.config.parent
    sources = TrainingSources.from_paths(root, "config.yml", "domain.yml",
                                         [str(p.relative_to(root)) for p in project_copy.files], replace=[reviewed])
    assert reviewed in sources.files
    assert len(sources.files) == len(project_copy.files)
