"""Rasa's parse of many texts with one model archive, in a process of its own.

Run by the Rasa virtualenv's Python (:func:`rasa_bridge.commands.parse_texts`), never imported
by the gateway: the retraining loop reads a candidate model's intents and entities for a whole
evaluation set without loading it on the serving Rasa. Usage: ``parse_batch.py MODEL TEXTS OUT``
(TEXTS a JSON list of strings; OUT gets a JSON list of parses, as ``POST /model/parse`` answers).
"""

import asyncio
import json
import sys
from pathlib import Path

# The project (Tandem's NLU components the model names), not this folder, whose module names
# (errors, commands) would shadow others'.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from rasa.core.agent import Agent  # noqa: E402 - after the path is set


async def main(model: str, texts_file: str, out_file: str) -> None:
    agent = Agent.load(model)
    texts = json.loads(Path(texts_file).read_text(encoding="utf-8"))
    parses = [await agent.parse_message(text) for text in texts]
    Path(out_file).write_text(json.dumps(parses, default=float), encoding="utf-8")


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
