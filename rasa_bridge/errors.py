"""Errors of talking to Rasa, over HTTP or its command line.

Every error says what went wrong and where to look; ``code`` is a stable machine-readable name::

    RasaError
    ├── RasaUnavailable     a customer's message got no answer (no server reachable, or one failed
    │                       mid-way): the gateway holds and escalates (reason ``bot_unavailable``)
    ├── RasaServerError     a server's HTTP API did not answer, or refused a request: see its answer
    └── RasaCommandFailed   a Rasa command (train, data split, test) exited non-zero: see its log
"""

from __future__ import annotations

from pathlib import Path


class RasaError(Exception):
    """Base class of every error of this package."""

    code = "rasa_error"


class RasaUnavailable(RasaError):
    """Rasa did not answer (down, restarting, overloaded or returned an error)."""

    code = "rasa_unavailable"


class RasaServerError(RasaError):
    """A Rasa server's HTTP API did not answer, or answered with an error (the message quotes it)."""

    code = "rasa_server_error"


class RasaCommandFailed(RasaError):
    """``rasa train``/``rasa data split``/``rasa test`` failed; its output is in the log."""

    code = "rasa_command_failed"

    def __init__(self, command: str, returncode: int, log: Path | None) -> None:
        where = f"its output is in {log}" if log is not None else "its output is above"
        super().__init__(f"`rasa {command}` failed (exit {returncode}); {where}")
        self.command = command
        self.returncode = returncode
        self.log = log
