"""The NLU retraining loop: train a candidate, evaluate it against the live model, promote it
without downtime, roll back, and turn the live bot's doubtful messages into training examples.

Public surface: :class:`Retraining` (built by :func:`build_retraining`; the admin API and the
``python -m bot nlu`` commands call it), :class:`RetrainingSettings`, :class:`ReviewRecorder`
(the custom actions record doubtful messages through it), :func:`live_model` (the archive Rasa
should start with), the registry's records in :mod:`retraining.registry`, and the errors in
:mod:`retraining.errors`. Rasa itself is driven through :mod:`rasa_bridge`. How an admin uses it:
docs/retraining.md.
"""

from retraining.containment import ContainmentCheck, load_cases
from retraining.errors import (
    AlreadyLive,
    ContainsLess,
    ExampleConflict,
    InvalidTrainingData,
    JobRunning,
    NotEvaluated,
    NothingToRollBack,
    PromotionFailed,
    RetrainingError,
    ReviewError,
    UnknownIntent,
    UnknownModel,
    UnknownReviewItem,
)
from retraining.jobs import Job
from retraining.recording import ReviewRecorder
from retraining.registry import ModelRecord, live_model
from retraining.review import ReviewItem, ReviewStatus
from retraining.service import Retraining, build_retraining
from retraining.settings import RetrainingSettings

__all__ = [
    "AlreadyLive", "ContainmentCheck", "ContainsLess", "ExampleConflict", "InvalidTrainingData", "Job",
    "JobRunning", "ModelRecord", "NotEvaluated", "NothingToRollBack", "PromotionFailed", "Retraining",
    "RetrainingError", "RetrainingSettings", "ReviewError", "ReviewItem", "ReviewRecorder", "ReviewStatus",
    "UnknownIntent", "UnknownModel", "UnknownReviewItem", "build_retraining", "live_model", "load_cases",
]
