"""Rasa's command line: train, split NLU data, test NLU, parse a set of texts with one model, and the serving command.

Rasa runs from its own virtualenv (:data:`rasa_bridge.artefacts.RASA_BIN`) as a subprocess, its
output appended to a log. Progress is read from that output: the component Rasa is training
("Starting to train component 'DIETClassifier'") and the epoch bar of that component.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rasa_bridge.artefacts import (
    CONFIG,
    CREDENTIALS,
    DOMAIN,
    ENDPOINTS,
    MODELS_DIR,
    PROJECT_ROOT,
    RASA_BIN,
    TRAINING_FILES,
    inputs_digest,
    latest_model,
    record_inputs,
    up_to_date_model,
)
from rasa_bridge.errors import RasaCommandFailed

TRAIN_SPLIT = "training_data.yml"  # the names `rasa data split nlu` writes
TEST_SPLIT = "test_data.yml"
_COMPONENT = re.compile(rb"Starting to train component '(?P<name>[\w.]+)'")
_EPOCHS = re.compile(rb"Epochs:\s+(?P<percent>\d+)%")
_LINE_BREAK = re.compile(rb"[\r\n]")  # tqdm redraws its bar with \r
_QUIET_TENSORFLOW = {"TF_CPP_MIN_LOG_LEVEL": "2"}
RASA_PYTHON = RASA_BIN.parent / "python"
PARSE_SCRIPT = Path(__file__).with_name("parse_batch.py")
SERVER_SCRIPT = Path(__file__).with_name("rasa_server.py")


@dataclass(frozen=True)
class Progress:
    """Where a job is: its step (a Rasa component while training) and that step's percentage."""

    step: str
    percent: float | None = None

    def describe(self) -> str:
        """One line for people."""
        return self.step if self.percent is None else f"{self.step} {self.percent:.0f}%"


OnProgress = Callable[[Progress], None]


def progress_from(line: bytes, step: str) -> Progress | None:
    """The progress one line of Rasa's output shows, if any (``step`` is the current one)."""
    if match := _COMPONENT.search(line):
        return Progress(f"training {match.group('name').decode()}")
    if match := _EPOCHS.search(line):
        return Progress(step, float(match.group("percent")))
    return None


@dataclass(frozen=True)
class Logged:
    """Where a command runs, where its output goes, and who hears of its progress.

    ``cwd`` is where Rasa keeps its component cache (``.rasa/``): unchanged components (the
    dialogue policies, usually) are reused rather than retrained.
    """

    log: Path
    cwd: Path = PROJECT_ROOT
    on_progress: OnProgress | None = None


async def run_rasa(args: Sequence[str], logged: Logged, step: str) -> None:
    """Run ``rasa <args>``, appending its output to the log; raise RasaCommandFailed on failure.

    Cancelling the caller kills Rasa (and anything it started), so a stopped gateway leaves no
    training behind.
    """
    await _run([str(RASA_BIN), *args], logged, step, " ".join(args[:2]))


async def parse_texts(logged: Logged, *, model: Path, texts: Sequence[str],
                      step: str = "reading the evaluation messages") -> list[dict[str, Any]]:
    """Rasa's parse (intent ranking, entities) of each of ``texts`` with ``model``, in a Rasa process
    of its own (:mod:`rasa_bridge.parse_batch`): the serving Rasa servers are not touched."""
    with tempfile.TemporaryDirectory(prefix="tandem-parse-") as scratch:
        texts_file, out_file = Path(scratch) / "texts.json", Path(scratch) / "parses.json"
        texts_file.write_text(json.dumps(list(texts)), encoding="utf-8")
        await _run([str(RASA_PYTHON), str(PARSE_SCRIPT), str(model), str(texts_file), str(out_file)], logged, step,
                   "parse_batch")
        parses: list[dict[str, Any]] = json.loads(out_file.read_text(encoding="utf-8"))
    return parses


async def _run(command: Sequence[str], logged: Logged, step: str, name: str) -> None:
    """Run ``command`` from the Rasa virtualenv (see :func:`run_rasa`); ``name`` names it in errors."""
    report = logged.on_progress or (lambda _: None)
    report(Progress(step))
    logged.log.parent.mkdir(parents=True, exist_ok=True)
    process = await asyncio.create_subprocess_exec(
        *command, cwd=logged.cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, **_QUIET_TENSORFLOW}, start_new_session=True)
    assert process.stdout is not None
    try:
        with logged.log.open("ab") as out:
            pending, current = b"", step
            while chunk := await process.stdout.read(16384):
                out.write(chunk)
                *lines, pending = _LINE_BREAK.split(pending + chunk)
                for line in lines:
                    if (found := progress_from(line, current)) is not None:
                        current = found.step
                        report(found)
        returncode = await process.wait()
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
    if returncode != 0:
        raise RasaCommandFailed(name, returncode, logged.log)


