"""What the desk reads from a live transcript: the customer's latest question, and their first name.

The console suggests knowledge-base articles for the question the customer is waiting on: the
messages they wrote since an agent last replied (the last few: several short lines are one
question), or, when the agent has answered everything, their last message. Internal notes are not
replies the customer saw.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from handoff import Role, TranscriptEntry

MAX_QUESTION_MESSAGES = 3  # a question written as a few lines; older ones are usually context
MAX_QUESTION_CHARS = 1000
MAX_NAME_MESSAGES = 10  # a name is given early; the recogniser is not free
NameSpans = Callable[[str], list[tuple[int, int]]]


def latest_question(transcript: Sequence[TranscriptEntry]) -> str:
    """The customer's last few messages after the agent's last reply, joined; else their last message; else ''."""
    waiting: list[str] = []
    last = ""
    for entry in transcript:
        if entry.role == Role.CUSTOMER:
            waiting.append(entry.text)
            last = entry.text
        elif entry.role == Role.AGENT and not entry.internal:
            waiting = []
    question = " ".join(waiting[-MAX_QUESTION_MESSAGES:]) if waiting else last
    return question[-MAX_QUESTION_CHARS:].strip()


def customer_first_name(transcript: Sequence[TranscriptEntry], name_spans: NameSpans) -> str | None:
    """The first name the customer gave ("I'm Dana Scully" → "Dana"), or None.

    ``name_spans`` finds person names in a text (the redactor's recogniser, so what counts as a
    name here is what the privacy rules treat as one; product words are not names).
    """
    said = [entry.text for entry in transcript if entry.role == Role.CUSTOMER][:MAX_NAME_MESSAGES]
    for text in said:
        for start, end in name_spans(text):
            words = text[start:end].split()
            if words and words[0][:1].isalpha():
                return words[0].strip(".,!?;:")
    return None
