"""Train an NLU model and classify many texts with it: the Rasa half of ``benchmarks/nlu_*.py``.

Run with the Rasa virtualenv from the repository root; the benchmarks (gateway virtualenv) call
it as a subprocess and read its JSON file:

    .venv-rasa/bin/python -m nlu.runner jobs.json

``jobs.json`` is a list of ``{"config", "train", "texts", "out"}`` (paths; ``texts`` a JSON list of
strings), run one after another in one process, so Rasa, TensorFlow and the sentence model load
once. Each ``out`` gets ``train_seconds`` and, per text, the predicted intent and the ranking
without ``nlu_fallback``, so fallback thresholds can be tuned afterwards without training again.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

BATCH = 256


def train(config: Path, nlu_data: Path, out_dir: Path) -> tuple[Path, float]:
    """An NLU-only model archive in ``out_dir`` and the seconds its training took."""
    from rasa.model_training import train_nlu

    started = time.perf_counter()
    model = train_nlu(str(config), str(nlu_data), str(out_dir), fixed_model_name="candidate")
    seconds = time.perf_counter() - started
    if not model:
        raise SystemExit(f"training failed for {config} on {nlu_data}")
    return Path(model), seconds


def classify(model: Path, texts: list[str]) -> list[dict[str, Any]]:
    """Parse results for ``texts``, run through the model's NLU graph in batches.

    One graph run per batch, not per text as Rasa's own ``rasa test nlu`` does, because the
    sentence model embeds a batch far faster than the same texts one by one.
    """
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage
    from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
    from rasa.shared.core.trackers import DialogueStateTracker

    agent = Agent.load(str(model))
    assert agent.processor is not None
    processor = agent.processor
    tracker = DialogueStateTracker("benchmark", slots=[])
    results: list[dict[str, Any]] = []
    for start in range(0, len(texts), BATCH):
        batch = [UserMessage(text) for text in texts[start:start + BATCH]]
        outputs = processor.graph_runner.run(
            inputs={PLACEHOLDER_MESSAGE: batch, PLACEHOLDER_TRACKER: tracker},
            targets=[processor.model_metadata.nlu_target],
        )[processor.model_metadata.nlu_target]
        results.extend(_summary(message.as_dict(only_output_properties=True)) for message in outputs)
    return results


def _summary(parsed: dict[str, Any]) -> dict[str, Any]:
    """The predicted intent, the top of the ranking without ``nlu_fallback``, and the entities."""
    ranking = [(item["name"], round(float(item["confidence"]), 5)) for item in parsed.get("intent_ranking", [])
               if item["name"] != "nlu_fallback"][:3]
    entities = [{"entity": e["entity"], "value": e.get("value"), "extractor": e.get("extractor")}
                for e in parsed.get("entities", [])]
    return {"intent": (parsed.get("intent") or {}).get("name"), "ranking": ranking, "entities": entities}


def run_job(config: Path, train_data: Path, texts: list[str]) -> dict[str, Any]:
    """Train on ``train_data`` with ``config``, classify ``texts``; the model is thrown away."""
    with tempfile.TemporaryDirectory(prefix="nlu-runner-") as scratch:
        model, seconds = train(config, train_data, Path(scratch))
        started = time.perf_counter()
        predictions = asyncio.run(_classify_async(model, texts))
        classify_seconds = time.perf_counter() - started
    return {"train_seconds": round(seconds, 2), "classify_seconds": round(classify_seconds, 2),
            "predictions": predictions}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("jobs", type=Path, help='a JSON list of {"config", "train", "texts", "out"}')
    for job in json.loads(parser.parse_args().jobs.read_text()):
        texts = json.loads(Path(job["texts"]).read_text())
        result = run_job(Path(job["config"]), Path(job["train"]), texts)
        Path(job["out"]).write_text(json.dumps(result))


async def _classify_async(model: Path, texts: list[str]) -> list[dict[str, Any]]:
    """Agent.load wants a running event loop (it may start background tasks)."""
    return classify(model, texts)


if __name__ == "__main__":
    main()
