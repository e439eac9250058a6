"""Person names beyond what spaCy's model finds on its own, and spaCy's finds that are no names.

Customers introduce themselves in set phrases, often in lower case and with names the model has
rarely seen ("hi my name is aiko tanaka"). After such a cue, up to three following words that
spaCy tags as a name, noun or adjective (not a stop word, not a product word) are taken as a
person's name (:class:`IntroducedNameRecognizer`).

Chat is mostly typed in lower case, and spaCy's recogniser leans on capital letters. When a
message has a lower-case word that English does not know (not in the model's WordNet lemma index,
not a stop word, not a product word), :class:`RecasedNameRecognizer` runs the recogniser a second
time on the message with its lower-case words capitalised (same offsets) and keeps the names that
hold such an unknown word ("thanks a lot chloe dubois"; not "i spoke about the refund"), less the
lower-case English words at their edges, and only if two words are left ("factory reset pir" and
"someone elses order" are jargon or a typo beside everyday words, not names).

:class:`NameRules` then drops what is no name: product words at a finding's edges are trimmed
(a product word inside drops it), and without an introduction a lone lower-case English word
("roger that"), a lower-case keyboard mash ("kjhgf dsa", "aaaaaaa": no vowel, or a letter
three times running), or a capitalised English word opening a sentence ("Love the lights so far",
"Unboxed everything") is not a name. Measured by benchmarks/names.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import SpacyRecognizer
from spacy.language import Language
from spacy.tokens import Doc, Span

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
# ...and after which a word spaCy tags as a proper noun is a name if capitalised or unknown to
# English ("thanks Chloé", "hello aiko"; not "hi team", "hi bot").
GREETING_CUES: tuple[tuple[str, ...], ...] = (
    ("hi",), ("hello",), ("hey",), ("dear",), ("thanks",), ("thank", "you"), ("thanks", "a", "lot"), ("cheers",),
)
# A name, at the start of the message (after a greeting), before these words: "fernanda costa speaking".
SIGN_OFFS = {"here", "speaking"}
GREETED_TAGS = {"PROPN"}
NAME_TAGS = {"PROPN", "NOUN", "ADJ", "X"}
NOUN_TAGS = {"PROPN", "NOUN", "X"}
MAX_NAME_WORDS = 3
SCORE = 0.4


class IntroducedNameRecognizer(EntityRecognizer):
    """PERSON after an introduction cue, from spaCy's tokens (no model of its own)."""

    def __init__(self, product_words: Sequence[str] = (), rules: NameRules | None = None) -> None:
        self._product_words = {w.lower() for w in product_words}
        self._rules = rules
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
        cues = ([(cue, NAME_TAGS) for cue in NAME_CUES] + [(cue, NOUN_TAGS) for cue in LIKELY_CUES]
                + [(cue, GREETED_TAGS) for cue in GREETING_CUES])
        found = []
        for index in range(len(tokens)):
            for cue, tags in cues:
                if tuple(words[index:index + len(cue)]) == cue:
                    span = self._name_after(tokens, index + len(cue), tags)
                    if span:
                        found.append(RecognizerResult("PERSON", span[0], span[1], SCORE))
            if words[index] in SIGN_OFFS and (span := self._name_before(tokens, index)):
                found.append(RecognizerResult("PERSON", span[0], span[1], SCORE))
        return found

    def _name_before(self, tokens: list[Any], end: int) -> tuple[int, int] | None:
        """The name-like words right before ``end`` if they open the message (after a greeting or a comma)."""
        start = end
        while start > 0 and end - start < MAX_NAME_WORDS and self._may_be_name(tokens[start - 1], NOUN_TAGS):
            start -= 1
        opener = [t.lower_ for t in tokens[:start] if not t.is_punct]
        if start == end or opener not in ([], ["hi"], ["hello"], ["hey"]):
            return None
        return tokens[start].idx, tokens[end - 1].idx + len(tokens[end - 1].text)

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
        if tags is GREETED_TAGS and token.is_lower and self._rules and self._rules.is_english(token):
            return False
        return (token.pos_ in tags and not token.is_stop and letters.isalpha()
                and token.lower_ not in self._product_words)


