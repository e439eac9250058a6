"""What every long-running background loop of a gateway needs to know about its own cancellation.

The gateway's background loops (the assignment sweep, the webhook deliverer, the live bus, the
timers, the persistence compactor, each socket's feed, bot relay, state refresh and heartbeat, the
knowledge base's and the encoder's followers) log a failure and go on:
Redis or SQL away for a moment must not end them. But a cancel that lands inside a client's own
timeout (redis-py's, httpx's, ``asyncio.wait_for``'s) can come out of the awaited call as that
client's error instead of :class:`asyncio.CancelledError`. A loop that swallows it then runs for
ever, and whoever cancelled it (a gateway's shutdown, a closed socket, a test's teardown) waits for
ever too: a fresh-clone test run once hung that way. Asyncio still counts the request on the task,
so each such loop calls :func:`raise_if_cancelled` in its failure handler before it carries on: the
task then ends as cancelled, as whoever cancelled it expects (the client's error is kept as the
cancel's context in the traceback).
"""

from __future__ import annotations

import asyncio


def cancel_requested() -> bool:
    """Whether the running task has been asked to cancel (even if the cancel surfaced as another error)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def raise_if_cancelled() -> None:
    """Raise :class:`asyncio.CancelledError` if the running task has been asked to cancel (call it where a
    loop handles a failure, before it goes on)."""
    if cancel_requested():
        raise asyncio.CancelledError
