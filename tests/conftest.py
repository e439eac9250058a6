"""Session fixtures that start the real system once (Redis, SQL, the trained Rasa server, a gateway).

They live at the top so the integration and browser suites share one running system.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from bot.processes import free_port
from tests.support.system import RunningSystem, seed_accounts, staff_token, test_redis_url


@pytest.fixture(scope="session")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    """The whole product on loopback, as ``make run`` starts it."""
    state_dir = tmp_path_factory.mktemp("tandem")
    redis_url, embedded = test_redis_url()
    redis.Redis.from_url(redis_url).flushdb()
    running = RunningSystem(state_dir=state_dir, redis_url=redis_url,
                            database_url=f"sqlite:///{state_dir / 'tandem.db'}",
                            rasa_url=f"http://127.0.0.1:{free_port()}")
    seed_accounts(running.database_url)
    gateway_port = free_port()
    try:
        running.spawn_rasa(gateway_port)
        running.start_gateway(gateway_port)
        running.wait_for_rasa()
        yield running
    finally:
        running.stop()
        if embedded:
            embedded.stop()


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