VOWELS = set("aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýÿāăąēėęěīįıōőœūůűų")
TRIPLE_LETTER = re.compile(r"(\w)\1\1")
RECASE_PIPES = ("tok2vec", "ner")  # the second pass needs only the recogniser
INFLECTIONS = ("s", "es", "ed", "d")
# A lone unknown lower-case word is as often jargon or a typo ("tunable", "pir") as a first name:
# the second pass takes full names only (a lone first name is found after a cue).
MIN_RECASED_WORDS = 2
MIN_LONE_LETTERS = 3  # a lone lower-case word shorter than this is chat ("ya", "ok"), not a name
WORD_PREFIXES = ("un", "re")  # "Unboxed", "Replugged": English words WordNet lists without the prefix


class NameRules:
    """What a spaCy PERSON finding must pass to be hidden as a name (see the module docstring)."""

    def __init__(self, nlp: Language, product_words: Iterable[str] = ()) -> None:
        self.product_words = {w.lower() for w in product_words}
        lemma_index = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index")  # type: ignore[attr-defined]
        self._english = {word for pos in ("noun", "verb", "adj", "adv") for word in lemma_index.get(pos, [])}
        self._stop_words = set(nlp.Defaults.stop_words)

    def is_english(self, token: Any) -> bool:
        """A stop word, or a word of WordNet's index as written, as lemmatised or without a plural or
        past ending ("refund", "lights", "Strips": spaCy does not lemmatise what it takes for a name)."""
        word = token.lower_
        forms = {word, token.lemma_.lower(), *(word[:-len(end)] for end in INFLECTIONS if word.endswith(end))}
        return word in self._stop_words or bool(forms & self._english)

    def is_unknown_lower(self, token: Any) -> bool:
        """A lower-case word English does not know, tagged like a name, and no product word: maybe a
        name typed in lower case ("chloe"; not "unlink", a verb, nor "heyy", an interjection)."""
        return (token.is_alpha and token.is_lower and len(token) > 1 and token.pos_ in NAME_TAGS
                and not self.is_english(token) and token.lower_ not in self.product_words)

    def refine(self, span: Span, trim_english: bool = False) -> tuple[int, int] | None:
        """The span's characters to hide, or None if it is no name.

        ``trim_english``: also trim lower-case English words at the edges (the second, recased pass:
        "factory reset pir", "pasword reset", "someone elses order" are a typo or jargon next to
        everyday words, and what is left is one word, too little for that pass).
        """
        tokens = list(span)
        while tokens and (self._is_edge(tokens[0]) or (trim_english and self._is_lower_english(tokens[0]))):
            tokens.pop(0)
        while tokens and (self._is_edge(tokens[-1]) or (trim_english and self._is_lower_english(tokens[-1]))):
            tokens.pop()
        if not tokens or any(t.lower_ in self.product_words for t in tokens):
            return None
        if len(tokens) < len(span) and all(self.is_english(t) for t in tokens):
            return None  # "Will" of "Will Lumen": a product name, not a person
        lower = [t for t in tokens if t.is_lower]
        if any(not (set(t.lower_) & VOWELS) or TRIPLE_LETTER.search(t.lower_) for t in lower if t.is_alpha):
            return None
        if len(tokens) == 1 and lower and (self.is_english(tokens[0]) or len(tokens[0]) < MIN_LONE_LETTERS):
            return None  # "roger that", "see ya"
        if len(tokens) == 1 and self._opens_with_word(tokens[0]):
            return None  # "Love the lights so far", "Unboxed everything"
        return tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)

    def _is_lower_english(self, token: Any) -> bool:
        return bool(token.is_lower) and self.is_english(token)

    def _opens_with_word(self, token: Any) -> bool:
        """A capitalised English word opening a sentence, with a lower-case word after it: capitalised
        because it comes first, not because it is a name ("Love the lights", "Unboxed everything").
        Names that open a message come with a cue ("Grace here") or a second name, found elsewhere."""
        following = token.nbor(1) if token.i + 1 < len(token.doc) else None
        if not (token.is_sent_start and token.is_title and following is not None and following.is_lower):
            return False
        word = token.lower_
        return self.is_english(token) or any(word.startswith(prefix) and self._knows(word[len(prefix):])
                                             for prefix in WORD_PREFIXES)

    def _knows(self, word: str) -> bool:
        """``word`` (or it without a plural or past ending) is in WordNet's index."""
        return bool({word, *(word[:-len(end)] for end in INFLECTIONS if word.endswith(end))} & self._english)

    def _is_edge(self, token: Any) -> bool:
        return token.lower_ in self.product_words or token.is_punct or token.is_space


