"""The learning loop's errors; bot/api/routes/learning.py maps them to HTTP statuses."""

from __future__ import annotations


class LearningError(Exception):
    """Base of every error of the learning loop; the message says what to do."""

    code = "learning_error"


class ProposalNotFound(LearningError):
    code = "proposal_not_found"

    def __init__(self, proposal_id: int) -> None:
        super().__init__(f"no proposal {proposal_id}; GET /api/learning/proposals lists them")


class GapNotFound(LearningError):
    code = "gap_not_found"

    def __init__(self, gap_id: int) -> None:
        super().__init__(f"no knowledge gap {gap_id}; GET /api/learning/gaps lists them")


class AlreadyDecided(LearningError):
    """A proposal was accepted, merged or rejected already (perhaps by someone else just now)."""

    code = "already_decided"

    def __init__(self, proposal_id: int, state: str, by: str | None) -> None:
        super().__init__(f"proposal {proposal_id} is already {state}" + (f" (by {by})" if by else "")
                         + "; reload the proposals")


class InvalidDecision(LearningError):
    """The decision is incomplete or contradicts the proposal (e.g. a reject without a reason)."""

    code = "invalid_decision"


class PendingDraft(LearningError):
    """The target article has unpublished edits of someone's; adding to it would publish them unseen."""

    code = "pending_draft"

    def __init__(self, article_id: str, by: str) -> None:
        super().__init__(f"article {article_id} has unpublished changes saved by {by}; publish or discard "
                         "them on the content page first, then decide on this proposal")
