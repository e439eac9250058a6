"""How a delivery proves it comes from this Tandem and is fresh: HMAC-SHA256 over ``timestamp.body``.

The header is ``X-Tandem-Signature: t=<unix seconds>,v1=<hex digest>``. Signing the timestamp with
the body lets a receiver refuse a captured delivery replayed later (docs/webhooks.md shows the
receiver's side); each retry is signed afresh with its own timestamp.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "X-Tandem-Signature"
SCHEME = "v1"
DEFAULT_TOLERANCE_S = 300


def new_secret() -> str:
    """A random signing secret (shown to the admin once)."""
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``<timestamp>.<body>`` under ``secret``."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """The value of :data:`SIGNATURE_HEADER` for one attempt."""
    return f"t={timestamp},{SCHEME}={signature(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, now: float, tolerance_s: float = DEFAULT_TOLERANCE_S) -> bool:
    """The receiver's check: a well-formed header, a timestamp within ``tolerance_s`` of ``now``,
    and a signature that matches (compared in constant time)."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance_s:
        return False
    return hmac.compare_digest(parts.get(SCHEME, ""), signature(secret, timestamp, body))
