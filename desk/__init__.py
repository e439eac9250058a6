"""The agent's desk: canned responses as data, labels on conversations, and what the console reads
from a live transcript to suggest answers (the customer's latest question, their first name).

Public surface: :class:`CannedStore` and :func:`fill` (canned responses and their placeholders),
:func:`normalize_labels` and :func:`refuse_personal_data` (what a label is), :func:`latest_question`
and :func:`customer_first_name`, and the errors in :mod:`desk.errors`. The suggestions themselves
come from the knowledge base's search; labels live on the handoff session and end up in the
outcome record.
"""

from desk.canned import PLACEHOLDERS, CannedResponse, CannedStore, DeskBase, fill
from desk.errors import CannedNotFound, DeskError, DuplicateShortcut, InvalidCanned, InvalidLabel
from desk.labels import MAX_LABELS, normalize_labels, refuse_personal_data
from desk.suggestions import customer_first_name, latest_question

__all__ = [
    "MAX_LABELS", "PLACEHOLDERS", "CannedNotFound", "CannedResponse", "CannedStore", "DeskBase", "DeskError",
    "DuplicateShortcut", "InvalidCanned", "InvalidLabel", "customer_first_name", "fill", "latest_question",
    "normalize_labels", "refuse_personal_data",
]
