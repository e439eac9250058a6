"""Conversation outcomes: the record written when a conversation ends, the figures and reports from them.

Public surface: :class:`OutcomeRecorder` (writes records, stores ratings), :func:`summarize` and
:class:`ServiceMetrics` (the figures for a period), :func:`build_report` and the renderers in
:mod:`outcomes.rendering`, :func:`knowledge_gaps` (unanswered questions grouped by meaning), :mod:`outcomes.browse` (the
conversations behind a figure), :mod:`outcomes.labels` (words for the codes),
:func:`purge_transcripts` / :func:`erase_conversation` (retention and erasure), :func:`migrate`
(the schema), and the errors in :mod:`outcomes.errors`. Definitions: docs/metrics.md.
"""

from outcomes.errors import InvalidPeriod, InvalidRating, OutcomesError, UnknownConversation
from outcomes.gaps import KB_GAP_REASONS, GapCluster, knowledge_gaps
from outcomes.metrics import Period, ServiceMetrics, summarize
from outcomes.models import ConversationRecord, EscalationReason, Outcome, StoredMessage
from outcomes.recorder import OutcomeRecorder, classify, response_times, stored_transcript
from outcomes.report import Fees, ServiceReport, Targets, build_report
from outcomes.retention import erase_conversation, kept_about, purge_older_than, purge_transcripts
from outcomes.schema import migrate

__all__ = [
    "KB_GAP_REASONS", "ConversationRecord", "EscalationReason", "Fees", "GapCluster", "InvalidPeriod",
    "InvalidRating", "Outcome", "OutcomeRecorder", "OutcomesError", "Period", "ServiceMetrics", "ServiceReport",
    "StoredMessage", "Targets", "UnknownConversation", "build_report", "classify", "erase_conversation",
    "kept_about", "knowledge_gaps", "migrate", "purge_older_than", "purge_transcripts", "response_times",
    "stored_transcript", "summarize",
]
