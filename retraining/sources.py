"""What a model is trained from: config, domain and training files, their hash, and a snapshot.

A candidate keeps a copy of exactly the files it was trained on (a few hundred KB), so its
evaluation, a later retrain and an audit all see the same data even after training_data/ moved on.
The training-data hash covers the config, the domain and every training file (by file name and
content), so two models with the same hash were trained from the same inputs.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from retraining.errors import InvalidTrainingData
from retraining.nlu_yaml import is_nlu_file

CONFIG_NAME = "config.yml"
DOMAIN_NAME = "domain.yml"
TRAINING_DIR = "training"


@dataclass(frozen=True)
class TrainingSources:
    """The inputs of a Rasa training: absolute paths, training files with distinct names."""

    config: Path
    domain: Path
    files: tuple[Path, ...]

    @classmethod
    def from_paths(cls, root: Path, config: str | Path, domain: str | Path,
                   files: Sequence[str | Path], replace: Sequence[Path] = ()) -> TrainingSources:
        """Sources under ``root``; a file in ``replace`` stands in for the training file of the same
        name (tests point the reviewed-examples file at a temporary copy this way)."""
        by_name = {Path(f).name: root / f for f in files}
        for path in replace:
            by_name[path.name] = path
        sources = cls(root / config, root / domain, tuple(by_name.values()))
        sources.check()
        return sources

    def check(self) -> None:
        """Every file exists, and training file names are distinct (the snapshot keeps names)."""
        for path in (self.config, self.domain, *self.files):
            if not path.is_file():
                raise InvalidTrainingData(f"training input {path} does not exist")
        names = [path.name for path in self.files]
        if len(set(names)) != len(names):
            raise InvalidTrainingData(f"training files must have distinct names, got {names}")

    def nlu_files(self) -> list[Path]:
        """The training files holding NLU examples."""
        return [path for path in self.files if is_nlu_file(path)]

    def dialogue_files(self) -> list[Path]:
        """The other training files (rules and stories)."""
        return [path for path in self.files if not is_nlu_file(path)]

    def data_hash(self) -> str:
        """SHA-256 over the config, the domain and the training files, each by name and content."""
        digest = hashlib.sha256()
        named = [(CONFIG_NAME, self.config), (DOMAIN_NAME, self.domain),
                 *sorted((f"{TRAINING_DIR}/{p.name}", p) for p in self.files)]
        for name, path in named:
            content = path.read_bytes()
            digest.update(f"{name}\0{len(content)}\0".encode())
            digest.update(content)
        return digest.hexdigest()

    def snapshot(self, into: Path) -> TrainingSources:
        """Copy the inputs under ``into`` (config.yml, domain.yml, training/<name>) and return the copy."""
        (into / TRAINING_DIR).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.config, into / CONFIG_NAME)
        shutil.copyfile(self.domain, into / DOMAIN_NAME)
        for path in self.files:
            shutil.copyfile(path, into / TRAINING_DIR / path.name)
        return TrainingSources.of_snapshot(into)

    @classmethod
    def of_snapshot(cls, folder: Path) -> TrainingSources:
        """The sources a snapshot folder holds."""
        files = tuple(sorted((folder / TRAINING_DIR).glob("*.yml")))
        return cls(folder / CONFIG_NAME, folder / DOMAIN_NAME, files)
