"""Session fixtures that start the real system once (Redis, SQL, the trained Rasa server, a gateway).

They live at the top so the integration and browser suites share one running system.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.system import RunningSystem, running_system, staff_token


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
