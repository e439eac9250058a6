"""Customers' vocabulary: the names people use for our products and for everyday things.

Customers say "the bridge" or "base station" for the Lumen Hub, "delivery" for shipping and
"holiday" for vacation mode; the articles use the canonical names. A content team keeps one
:class:`Term` per canonical name with its synonyms; the whole list is a :class:`Vocabulary`.

It serves two readers, from the same list:

- **retrieval**: :meth:`Vocabulary.expand` finds synonyms in a question and gives the index a
  :class:`~knowledge_base.index.Query` that also carries the question with each synonym
  replaced by its canonical name (embedded as a second variant, each article keeping its best
  score) and the canonical names as extra words for BM25. A question without synonyms is
  searched exactly as before.
- **Rasa**: :func:`rasa_nlu_yaml` renders the product terms as the ``product`` lookup table and
  entity synonyms (``training_data/vocabulary.yml``); a change reaches Rasa with the next
  retrain (``python -m knowledge_base vocabulary rasa`` writes the file, then train).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from knowledge_base.errors import InvalidVocabulary
from knowledge_base.index import Query

MAX_TERM_LENGTH = 100
MAX_SYNONYMS = 50
RASA_ENTITY = "product"


class TermKind(StrEnum):
    """A product (it becomes Rasa's ``product`` entity too) or an everyday word (retrieval only)."""

    PRODUCT = "product"
    WORD = "word"


def phrase_key(text: str) -> str:
    """How phrases are compared: lower case, single spaces."""
    return " ".join(text.lower().split())


@dataclass(frozen=True)
class Term:
    """A canonical name (as the articles write it) and what customers call it instead."""

    name: str
    synonyms: tuple[str, ...] = ()
    kind: TermKind = TermKind.PRODUCT

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", " ".join(str(self.name).split()))
        object.__setattr__(self, "synonyms", tuple(dict.fromkeys(" ".join(str(s).split()) for s in self.synonyms)))
        problems = term_problems(self)
        if problems:
            raise InvalidVocabulary(problems)
        object.__setattr__(self, "kind", TermKind(self.kind))

    @classmethod
    def from_mapping(cls, data: Any) -> Term:
        """A term from its JSON/YAML form ``{name, kind, synonyms}``; raises :class:`InvalidVocabulary`."""
        if not isinstance(data, dict):
            raise InvalidVocabulary([f"each term must be a mapping with name, kind and synonyms, not {data!r}"])
        synonyms = data.get("synonyms") or []
        if not isinstance(synonyms, list):
            raise InvalidVocabulary([f"term {data.get('name')!r}: synonyms must be a list of phrases"])
        return cls(name=data.get("name") or "", synonyms=tuple(synonyms), kind=data.get("kind") or TermKind.PRODUCT)

    def as_mapping(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind.value, "synonyms": list(self.synonyms)}


def term_problems(term: Term) -> list[str]:
    """Every rule one term breaks, worded as what to fix; empty when it is valid."""
    label = f"term {term.name!r}" if term.name else "a term"
    problems = []
    if not term.name:
        problems.append("a term needs a name (the canonical name the articles use, e.g. 'Lumen Hub')")
    elif len(term.name) > MAX_TERM_LENGTH:
        problems.append(f"{label}: the name is longer than {MAX_TERM_LENGTH} characters")
    if term.kind not in TermKind.__members__.values():
        problems.append(f"{label}: kind must be one of {', '.join(TermKind)}")
    if not term.synonyms:
        problems.append(f"{label}: give at least one synonym")
    if len(term.synonyms) > MAX_SYNONYMS:
        problems.append(f"{label}: at most {MAX_SYNONYMS} synonyms")
    for synonym in term.synonyms:
        if not synonym or len(synonym) > MAX_TERM_LENGTH:
            problems.append(f"{label}: each synonym must be 1 to {MAX_TERM_LENGTH} characters")
        elif phrase_key(synonym) == phrase_key(term.name):
            problems.append(f"{label}: {synonym!r} is the name itself; leave it out")
    if len({phrase_key(s) for s in term.synonyms}) < len(term.synonyms):
        problems.append(f"{label}: a synonym is listed twice (case is ignored)")
    return problems


@dataclass(frozen=True)
class Match:
    """A synonym found in a question, and the term it stands for."""

    phrase: str
    term: str


@dataclass(frozen=True)
class Expansion:
    """What the vocabulary made of a question: the index's query and the synonyms it found."""

    query: Query
    matches: tuple[Match, ...] = ()


class Vocabulary:
    """All terms; each phrase (a name or a synonym) belongs to one term only."""

    def __init__(self, terms: Iterable[Term] = ()) -> None:
        self.terms = tuple(sorted(terms, key=lambda term: phrase_key(term.name)))
        problems = _conflicts(self.terms)
        if problems:
            raise InvalidVocabulary(problems)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocabulary) and self.terms == other.terms

    def __hash__(self) -> int:
        return hash(self.terms)

    def __len__(self) -> int:
        return len(self.terms)

    @cached_property
    def _owners(self) -> dict[str, Term | None]:
        """Each phrase's term; a canonical name maps to None (it needs no expansion)."""
        owners: dict[str, Term | None] = {phrase_key(term.name): None for term in self.terms}
        owners.update((phrase_key(s), term) for term in self.terms for s in term.synonyms)
        return owners

    @cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        # Longest phrases first, so "Lumen Hub" is one match and not "Lumen" followed by "Hub".
        phrases = sorted(self._owners, key=len, reverse=True)
        if not phrases:
            return None
        alternatives = "|".join(r"\s+".join(re.escape(word) for word in p.split()) for p in phrases)
        return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)

    def matches(self, question: str) -> list[tuple[re.Match[str], Term]]:
        """The synonyms in ``question`` (canonical names are skipped), in order of appearance."""
        if self._pattern is None:
            return []
        found = ((m, self._owners.get(phrase_key(m.group(0)))) for m in self._pattern.finditer(question))
        return [(m, term) for m, term in found if term is not None]

    def expand(self, question: str) -> Expansion:
        """The query for ``question``: itself, plus the canonical rewrite when a synonym is in it."""
        found = self.matches(question)
        if not found:
            return Expansion(Query(question))
        rewritten, end = [], 0
        for match, term in found:
            rewritten += [question[end : match.start()], term.name]
            end = match.end()
        rewritten.append(question[end:])
        names = tuple(dict.fromkeys(term.name for _, term in found))
        query = Query(question, variants=("".join(rewritten),), extra_words=" ".join(names))
        return Expansion(query, tuple(Match(m.group(0), term.name) for m, term in found))


