"""Reading and writing Rasa's YAML training-data format, as far as the review queue needs it.

Rasa owns the format (``rasa data validate`` is the judge); this module only reads intents and
their examples, and writes the reviewed examples file (``training_data/nlu_reviewed.yml``) in the
same shape Rasa's own NLU split writes, so Rasa reads it like any other NLU file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from retraining.errors import InvalidTrainingData

RASA_FORMAT_VERSION = "3.1"
REVIEWED_HEADER = (
    "# Customer messages an admin labelled in the review queue (python -m bot nlu review, or\n"
    "# POST /api/admin/nlu/review/{id}); written by retraining/nlu_yaml.py, text already redacted.\n"
    "# Edit freely: labelling a message again replaces its line.\n"
)
# `[text](entity)`, `[text]{"entity": ...}` and `[text][{...}]` mark entities in Rasa examples.
_ENTITY_MARKUP = re.compile(r"\[(?P<text>[^\]]+?)\](?:\([^)]*\)|\{[^}]*\}|\[[^\]]*\])")
_MARKUP_OPENERS = re.compile(r"\]([(\[{])")


def load_yaml(path: Path) -> dict[str, Any]:
    """A YAML file's top-level mapping (empty for an empty file); the error names the file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    except yaml.YAMLError as exc:
        raise InvalidTrainingData(f"{path} is not valid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InvalidTrainingData(f"{path} must be a YAML mapping (version, nlu, rules, ...)")
    return data


def is_nlu_file(path: Path) -> bool:
    """Whether the file holds NLU data (the ``nlu:`` key), as opposed to rules or stories."""
    return "nlu" in load_yaml(path)


def domain_intents(domain: Path) -> list[str]:
    """The intents declared in domain.yml (plain names or one-key mappings with properties)."""
    intents = load_yaml(domain).get("intents") or []
    names = [next(iter(entry)) if isinstance(entry, dict) else str(entry) for entry in intents]
    return sorted(names)


def _example_lines(examples: Any) -> Iterator[str]:
    if isinstance(examples, str):
        for line in examples.splitlines():
            stripped = line.strip()
            if stripped.startswith("- "):
                yield stripped[2:].strip()
    elif isinstance(examples, list):  # the metadata form: [{"text": ..., "metadata": ...}]
        for entry in examples:
            if isinstance(entry, dict) and entry.get("text"):
                yield str(entry["text"]).strip()


def read_examples(path: Path) -> dict[str, list[str]]:
    """Intent -> its examples (as written, entity markup included), in file order."""
    found: dict[str, list[str]] = {}
    for block in load_yaml(path).get("nlu") or []:
        if isinstance(block, dict) and "intent" in block:
            found.setdefault(str(block["intent"]), []).extend(_example_lines(block.get("examples")))
    return found


def plain_text(example: str) -> str:
    """The example as a customer would have typed it: entity markup removed."""
    return _ENTITY_MARKUP.sub(lambda match: match.group("text"), example)


def normalise(text: str) -> str:
    """The key two examples are "the same" by: case, spacing and entity markup aside."""
    return " ".join(plain_text(text).lower().split())


def as_example(text: str) -> str:
    """Customer text made safe as one example line: one line, and no bracket pair that Rasa would
    read as entity markup (``[NAME](x)`` would become an entity called x)."""
    return _MARKUP_OPENERS.sub(r"] \1", " ".join(text.split()))


def examples_by_text(paths: Sequence[Path]) -> dict[str, tuple[str, Path]]:
    """Normalised example text -> (intent, file) over several NLU files (the last file wins)."""
    index: dict[str, tuple[str, Path]] = {}
    for path in paths:
        for intent, examples in read_examples(path).items():
            for example in examples:
                index[normalise(example)] = (intent, path)
    return index


def render(examples: Mapping[str, Sequence[str]], header: str = "") -> str:
    """NLU YAML for ``examples`` (intent -> lines), intents sorted, in Rasa's block-literal style."""
    blocks = [{"intent": intent, "examples": "".join(f"- {line}\n" for line in lines)}
              for intent, lines in sorted(examples.items()) if lines]
    body = yaml.dump({"version": RASA_FORMAT_VERSION, "nlu": blocks}, Dumper=_LiteralDumper,
                     sort_keys=False, allow_unicode=True, width=1_000_000)
    return header + body


def set_example(path: Path, text: str, intent: str) -> bool:
    """Put ``text`` under ``intent`` in the reviewed file, removing it from any other intent there.

    Returns whether the file changed. The caller holds the file's lock.
    """
    line = as_example(text)
    key = normalise(line)
    current = read_examples(path)
    updated = {name: [e for e in lines if normalise(e) != key] for name, lines in current.items()}
    updated.setdefault(intent, []).append(line)
    if updated == current and path.exists():
        return False
    write_atomically(path, render(updated, REVIEWED_HEADER))
    return True


def remove_example(path: Path, text: str) -> bool:
    """Take ``text`` out of the reviewed file (when a labelled message is dismissed); whether it was there."""
    key = normalise(as_example(text))
    current = read_examples(path)
    updated = {name: [e for e in lines if normalise(e) != key] for name, lines in current.items()}
    if updated == current:
        return False
    write_atomically(path, render(updated, REVIEWED_HEADER))
    return True


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` in one step, so Rasa never reads half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.tmp")
    scratch.write_text(text, encoding="utf-8")
    scratch.replace(path)


class _LiteralDumper(yaml.SafeDumper):
    """Writes multi-line strings as ``|`` blocks, like Rasa's own files."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_LiteralDumper.add_representer(str, _represent_str)
