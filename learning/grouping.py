"""Which open group a new question belongs to: the knowledge-gap view's grouping, one question at a time.

The gap view (outcomes/gaps.py) groups a period's questions greedily: each joins the group whose
centre (the normalised sum of its members' unit vectors) is most similar, if the cosine reaches
its threshold, else starts a group. Proposals and gaps grow one conversation at a time, so each
keeps the sum of its vectors and a new question is placed by the same rule and threshold.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from outcomes.gaps import DEFAULT_THRESHOLD

Embed = Callable[[list[str]], np.ndarray]
THRESHOLD = DEFAULT_THRESHOLD


def centre_of(total: Sequence[float] | None) -> np.ndarray | None:
    """The unit centre of a stored vector sum (None when there is none)."""
    if not total:
        return None
    vector = np.asarray(total, dtype=np.float32)
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else None


def similarity(vector: np.ndarray, total: Sequence[float] | None) -> float:
    """Cosine between a unit vector and a group's centre (-1 when the group has no vectors)."""
    centre = centre_of(total)
    return -1.0 if centre is None or centre.shape != vector.shape else float(centre @ vector)


def nearest(vector: np.ndarray, totals: Sequence[Sequence[float] | None],
            threshold: float = THRESHOLD) -> int | None:
    """The index of the most similar group at or above ``threshold``, or None (start a new one)."""
    scores = [similarity(vector, total) for total in totals]
    if not scores:
        return None
    best = int(np.argmax(scores))
    return best if scores[best] >= threshold else None


def added(total: Sequence[float] | None, vector: np.ndarray) -> list[float]:
    """A group's vector sum with one more member."""
    base = np.asarray(total, dtype=np.float32) if total else np.zeros_like(vector, dtype=np.float32)
    return [round(float(x), 6) for x in base + vector]
