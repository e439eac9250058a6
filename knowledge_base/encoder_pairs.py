"""What the fitted encoder learns from: pairs of texts that should be close, made from the articles.

Customers do not write like the articles' titles and alternative phrasings: they greet first, give
some context, type in lower case, make typos and use their own names for the products. So every
phrasing (the title too) becomes a few *anchors* written that way, each paired with a text of the
same article: its title, another phrasing, or the start of its body. The styles are the unseen-
wording set's (benchmarks/data/unseen_wording/README.md), made by rule from the articles alone
(never from the set's messages), and the product names are swapped for the vocabulary's synonyms
("the Lumen Hub" → "the base station"). :func:`encoders.fitting.fit_encoder` trains on them.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from encoders.fitting import Pair
from knowledge_base.articles import Article
from knowledge_base.index import body_texts, question_texts
from knowledge_base.vocabulary import TermKind, Vocabulary

#: How many customer-style anchors each phrasing gives, paired with the title.
ANCHORS_PER_PHRASING = 3
BODY_CHARS = 400  # the start of the body: its first steps say what the article is about
GREETINGS = ("hi, ", "hello! ", "hey there, ", "good morning. ", "hi team, ")
CONTEXT = ("I just got my order yesterday. ", "we moved house last week and ", "my partner set this up and ",
           "quick question: ", "sorry if this is obvious but ")
_TRAILING = re.compile(r"[?.!]+$")


def encoder_pairs(articles: Sequence[Article], vocabulary: Vocabulary | None = None, seed: int = 0) -> list[Pair]:
    """The training pairs of ``articles`` (published ones; see the module docstring)."""
    rng = random.Random(seed)
    names = _product_names(vocabulary)
    pairs = []
    for article in articles:
        phrasings = question_texts(article)
        body = body_texts(article)[0][:BODY_CHARS]
        for phrasing in phrasings:
            pairs += [Pair(_customer_style(phrasing, names, rng), article.title, article.id)
                      for _ in range(ANCHORS_PER_PHRASING)]
            pairs.append(Pair(_customer_style(phrasing, names, rng), body, article.id))
            others = [other for other in phrasings if other != phrasing]
            if others:
                pairs.append(Pair(_customer_style(phrasing, names, rng), rng.choice(others), article.id))
    rng.shuffle(pairs)
    return pairs


def _product_names(vocabulary: Vocabulary | None) -> dict[str, tuple[str, ...]]:
    """Each product's name (lower case) and what customers call it instead."""
    if vocabulary is None:
        return {}
    return {term.name.lower(): term.synonyms for term in vocabulary.terms
            if term.kind is TermKind.PRODUCT and term.synonyms}


def _customer_style(text: str, names: dict[str, tuple[str, ...]], rng: random.Random) -> str:
    """``text`` as a customer might type it: maybe their own product name, lower case, a greeting,
    some context first, a typo."""
    styled = _own_names(text, names, rng) if rng.random() < 0.5 else text
    if rng.random() < 0.3:
        styled = _TRAILING.sub("", styled.lower())
    if rng.random() < 0.25:
        styled = rng.choice(GREETINGS) + _lower_first(styled)
    if rng.random() < 0.2:
        styled = rng.choice(CONTEXT) + _lower_first(styled)
    return _typo(styled, rng) if rng.random() < 0.3 else styled


def _own_names(text: str, names: dict[str, tuple[str, ...]], rng: random.Random) -> str:
    lowered = text.lower()
    for name, synonyms in names.items():
        start = lowered.find(name)
        if start >= 0:
            return text[:start] + rng.choice(synonyms) + text[start + len(name):]
    return text


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _typo(text: str, rng: random.Random) -> str:
    """One slip of the keyboard: two letters swapped, one dropped or one doubled."""
    if len(text) < 7:
        return text
    chars, at, slip = list(text), rng.randrange(1, len(text) - 2), rng.random()
    if slip < 0.4:
        chars[at], chars[at + 1] = chars[at + 1], chars[at]
    elif slip < 0.7:
        del chars[at]
    else:
        chars.insert(at, chars[at])
    return "".join(chars)
