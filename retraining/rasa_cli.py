"""Runs Rasa's command line from its own virtualenv, logging its output and reporting progress.

Rasa runs in ``.venv-rasa`` (it pins pydantic 1 and TensorFlow; see the Rasa-on-3.11 note), so
the loop drives it as a subprocess, exactly as ``make train`` does. Progress is read from Rasa's
own output: the component it is training ("Starting to train component 'DIETClassifier'") and
the epoch bar of that component.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from retraining.errors import RasaCommandFailed

_COMPONENT = re.compile(rb"Starting to train component '(?P<name>[\w.]+)'")
_EPOCHS = re.compile(rb"Epochs:\s+(?P<percent>\d+)%")
_LINE_BREAK = re.compile(rb"[\r\n]")  # tqdm redraws its bar with \r


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


async def run_rasa(rasa_bin: Path, args: Sequence[str], *, log: Path, cwd: Path, step: str,
                   on_progress: OnProgress | None = None) -> None:
    """Run ``rasa <args>``, appending its output to ``log``; raise RasaCommandFailed on failure.

    Cancelling the caller kills Rasa (and anything it started), so a stopped gateway leaves no
    training behind.
    """
    report = on_progress or (lambda _: None)
    report(Progress(step))
    log.parent.mkdir(parents=True, exist_ok=True)
    process = await asyncio.create_subprocess_exec(
        str(rasa_bin), *args, cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}, start_new_session=True)
    assert process.stdout is not None
    try:
        with log.open("ab") as out:
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
        raise RasaCommandFailed(" ".join(args[:2]), returncode, log)
