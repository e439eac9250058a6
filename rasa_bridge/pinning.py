"""Which Rasa server a conversation goes to, and where it goes when that one is down.

Every server shares the Redis tracker and lock stores, so any of them can continue any
conversation. Pinning each conversation to one server by a stable hash of its id keeps its
messages in order and spreads conversations evenly; when the pinned server cannot be reached,
the next one in ring order takes over, so a lost server's conversations spread over the next
one only (and come back when it returns). The hash is CRC-32, not ``hash()``: every gateway
process must pin a conversation to the same server.
"""

from __future__ import annotations

import zlib


def pinned_server(conversation_id: str, servers: int) -> int:
    """The index of the server ``conversation_id`` is pinned to, among ``servers``."""
    if servers < 1:
        raise ValueError("at least one Rasa server is needed")
    return zlib.crc32(conversation_id.encode()) % servers


def failover_order(conversation_id: str, servers: int) -> list[int]:
    """Every server index, the pinned one first, then the others in ring order."""
    first = pinned_server(conversation_id, servers)
    return [(first + step) % servers for step in range(servers)]
