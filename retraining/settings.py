"""The retraining loop's settings (``tandem: retraining:`` in config.yml, or ``TANDEM_RETRAINING__*``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, field_validator

from rasa_bridge import MODELS_DIR

PROJECT_ROOT = Path(__file__).resolve().parents[1]


class RetrainingSettings(BaseModel):
    """Where models and reviewed examples live, how to evaluate, which messages to review.

    The Rasa servers promoted to are the gateway's (``rasa_url``, comma-separated when several).
    """

    registry_dir: Path | None = None  # default: <state_dir>/models
    reviewed_file: Path = PROJECT_ROOT / "training_data" / "nlu_reviewed.yml"
    holdout_fraction: float = Field(default=0.2, ge=0.0, lt=1.0)  # share of NLU examples never trained on
    cv_folds: int = Field(default=3, ge=0, le=10)  # 0 skips cross-validation
    review_below_confidence: float = Field(default=0.6, ge=0.0, le=1.0)  # lower intent confidence is reviewed
    base_models_dir: Path = MODELS_DIR  # where `make train` puts the model the servers start with
    # Customers' messages with what each should get (routing.evaluation's format); an evaluation
    # shows what the bot would decide with the candidate and with the live model (retraining.containment).
    containment_set: Path | None = PROJECT_ROOT / "benchmarks" / "data" / "unseen_wording"
    containment_halves: tuple[str, ...] = ("tuning", "reporting")
    # A candidate that contains this much less than the live model is promoted only with force.
    containment_tolerance: float = Field(default=0.01, ge=0.0, le=1.0)
    # Each candidate gets its own sentence encoder, fitted to the knowledge base's articles for this
    # many training steps (encoders.fitting: about a minute for 40 on two idle cores); 0 keeps the
    # packaged all-MiniLM-L6-v2.
    encoder_fit_steps: int = Field(default=40, ge=0, le=2000)

    def registry_path(self, state_dir: Path) -> Path:
        """The model registry's folder (``registry_dir``, else ``<state_dir>/models``)."""
        return self.registry_dir or state_dir / "models"

    @field_validator("cv_folds")
    @classmethod
    def _folds(cls, value: int) -> int:
        if value == 1:
            raise ValueError("cross-validation needs at least 2 folds (0 skips it)")
        return value
