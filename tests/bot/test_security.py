"""Tokens and passwords: one kind of token never passes as the other."""

from __future__ import annotations

import pytest

from bot.core.security import InvalidToken, Principal, StaffRole, TokenSigner, hash_password, verify_password

pytestmark = [pytest.mark.unit]
SIGNER = TokenSigner("s" * 40, staff_ttl_s=60)


def test_staff_token_round_trip_and_role_implication() -> None:
    supervisor = Principal("sam", "Sam", StaffRole.SUPERVISOR)
    read = SIGNER.read_staff_token(SIGNER.staff_token(supervisor))
    assert read == supervisor
    assert read.can(StaffRole.AGENT) and not read.can(StaffRole.ADMIN) and not read.can(StaffRole.CONTENT)
    assert Principal("a", "A", StaffRole.ADMIN).can(StaffRole.CONTENT)


def test_customer_token_is_not_a_staff_token_and_vice_versa() -> None:
    customer = SIGNER.customer_token("abc123")
    assert SIGNER.read_customer_token(customer) == "abc123"
    with pytest.raises(InvalidToken):
        SIGNER.read_staff_token(customer)
    with pytest.raises(InvalidToken):
        SIGNER.read_customer_token(SIGNER.staff_token(Principal("x", "X", StaffRole.AGENT)))


def test_tokens_signed_with_another_secret_or_expired_are_refused() -> None:
    other = TokenSigner("o" * 40, staff_ttl_s=60)
    with pytest.raises(InvalidToken):
        SIGNER.read_customer_token(other.customer_token("abc"))
    expired = TokenSigner("s" * 40, staff_ttl_s=-10).staff_token(Principal("x", "X", StaffRole.AGENT))
    with pytest.raises(InvalidToken):
        SIGNER.read_staff_token(expired)


def test_a_short_secret_is_refused_with_a_fix_it_message() -> None:
    with pytest.raises(ValueError, match="TANDEM_SECRET_KEY"):
        TokenSigner("short", 60)


def test_passwords_are_hashed_with_argon2() -> None:
    stored = hash_password("pw")
    assert stored.startswith("$argon2") and verify_password(stored, "pw")
    assert not verify_password(stored, "other") and not verify_password("garbage", "pw")
