"""The signature a receiver checks: HMAC-SHA256 over ``timestamp.body``, fresh, in constant time."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from webhooks.settings import WebhookSettings
from webhooks.signing import new_secret, signature_header, verify

pytestmark = pytest.mark.unit
BODY = b'{"id":"e1","type":"conversation.escalated"}'


def test_the_header_is_the_hmac_of_timestamp_dot_body() -> None:
    header = signature_header("s3cret", 1_700_000_000, BODY)
    expected = hmac.new(b"s3cret", b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"


def test_a_receiver_accepts_a_fresh_signed_body_and_refuses_anything_else() -> None:
    secret = new_secret()
    header = signature_header(secret, 1_700_000_000, BODY)
    assert verify(secret, header, BODY, now=1_700_000_010)
    assert not verify(secret, header, BODY + b" ", now=1_700_000_010)  # body changed
    assert not verify(new_secret(), header, BODY, now=1_700_000_010)  # someone else's secret
    assert not verify(secret, header, BODY, now=1_700_000_000 + 301)  # replayed later
    assert not verify(secret, header.replace("t=1700000000", "t=1700000300"), BODY, now=1_700_000_300)
    for broken in ("", "t=abc,v1=00", "v1=00", "garbage"):
        assert not verify(secret, broken, BODY, now=1_700_000_000)


def test_secrets_are_random_and_long() -> None:
    secrets = {new_secret() for _ in range(50)}
    assert len(secrets) == 50 and all(len(s) > 40 for s in secrets)


def test_backoff_doubles_from_the_base_up_to_the_cap() -> None:
    settings = WebhookSettings(backoff_base_s=2, backoff_max_s=30)
    assert [settings.backoff_s(n) for n in range(1, 7)] == [2, 4, 8, 16, 30, 30]
