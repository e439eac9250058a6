"""Passes a customer's message to the bot and stores the bot's replies in the transcript.

The customer's message is already stored before this runs, so a Rasa failure loses nothing: the
customer gets a holding reply and is queued for a person (reason ``bot_unavailable``). So does a
message the bot answered with nothing at all: every rule ends in a reply, so silence means a
step failed inside Rasa (its featurizer or an action could not reach the model workers, say),
which Rasa's REST channel logs and answers with an empty list.

Before asking Rasa, the relay has the message embedded by every sentence model the bot will use
(``embed_ahead``: the knowledge base's embedders, served by the model workers). Rasa's featurizer
and the knowledge base then find its vectors in the workers' cache, so the message is embedded
once per model and Rasa's event loop never waits behind other conversations in the workers'
queue; and with no worker alive the customer is held at once, before Rasa is asked.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence

from encoders import EncoderUnavailable
from handoff import HandoffService, Role, SessionState
from knowledge_base import Embedder
from outcomes import EscalationReason
from rasa_bridge import BotReply, RasaClient, RasaUnavailable

logger = logging.getLogger(__name__)

HOLDING_REPLY = (
    "Sorry, our assistant is having trouble right now. I'm connecting you with a person from our "
    "support team; your message has been kept."
)


class BotRelay:
    """One per process; handles a session's messages one at a time, in order."""

    def __init__(self, handoff: HandoffService, rasa: RasaClient,
                 embed_ahead: Callable[[], Sequence[Embedder]] = tuple) -> None:
        self._handoff = handoff
        self._rasa = rasa
        self._embedders = embed_ahead  # asked each time: a promotion may change the small model
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def relay(self, session_id: str, text: str) -> None:
        """Ask the bot about ``text`` if the session is still with the bot; store what it says."""
        lock = self._locks[session_id]
        async with lock:
            await self._relay(session_id, text)
        if not lock.locked():
            self._locks.pop(session_id, None)

    async def _relay(self, session_id: str, text: str) -> None:
        session = await self._handoff.get_session(session_id)
        if session.state != SessionState.BOT:
            return
        await self._handoff.typing(session_id, Role.BOT, True)
        try:
            await self._embed_ahead(text)
            replies = await self._rasa.send(session_id, text)
        except (RasaUnavailable, EncoderUnavailable) as exc:
            logger.warning("bot unavailable for session=%s: %s", session_id, exc)
            replies = None
        finally:
            await self._handoff.typing(session_id, Role.BOT, False)
        if not replies:
            if replies is not None:
                logger.warning("the bot answered nothing for session=%s (see Rasa's log)", session_id)
            await self._hold(session_id)
            return
        for reply in replies:
            await self._store(session_id, reply)

    async def _embed_ahead(self, text: str) -> None:
        """Every model's vector of ``text``, into the workers' cache (a button's ``/intent`` payload needs none)."""
        if not text.startswith("/"):
            await asyncio.gather(*(asyncio.to_thread(embedder.embed, [text]) for embedder in self._embedders()))

    async def _store(self, session_id: str, reply: BotReply) -> None:
        pairs = (("article", reply.article), ("buttons", reply.buttons), ("ask_contact", reply.ask_contact))
        extra = {key: value for key, value in pairs if value}
        await self._handoff.append(session_id, Role.BOT, reply.text, extra=extra)

    async def _hold(self, session_id: str) -> None:
        await self._handoff.append(session_id, Role.SYSTEM, HOLDING_REPLY)
        session = await self._handoff.escalate(session_id, EscalationReason.BOT_UNAVAILABLE)
        if session.offline:
            await self._handoff.append(session_id, Role.SYSTEM, self._handoff.offline_note, extra={"ask_contact": True})
