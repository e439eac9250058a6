"""``python -m rasa_bridge train``: train the project's Rasa model into models/ (``make train``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rasa_bridge.artefacts import MODELS_DIR
from rasa_bridge.commands import train_project
from rasa_bridge.errors import RasaCommandFailed


def main(argv: list[str] | None = None) -> int:
    """Run one command; the exit status is Rasa's (1 when it wrote no model)."""
    parser = argparse.ArgumentParser(prog="python -m rasa_bridge", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train the model unless an up-to-date one exists")
    train.add_argument("--out", type=Path, default=MODELS_DIR, help="folder for the model archive (default: models/)")
    args = parser.parse_args(argv)
    try:
        print(f"model: {train_project(out_dir=args.out.resolve())}")
    except RasaCommandFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.returncode or 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
