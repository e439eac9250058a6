"""Tandem's learning loop: the knowledge base learns from what agents answer (docs/learning.md).

Public surface: :class:`Learning` (what the gateway calls when a conversation closes or is rated,
and the content team's verbs: accept, merge, reject, dismiss, draft from a gap), the views it
returns (:class:`Proposal`, :class:`Gap`, audit :class:`Step`), and the errors. The tables are
in :mod:`learning.models` (migration 0006).
"""

from learning.audit import Step
from learning.errors import (
    AlreadyDecided,
    GapNotFound,
    InvalidDecision,
    LearningError,
    PendingDraft,
    ProposalNotFound,
)
from learning.gaps import Gap
from learning.models import GapSignal, GapState, LearningBase, ProposalKind, ProposalState
from learning.proposals import Proposal
from learning.service import ArticleEdits, Learning, unanswered_menus

__all__ = [
    "AlreadyDecided",
    "ArticleEdits",
    "Gap",
    "GapNotFound",
    "GapSignal",
    "GapState",
    "InvalidDecision",
    "Learning",
    "LearningBase",
    "LearningError",
    "PendingDraft",
    "Proposal",
    "ProposalKind",
    "ProposalNotFound",
    "ProposalState",
    "Step",
    "unanswered_menus",
]
