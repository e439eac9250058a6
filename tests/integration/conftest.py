"""Fixtures the integration tests share."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.system import RunningSystem, staff_token


@pytest.fixture(scope="module")
def content(system: RunningSystem) -> Iterator[httpx.Client]:
    """An HTTP client signed in as the content curator."""
    token = staff_token(system.gateway.url, "content")
    with httpx.Client(base_url=system.gateway.url, headers={"Authorization": f"Bearer {token}"},
                      timeout=60) as client:
        yield client
