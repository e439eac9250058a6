"""The models' settings: config.yml's defaults, environment overrides, and a clear refusal of nonsense."""

from __future__ import annotations

import pydantic
import pytest

from bot.core.config import Settings
from encoders import Precision

pytestmark = [pytest.mark.unit]


def test_config_yml_runs_the_models_in_fp32_on_one_thread() -> None:
    settings = Settings()
    assert settings.models.precision is Precision.FP32
    assert settings.models.threads == 1


def test_the_environment_can_choose_int8(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANDEM_MODELS__PRECISION", "int8")
    assert Settings().models.precision is Precision.INT8


def test_an_unknown_precision_is_refused_with_the_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANDEM_MODELS__PRECISION", "fp8")
    with pytest.raises(pydantic.ValidationError, match=r"fp32.*int8"):
        Settings()
