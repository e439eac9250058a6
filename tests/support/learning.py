"""Conversations that teach the knowledge base: a customer the bot could not help, answered by an agent."""

from __future__ import annotations

import uuid

from tests.support.clients import AgentClient, CustomerClient

DID_NOT_HELP = "no, that didn't help"


async def hand_over(customer: CustomerClient, text: str) -> str:
    """Ask ``text`` until the bot hands over, as a customer it did not help would (a wrong answer: "no, that
    didn't help"; "Did you mean…?": None of these; "say it in other words": ask again); the reason."""
    reply = await customer.bot_reply_after(await customer.say(text))
    for _ in range(2):
        if any(f["type"] == "state" and f.get("state") == "queued" for f in customer.frames):
            break
        payloads = [b.get("payload", "") for b in reply.get("buttons") or []]
        if reply.get("article"):
            await customer.say(DID_NOT_HELP)
            break
        if any(p.startswith("/choose_article") for p in payloads):
            await customer.send({"type": "choose", "client_id": uuid.uuid4().hex, "payload": "/request_human"})
            break
        if not payloads:
            break
        reply = await customer.bot_reply_after(await customer.say(text))  # a second miss hands over
    state = await customer.wait_for(lambda f: f["type"] == "state" and f.get("state") == "queued")
    return str(state["reason"])


async def answered_by_an_agent(ws_url: str, agent_token: str, question: str, answer: str) -> str:
    """A customer asks ``question``, is handed over, and an agent answers ``answer`` and resolves (marking a
    third-party or off-topic reading as ours); the session id."""
    agent = await AgentClient.open(ws_url, agent_token)
    customer = await CustomerClient.open(ws_url)
    try:
        reason = await hand_over(customer, question)
        await agent.wait_queued(customer.session_id)
        await agent.send({"type": "claim", "session_id": customer.session_id})
        await agent.wait_for(lambda f: f["type"] == "claimed" and f.get("session_id") == customer.session_id)
        await agent.reply(customer.session_id, answer)
        await agent.send({"type": "resolve", "session_id": customer.session_id,
                          "ours": reason in ("third_party", "out_of_scope")})
        await customer.wait_for(lambda f: f["type"] == "ended")
        return customer.session_id
    finally:
        await customer.close()
        await agent.close()
