"""Settings refuse what would only fail later, naming the problem."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.core.config import HandoffSettings

pytestmark = pytest.mark.unit


def test_a_default_canned_reply_with_an_unknown_placeholder_is_refused_at_start() -> None:
    with pytest.raises(ValidationError, match=r"unknown placeholder \{name\}"):
        HandoffSettings(canned_replies=["Hi {name}!"])
    assert HandoffSettings(canned_replies=["Hi {customer_first_name}!"]).suggestions == 3