def _results(spans: Iterable[tuple[int, int]], recognizer: Any, score: float) -> list[RecognizerResult]:
    metadata = {RecognizerResult.RECOGNIZER_NAME_KEY: str(recognizer.name),
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: str(recognizer.id)}
    return [RecognizerResult("PERSON", start, end, score, recognition_metadata=dict(metadata)) for start, end in spans]


class CheckedSpacyRecognizer(SpacyRecognizer):
    """Presidio's spaCy recogniser with its PERSON findings passed through :class:`NameRules`."""

    def __init__(self, rules: NameRules) -> None:
        self._rules = rules
        super().__init__(supported_entities=["PERSON"])

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
                ) -> list[RecognizerResult]:
        """spaCy's names in the message, minus those :class:`NameRules` rejects."""
        if nlp_artifacts is None or "PERSON" not in entities:
            return []
        found = []
        for ent, score in zip(nlp_artifacts.entities, nlp_artifacts.scores, strict=True):
            if ent.label_ == "PERSON" and (span := self._rules.refine(ent)):
                found += _results([span], self, score)
        return found


class RecasedNameRecognizer(EntityRecognizer):
    """PERSON from a second pass over the message with its lower-case words capitalised."""

    def __init__(self, nlp: Language, rules: NameRules) -> None:
        self._nlp = nlp
        self._rules = rules
        super().__init__(supported_entities=["PERSON"], name="RecasedNameRecognizer", supported_language="en")

    def load(self) -> None:
        """Nothing to load: it shares the spaCy model of Presidio's engine."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
                ) -> list[RecognizerResult]:
        """Names found only once the lower-case words are capitalised, holding a word English does not know."""
        if nlp_artifacts is None or "PERSON" not in entities:
            return []
        doc: Doc = nlp_artifacts.tokens
        unknown = {t.idx for t in doc if self._rules.is_unknown_lower(t)}
        if not unknown:
            return []
        recased = "".join((self._recase(t) if t.is_lower and t.is_alpha else t.text) + t.whitespace_ for t in doc)
        second = self._nlp(recased, disable=[name for name in self._nlp.pipe_names if name not in RECASE_PIPES])
        spans = []
        for ent in second.ents:
            original = doc.char_span(ent.start_char, ent.end_char, alignment_mode="expand")
            if (ent.label_ == "PERSON" and original is not None and any(t.idx in unknown for t in original)
                    and all(t.pos_ in NAME_TAGS or not self._rules.is_english(t)
                            for t in original if t.is_alpha)):  # not "the app stopped working"
                span = self._rules.refine(original, trim_english=True)
                if span and len(text[span[0]:span[1]].split()) >= MIN_RECASED_WORDS:
                    spans.append(span)
        return _results(spans, self, SCORE)

    def _recase(self, token: Any) -> str:
        """Capitalised, unless a stop word or product word (which stay as typed, as in a title)."""
        if token.is_stop or token.lower_ in self._rules.product_words:
            return str(token.text)
        return str(token.text[:1].upper() + token.text[1:])
