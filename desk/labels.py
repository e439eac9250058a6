"""Labels on conversations: what a valid label is, in one place.

Agents and supervisors tag conversations ("refund", "vip", "bug-1234") while they are in the
queue or held; the labels stay on the session, go into the outcome record when it closes, and
filter the queue, the figures and the CSV. A label is kept as a short lower-case tag so "Refund"
and "refund " are one label everywhere. Labels are kept with the figures, longer than transcripts
(docs/privacy.md), so a label that holds personal data (a name, a phone number) is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from desk.errors import InvalidLabel

MAX_LABELS = 10
MAX_LABEL_CHARS = 32
_LABEL = re.compile(r"^[a-z0-9][a-z0-9 _-]*$")


def normalize_label(raw: str) -> str:
    """``raw`` as stored: trimmed, lower case, inner spaces collapsed; raises InvalidLabel."""
    label = " ".join(str(raw).split()).lower()
    if not label:
        raise InvalidLabel("a label cannot be empty")
    if len(label) > MAX_LABEL_CHARS:
        raise InvalidLabel(f"the label {label[:40]!r} is longer than {MAX_LABEL_CHARS} characters")
    if not _LABEL.match(label):
        raise InvalidLabel(f"the label {label!r} may only use letters a-z, digits, spaces, '-' and '_'")
    return label


def normalize_labels(raw: Iterable[str]) -> tuple[str, ...]:
    """Every label normalised, duplicates dropped, in the order given; at most MAX_LABELS."""
    labels = tuple(dict.fromkeys(normalize_label(label) for label in raw))
    if len(labels) > MAX_LABELS:
        raise InvalidLabel(f"a conversation can have at most {MAX_LABELS} labels; it was given {len(labels)}")
    return labels


def refuse_personal_data(labels: Iterable[str], redact: Callable[[str], str]) -> None:
    """Raise InvalidLabel for the first label the redactor would change (a name, a phone number).

    ``redact`` is the privacy redactor's: what counts as personal data is decided there, once.
    """
    for label in labels:
        if redact(label) != label:
            raise InvalidLabel(f"the label {label!r} looks like personal data (a name or a phone number); labels "
                               "are kept with the figures, so use a tag such as 'refund' or 'late delivery'")