def _conflicts(terms: Sequence[Term]) -> list[str]:
    """Phrases that two terms claim (a synonym of one is the name or a synonym of another)."""
    claimed: dict[str, str] = {}
    problems = []
    for term in terms:
        for phrase in (term.name, *term.synonyms):
            owner = claimed.setdefault(phrase_key(phrase), term.name)
            if owner != term.name:
                problems.append(f"{phrase!r} belongs to both {owner!r} and {term.name!r}; keep it in one term")
    return problems


def read_vocabulary(text: str) -> Vocabulary:
    """A vocabulary from its YAML or JSON file form (``terms: [{name, kind, synonyms}]``)."""
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        raise InvalidVocabulary([f"the file is not valid YAML or JSON: {error}"]) from error
    terms = data.get("terms") if isinstance(data, dict) else None
    if not isinstance(terms, list):
        raise InvalidVocabulary(["the file must hold `terms:`, a list of {name, kind, synonyms}"])
    return Vocabulary(Term.from_mapping(entry) for entry in terms)


def vocabulary_yaml(vocabulary: Vocabulary) -> str:
    """The file form :func:`read_vocabulary` reads back unchanged."""
    terms = [term.as_mapping() for term in vocabulary.terms]
    return yaml.safe_dump({"terms": terms}, sort_keys=False, allow_unicode=True, width=120)


RASA_HEADER = """\
# GENERATED from the knowledge base's vocabulary (the content page, or knowledge_base/demo/vocabulary.yml
# for the demo). Do not edit: change the vocabulary, then `python -m knowledge_base vocabulary rasa`
# rewrites this file, and the next Rasa training uses it.
"""


def rasa_nlu_yaml(vocabulary: Vocabulary) -> str:
    """Rasa training data for the product terms: one entity synonym each, and the ``product`` lookup table.

    The lookup table lists every product name and synonym, longest first: Rasa joins a table
    into one regex whose first matching alternative wins ("Lumen Hub" before "hub").
    """
    products = [term for term in vocabulary.terms if term.kind is TermKind.PRODUCT]
    nlu: list[dict[str, str]] = [{"synonym": term.name, "examples": _examples(term.synonyms)} for term in products]
    names = {phrase_key(p): p for term in products for p in (term.name, *term.synonyms)}
    ordered = sorted(names.values(), key=lambda phrase: (-len(phrase), phrase.lower()))
    nlu.append({"lookup": RASA_ENTITY, "examples": _examples(ordered)})
    body = yaml.dump({"version": "3.1", "nlu": nlu}, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True,
                     width=120)
    return RASA_HEADER + body


class _BlockDumper(yaml.SafeDumper):
    """Writes multi-line strings as ``|`` blocks, the way Rasa's own files list examples."""


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None)


_BlockDumper.add_representer(str, _represent_text)


def write_rasa_nlu(path: Path, vocabulary: Vocabulary) -> bool:
    """Rewrite Rasa's vocabulary file (atomically) when it differs; whether it changed."""
    text = rasa_nlu_yaml(vocabulary)
    if path.exists() and path.read_text() == text:
        return False
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)
    return True


def _examples(phrases: Iterable[str]) -> str:
    return "".join(f"- {phrase}\n" for phrase in phrases)
