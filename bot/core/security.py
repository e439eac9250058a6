"""Signed tokens for staff and customers, and password hashing.

Staff tokens (agent, supervisor, content, admin) and customer session tokens are JWTs signed
with ``TANDEM_SECRET_KEY``; the ``typ`` claim keeps one kind from being used as the other.
Passwords are hashed with argon2.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

ALGORITHM = "HS256"
CUSTOMER_TOKEN_TTL_S = 30 * 24 * 3600
_hasher = PasswordHasher()


class StaffRole(StrEnum):
    """What a member of staff may do; ``admin`` may do everything."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"
    CONTENT = "content"
    ADMIN = "admin"


# Which roles each role includes, so routes name the least role they need.
IMPLIED_ROLES: dict[StaffRole, set[StaffRole]] = {
    StaffRole.AGENT: {StaffRole.AGENT},
    StaffRole.SUPERVISOR: {StaffRole.SUPERVISOR, StaffRole.AGENT},
    StaffRole.CONTENT: {StaffRole.CONTENT},
    StaffRole.ADMIN: set(StaffRole),
}


class InvalidToken(Exception):
    """The token is missing, malformed, expired, or of the wrong kind."""


@dataclass(frozen=True)
class Principal:
    """An authenticated member of staff."""

    username: str
    name: str
    role: StaffRole

    def can(self, role: StaffRole) -> bool:
        """Whether this person's role includes ``role``."""
        return role in IMPLIED_ROLES[self.role]


def hash_password(password: str) -> str:
    """An argon2 hash to store instead of the password."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches the stored hash (never raises on a bad hash)."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class TokenSigner:
    """Issues and checks the two kinds of token with one secret."""

    def __init__(self, secret: str, staff_ttl_s: int) -> None:
        if len(secret) < 32:
            raise ValueError("TANDEM_SECRET_KEY must be set to at least 32 random characters")
        self._secret = secret
        self._staff_ttl_s = staff_ttl_s

    def staff_token(self, principal: Principal) -> str:
        """A bearer token for the console and the staff APIs."""
        now = int(time.time())
        claims = {"typ": "staff", "sub": principal.username, "name": principal.name,
                  "role": principal.role.value, "iat": now, "exp": now + self._staff_ttl_s}
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def read_staff_token(self, token: str) -> Principal:
        """The person a staff token was issued to; raises InvalidToken."""
        claims = self._decode(token, "staff")
        try:
            return Principal(username=str(claims["sub"]), name=str(claims["name"]), role=StaffRole(str(claims["role"])))
        except (KeyError, ValueError) as exc:
            raise InvalidToken("token lacks a valid subject or role") from exc

    def customer_token(self, session_id: str) -> str:
        """The token a widget keeps to resume its own session, and only that one."""
        now = int(time.time())
        claims = {"typ": "customer", "sub": session_id, "iat": now, "exp": now + CUSTOMER_TOKEN_TTL_S}
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def read_customer_token(self, token: str) -> str:
        """The session id a customer token grants; raises InvalidToken."""
        return str(self._decode(token, "customer")["sub"])

    def _decode(self, token: str, kind: str) -> dict[str, object]:
        try:
            claims: dict[str, object] = jwt.decode(
                token, self._secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub", "typ"]}
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        if claims.get("typ") != kind:
            raise InvalidToken(f"not a {kind} token")
        return claims
