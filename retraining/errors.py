"""Errors of the retraining loop.

Every error says what went wrong and what to do; ``code`` is a stable machine-readable name::

    RetrainingError
    ├── UnknownModel          no model has that id: `python -m bot nlu models` lists them
    ├── JobRunning            another train/evaluate/promote/rollback is under way: wait for it
    ├── NotEvaluated          promoting a model nobody evaluated: evaluate it first, or force
    ├── ContainsLess          the candidate contains fewer customers' messages than the live model: force
    ├── PromotionFailed       a server did not take the new model (the others were switched back);
    │                         also a rasa_bridge.RasaServerError
    ├── NothingToRollBack     there is no earlier live model to return to
    ├── AlreadyLive           promoting the model that is live already
    ├── InvalidTrainingData   the training files cannot be snapshotted or split as they are
    └── ReviewError
        ├── UnknownReviewItem  no review item has that id
        ├── UnknownIntent      the label is not an intent of domain.yml
        └── ExampleConflict    the text is already a training example of another intent

The loop also lets Rasa's own errors through (:mod:`rasa_bridge.errors`): ``RasaCommandFailed``
(a Rasa command exited non-zero: see its log) and ``RasaServerError`` (a server did not answer,
or refused a request).
"""

from __future__ import annotations

from collections.abc import Sequence

from rasa_bridge.errors import RasaServerError


class RetrainingError(Exception):
    """Base class of every retraining error."""

    code = "retraining_error"


class UnknownModel(RetrainingError):
    """The model id is not in the registry."""

    code = "model_not_found"

    def __init__(self, model_id: str) -> None:
        super().__init__(f"no model has id {model_id!r}; `python -m bot nlu models` lists the registry")
        self.model_id = model_id


class JobRunning(RetrainingError):
    """One NLU job at a time (they compete for the same CPUs and the same live model)."""

    code = "job_running"

    def __init__(self, kind: str, started_by: str) -> None:
        super().__init__(f"a {kind} job started by {started_by} is running; wait for it to finish "
                         "(GET /api/admin/nlu/job shows its progress)")
        self.kind = kind


class NotEvaluated(RetrainingError):
    """Promotion without numbers is a guess; the admin must say so explicitly."""

    code = "not_evaluated"

    def __init__(self, model_id: str) -> None:
        super().__init__(f"model {model_id} has not been evaluated; evaluate it first, or promote with force")


class ContainsLess(RetrainingError):
    """A candidate that reads the intents better can still make the bot answer customers worse."""

    code = "contains_less"

    def __init__(self, model_id: str, candidate: float, live: float) -> None:
        super().__init__(f"model {model_id} contains {candidate:.1%} of the containment set's answerable messages "
                         f"against {live:.1%} for the live model; look at its evaluation, or promote with force")


class PromotionFailed(RetrainingError, RasaServerError):
    """A Rasa server did not take the new model (the servers already switched are switched back)."""

    code = "promotion_failed"


class NothingToRollBack(RetrainingError):
    """Rollback needs an earlier live model."""

    code = "nothing_to_roll_back"

    def __init__(self) -> None:
        super().__init__("there is no earlier live model to roll back to; promote a model first")


class AlreadyLive(RetrainingError):
    """Promoting the live model again would only add a step to roll back through."""

    code = "already_live"

    def __init__(self, model_id: str) -> None:
        super().__init__(f"model {model_id} is live already")


class InvalidTrainingData(RetrainingError):
    """The training files cannot be used as they are (the message names the file)."""

    code = "invalid_training_data"


class ReviewError(RetrainingError):
    """Base class of the review queue's errors."""

    code = "review_error"


class UnknownReviewItem(ReviewError):
    """The review item id is unknown."""

    code = "review_item_not_found"

    def __init__(self, item_id: int) -> None:
        super().__init__(f"no review item has id {item_id}; list them with `python -m bot nlu review list` "
                         "or GET /api/admin/nlu/review")


class UnknownIntent(ReviewError):
    """A label must be an intent the bot knows (domain.yml), or Rasa would refuse to train."""

    code = "unknown_intent"

    def __init__(self, intent: str, known: Sequence[str]) -> None:
        super().__init__(f"{intent!r} is not an intent of domain.yml; use one of: {', '.join(known)}")
        self.known = list(known)


class ExampleConflict(ReviewError):
    """The same text under two intents makes `rasa data validate` complain and the model unsure."""

    code = "example_conflict"

    def __init__(self, text: str, intent: str, where: str) -> None:
        super().__init__(f"{text!r} is already a training example of intent {intent!r} in {where}; "
                         "edit that file if the old label is wrong")
