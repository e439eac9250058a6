"""Does Rasa understand customers as well when it sees their messages redacted?

    .venv/bin/python benchmarks/nlu_redaction.py [--folds 3]

The gateway sends Rasa the redacted message (privacy.redactor: names, e-mail addresses, phone
numbers, cards and IBANs replaced by labels). Stratified cross-validation of config.yml's pipeline
on the demo data (training_data/nlu.yml): each held-out sentence is classified as written, with a
piece of personal data added the way customers add it ("... my card is 4111 ..."), and both of
those redacted. Prints one JSON line: intent accuracy of each variant (fallback counted wrong).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.core.config import Settings
from bot.services import lookup_names
from nlu.evaluation import Job, accuracy, plain, read_rasa_nlu, run_jobs, stratified_folds
from privacy import PresidioRedactor
from tests.privacy.pii_set import CARDS, EMAILS, IBANS, NAMES, PHONES

ROOT = Path(__file__).resolve().parents[1]
ADDITIONS = [
    "{text}, my email is {email}", "{text} - I'm {name}", "hi, this is {name}. {text}",
    "{text} (card {card})", "{text}, call me on {phone}", "{text}. IBAN for the refund: {iban}",
]
VARIANTS = ("as_written", "as_written_redacted", "with_personal_data", "with_personal_data_redacted")


def with_personal_data(text: str, n: int) -> str:
    """``text`` with one piece of the PII test set added, rotating through templates and values."""
    return ADDITIONS[n % len(ADDITIONS)].format(
        text=text, email=EMAILS[n % len(EMAILS)], name=NAMES[n % len(NAMES)], card=CARDS[n % len(CARDS)],
        phone=PHONES[n % len(PHONES)], iban=IBANS[n % len(IBANS)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=3)
    args = parser.parse_args()
    examples, extra = read_rasa_nlu(ROOT / "training_data" / "nlu.yml")
    redactor = PresidioRedactor(Settings().privacy.redaction(lookup_names()))  # as deployed
    parts = stratified_folds(examples, args.folds)
    jobs, expected = [], []
    for held_out_index, held_out in enumerate(parts):
        train = [e for i, part in enumerate(parts) if i != held_out_index for e in part]
        written = [plain(text) for text, _ in held_out]
        added = [with_personal_data(text, n) for n, text in enumerate(written)]
        texts = [*written, *redactor.redact_many(written), *added, *redactor.redact_many(added)]
        jobs.append(Job(config=ROOT / "config.yml", train=train, texts=texts, extra=extra))
        expected.append([intent for _, intent in held_out])
    results = run_jobs(jobs)
    scores: dict[str, list[str]] = {variant: [] for variant in VARIANTS}
    truth: list[str] = []
    for result, labels in zip(results, expected, strict=True):
        size = len(labels)
        for v, variant in enumerate(VARIANTS):
            scores[variant] += [p.intent for p in result.predictions[v * size:(v + 1) * size]]
        truth += labels
    print(json.dumps({"benchmark": "nlu_redaction", "folds": args.folds, "examples": len(truth),
                      **{f"accuracy_{variant}": round(accuracy(predicted, truth), 4)
                         for variant, predicted in scores.items()}}))


if __name__ == "__main__":
    main()
