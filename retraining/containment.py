"""The containment check: what a model's reading of customers' messages does to the bot's decisions.

The held-out NLU split says how often the classifier names the right intent; customers care what
the bot then does. So an evaluated model is also run over a containment set (by default
benchmarks/data/unseen_wording: customers' own wording, each message with what it should get):
Rasa's parse of each redacted message with that model (in a Rasa process of its own, the serving
servers untouched), the knowledge base's candidates, and the live routing decision
(:func:`routing.route`), scored by :mod:`routing.evaluation` exactly as the containment benchmark
scores the running system. The live model gets the same run, so the admin sees both side by
side, and a candidate that contains fewer messages than the live model (by more than the
tolerance) is not promoted without force (:func:`retraining.promoter.promote`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rasa_bridge import Logged
from rasa_bridge import commands as rasa
from retraining.registry import ARCHIVE, ContainmentFigures, Registry, served_file
from retraining.review import Redact
from routing import Policy, Search, route, signals_of
from routing.evaluation import Case, load_half, observed, score

#: The knowledge base's search with a model's sentence encoder (None: the packaged one).
SearchWith = Callable[[Path | None], Search]


@dataclass(frozen=True)
class ServedModel:
    """A model a Rasa server runs: its archive, and the sentence encoder fitted for it (None: packaged)."""

    archive: Path
    encoder: Path | None = None


@dataclass(frozen=True)
class ContainmentCheck:
    """The set, and what the live bot decides with: the knowledge base's search (with a model's
    own encoder: a fitted one changes what the knowledge base finds, not only what Rasa reads),
    the routing policy, the redactor."""

    cases: tuple[Case, ...]
    search_with: SearchWith
    policy: Policy
    redact: Redact

    async def measure(self, logged: Logged, model: ServedModel) -> ContainmentFigures:
        """The containment figures of the bot if ``model`` read the messages."""
        parses = await read_cases(logged, model.archive, self.cases, self.redact)
        return await asyncio.to_thread(self._figures, parses, model.encoder)

    def _figures(self, parses: Sequence[Mapping[str, Any]], encoder: Path | None) -> ContainmentFigures:
        search = self.search_with(encoder)
        decisions = [observed(route(signals_of(parse, search), self.policy)) for parse in parses]
        return ContainmentFigures.of(score(zip(self.cases, decisions, strict=True)))


async def read_cases(logged: Logged, archive: Path, cases: Sequence[Case], redact: Redact) -> list[dict[str, Any]]:
    """Rasa's parse of each case's message with ``archive``, redacted first as the gateway hands it to Rasa
    (a Rasa process of its own: the serving servers are not touched); each parse's ``text`` is what Rasa read."""
    texts = await asyncio.to_thread(lambda: [redact(case.text) for case in cases])
    return await rasa.parse_texts(logged, model=archive, texts=texts,
                                  step=f"reading {len(texts)} customer messages with {archive.name}")


def load_cases(folder: Path, halves: Sequence[str]) -> tuple[Case, ...]:
    """The messages of ``halves`` of the set in ``folder`` (raises routing.evaluation.InvalidSet)."""
    return tuple(case for half in halves for case in load_half(half, folder))


def served_model(registry: Registry, status: Mapping[str, Any], base_models_dir: Path | None) -> ServedModel | None:
    """The model a Rasa server reports in its status: the registry's copy (with its encoder), or ``make train``'s."""
    known = registry.with_rasa_model_id(str(status.get("model_id", "")))
    if known is not None:
        return ServedModel(registry.folder(known.id) / ARCHIVE, registry.encoder(known.id))
    archive = served_file(status, base_models_dir)
    return ServedModel(archive) if archive is not None else None