def train_args(*, out: Path, config: Path | str, domain: Path | str, data: Sequence[Path | str],
               fixed_model_name: str | None = None) -> list[str]:
    """The arguments of ``rasa train`` (Rasa skips training when an up-to-date model is in ``out``)."""
    named = ["--fixed-model-name", fixed_model_name] if fixed_model_name else []
    return ["train", "--out", str(out), *named, "--config", str(config), "--domain", str(domain),
            "--data", *map(str, data)]


async def train(logged: Logged, *, out: Path, config: Path, domain: Path, data: Sequence[Path],
                fixed_model_name: str, step: str = "validating data") -> Path:
    """Train a model into ``out/<fixed_model_name>.tar.gz`` and return that archive."""
    await run_rasa(train_args(out=out, config=config, domain=domain, data=data,
                              fixed_model_name=fixed_model_name), logged, step)
    archive = out / f"{fixed_model_name}.tar.gz"
    if not archive.is_file():
        raise RasaCommandFailed("train", 0, logged.log)
    return archive


def train_project(log: Path | None = None, out_dir: Path = MODELS_DIR) -> Path:
    """Train the project's model (config.yml, domain.yml, the training files) unless the newest one in
    ``out_dir`` was trained from the same files (:func:`rasa_bridge.artefacts.up_to_date_model`), and
    return the newest archive there. Blocking: for ``make train`` and the launcher; without ``log``
    Rasa's output goes to this process's."""
    out_dir.mkdir(parents=True, exist_ok=True)
    digest = inputs_digest()
    current = up_to_date_model(digest, out_dir)
    if current is not None:
        return current
    command = [str(RASA_BIN), *train_args(out=out_dir, config=CONFIG, domain=DOMAIN, data=TRAINING_FILES)]
    env = {**os.environ, **_QUIET_TENSORFLOW}
    if log is None:
        returncode = subprocess.run(command, cwd=PROJECT_ROOT, env=env, check=False).returncode
    else:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as stream:
            returncode = subprocess.run(command, cwd=PROJECT_ROOT, env=env, stdout=stream, stderr=subprocess.STDOUT,
                                        check=False).returncode
    archive = latest_model(out_dir)
    if returncode != 0 or archive is None:
        raise RasaCommandFailed("train", returncode, log)
    record_inputs(archive, digest)
    return archive


async def split_nlu(logged: Logged, *, nlu: Path, training_fraction: float, seed: int, out: Path,
                    step: str = "splitting examples") -> tuple[Path, Path]:
    """Split the NLU examples under ``nlu`` (stratified by intent); the training and the test file."""
    await run_rasa(["data", "split", "nlu", "--nlu", str(nlu), "--training-fraction", str(training_fraction),
                    "--random-seed", str(seed), "--out", str(out)], logged, step)
    return out / TRAIN_SPLIT, out / TEST_SPLIT


async def nlu_test(logged: Logged, *, model: Path, nlu: Path, out: Path, step: str = "testing intents") -> None:
    """Test a model on the NLU examples in ``nlu``; Rasa writes its reports into ``out``."""
    await run_rasa(["test", "nlu", "--model", str(model), "--nlu", str(nlu), "--out", str(out)], logged, step)


async def cross_validate(logged: Logged, *, nlu: Path, config: Path, folds: int, out: Path,
                         step: str = "cross-validating") -> None:
    """Cross-validate ``config`` on the NLU examples under ``nlu`` in ``folds`` folds; reports into ``out``."""
    await run_rasa(["test", "nlu", "--nlu", str(nlu), "--config", str(config), "--cross-validation",
                    "--folds", str(folds), "--out", str(out)], logged, step)


def server_command(*, port: int, api_token: str, model: Path, host: str = "127.0.0.1") -> list[str]:
    """``rasa run`` with the REST channel and the HTTP API (its environment: artefacts.endpoints_env),
    through :mod:`rasa_bridge.rasa_server` (the action server's answers validated without re-checking the schema)."""
    return [str(RASA_PYTHON), str(SERVER_SCRIPT), "run", "--enable-api", "--auth-token", api_token, "-i", host,
            "-p", str(port), "-m", str(model), "--endpoints", ENDPOINTS, "--credentials", CREDENTIALS]
