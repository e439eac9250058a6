"""Recall and precision of person names, as the redactor hides them (benchmarks/data/person_names*.txt).

    .venv/bin/python benchmarks/names.py [--half tuning|reporting]

The set: chat lines written for this benchmark — names from many cultures, typed in lower case
and next to product words, and lines with product names and no person. A name counts as found
when every letter of it is inside a found span; a found span is right when it overlaps a marked
name (precision). ``product_words_hidden`` counts found spans that cover a product word. The
tuning half is ``person_names.txt`` (153 lines, tuned on); the reporting half is
``person_names_reporting.txt`` (93 lines written later, mixed case, never tuned on). Prints one
JSON line.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.core.config import Settings
from bot.services import lookup_names
from privacy import PresidioRedactor

DATA = {"tuning": Path(__file__).resolve().parent / "data" / "person_names.txt",
        "reporting": Path(__file__).resolve().parent / "data" / "person_names_reporting.txt"}
MARK = re.compile(r"\{([^}]+)\}")
PRODUCT_WORDS = {"lumen", "hub", "strip", "bulb", "bulbs", "plus", "alexa", "google", "home", "apple", "matter",
                 "ifttt", "sunrise", "wake-up", "away", "mode", "dimmer", "switch", "motion", "sensor", "siri", "hue"}

Sentence = tuple[str, list[tuple[int, int]]]


def read_set(half: str) -> list[Sentence]:
    """(text, name spans) of one half (a file each)."""
    lines = DATA[half].read_text(encoding="utf-8").splitlines()
    return [unmark(line) for line in lines if line and not line.startswith("#")]


def unmark(line: str) -> Sentence:
    spans, text, last = [], "", 0
    for match in MARK.finditer(line):
        text += line[last:match.start()]
        spans.append((len(text), len(text) + len(match.group(1))))
        text += match.group(1)
        last = match.end()
    return text + line[last:], spans


def covered(span: tuple[int, int], found: list[tuple[int, int]], text: str) -> bool:
    letters = [i for i in range(*span) if text[i].isalpha()]
    return all(any(start <= i < end for start, end in found) for i in letters)


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=("tuning", "reporting"), default="reporting")
    args = parser.parse_args()
    redactor = PresidioRedactor(Settings().privacy.redaction(lookup_names()))
    names = hits = spans = right = product_hidden = 0
    for text, gold in read_set(args.half):
        found = redactor.person_spans(text)
        names += len(gold)
        hits += sum(covered(span, found, text) for span in gold)
        spans += len(found)
        right += sum(any(overlaps(f, g) for g in gold) for f in found)
        product_hidden += sum(word.lower().strip(".,?!") in PRODUCT_WORDS
                              for f in found if not any(overlaps(f, g) for g in gold)
                              for word in text[f[0]:f[1]].split())
    print(json.dumps({"benchmark": "names", "half": args.half, "sentences": len(read_set(args.half)),
                      "names": names, "recall": round(hits / names, 4),
                      "precision": round(right / spans, 4) if spans else None,
                      "product_words_hidden": product_hidden}))


if __name__ == "__main__":
    main()
