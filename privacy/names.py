"""Names spaCy's small model misses: the words right after "my name is", "this is", "hi," ...

Customers introduce themselves in set phrases, often in lower case and with names the model has
rarely seen ("hi my name is aiko tanaka"). After such a cue, up to three following words that
spaCy tags as a name, noun or adjective (not a stop word, not a product word) are taken as a
person's name. Measured by benchmarks/names.py on benchmarks/data/person_names.txt.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

# Token sequences (lower case) after which a name follows for certain: spaCy may tag an unknown
# lower-case name as an adjective here ("my name is aiko tanaka").
NAME_CUES: tuple[tuple[str, ...], ...] = (
    ("my", "name", "is"), ("my", "name", "'s"), ("my", "names"), ("name", "is"), ("regards",), ("regards", ","),
)
# ...and after which one often does ("this is broken", "I'm bored": names only if tagged as nouns).
LIKELY_CUES: tuple[tuple[str, ...], ...] = (
    ("this", "is"), ("i", "'m"), ("i", "m"), ("im",), ("i", "am"), ("ask", "for"), ("agent",), ("wife",),
    ("husband",), ("son",), ("daughter",), ("partner",), ("colleague",), ("mother",), ("mum",),
)
NAME_TAGS = {"PROPN", "NOUN", "ADJ", "X"}
NOUN_TAGS = {"PROPN", "NOUN", "X"}
MAX_NAME_WORDS = 3
SCORE = 0.4


class IntroducedNameRecognizer(EntityRecognizer):
    """PERSON after an introduction cue, from spaCy's tokens (no model of its own)."""

    def __init__(self, product_words: Sequence[str] = ()) -> None:
        self._product_words = {w.lower() for w in product_words}
        super().__init__(supported_entities=["PERSON"], name="IntroducedNameRecognizer", supported_language="en")

    def load(self) -> None:
        """Nothing to load: it reads the tokens Presidio's spaCy engine made."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
                ) -> list[RecognizerResult]:
        """One finding per introduced name."""
        if nlp_artifacts is None or "PERSON" not in entities:
            return []
        tokens = list(nlp_artifacts.tokens)
        words = [t.lower_ for t in tokens]
        found = []
        for index in range(len(tokens)):
            for cue, tags in [(cue, NAME_TAGS) for cue in NAME_CUES] + [(cue, NOUN_TAGS) for cue in LIKELY_CUES]:
                if tuple(words[index:index + len(cue)]) == cue:
                    span = self._name_after(tokens, index + len(cue), tags)
                    if span:
                        found.append(RecognizerResult("PERSON", span[0], span[1], SCORE))
        return found

    def _name_after(self, tokens: list[Any], start: int, tags: set[str]) -> tuple[int, int] | None:
        taken = []
        for token in tokens[start:start + MAX_NAME_WORDS]:
            if not self._may_be_name(token, tags):
                break
            taken.append(token)
        if not taken:
            return None
        return taken[0].idx, taken[-1].idx + len(taken[-1].text)

    def _may_be_name(self, token: Any, tags: set[str]) -> bool:
        """A spaCy token that can be part of a name: tagged like one, letters (and - or '), not a
        stop word, not a product word."""
        letters = token.text.replace("-", "").replace("'", "")
        return (token.pos_ in tags and not token.is_stop and letters.isalpha()
                and token.lower_ not in self._product_words)
