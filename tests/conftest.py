"""Session fixtures that start the real system once (Redis, SQL, the trained Rasa server, a gateway).

They live at the top so the integration and browser suites share one running system. At the end
of the session, any process the run started and did not stop fails the run (and is stopped).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import leftovers
from tests.support.system import EMBEDDED_REDIS_DIR, RunningSystem, running_system, staff_token

#: ``redis_url`` / ``redis``: a flushed Redis database of the run's own, for suites that talk to Redis directly.
pytest_plugins = ["tests.support.redis_fixtures"]
OWN_FOLDERS = pytest.StashKey[list[Path]]()


@pytest.fixture(scope="session", autouse=True)
def own_folders(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> list[Path]:
    """The folders only this run works in; a process inside one at the end is this run's leftover."""
    folders = [tmp_path_factory.getbasetemp(), EMBEDDED_REDIS_DIR]
    request.config.stash[OWN_FOLDERS] = folders
    return folders


@pytest.fixture(scope="session")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    """The whole product on loopback, as ``make run`` starts it."""
    with running_system(tmp_path_factory.mktemp("tandem")) as running:
        yield running


@pytest.fixture(scope="session")
def agent_token(system: RunningSystem) -> str:
    return staff_token(system.gateway.url, "agent1")


@pytest.fixture(scope="session")
def supervisor_token(system: RunningSystem) -> str:
    return staff_token(system.gateway.url, "super")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last: sync Playwright keeps an event loop running in the main thread for
    the rest of the session, and the asyncio tests need that thread's loop to themselves."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """Fail the run if a process it started outlives it: every fixture stops what it starts."""
    left = leftovers.leftover_processes(session.config.stash.get(OWN_FOLDERS, []))
    if not left:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = leftovers.describe(left)
    leftovers.stop(left)
    if reporter is not None:
        reporter.ensure_newline()
        reporter.write_sep("=", "processes started by the tests outlived them (now stopped)", red=True)
        for line in lines:
            reporter.write_line(line, red=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
