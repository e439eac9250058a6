"""The two WebSocket endpoints (docs/protocol.md)."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket

from bot.ws.agent import AgentConnection
from bot.ws.customer import CustomerConnection

router = APIRouter()


@router.websocket("/ws/customer")
async def customer_socket(websocket: WebSocket) -> None:
    """A customer's widget."""
    await CustomerConnection(websocket, websocket.app.state.services).serve()


@router.websocket("/ws/agent")
async def agent_socket(websocket: WebSocket) -> None:
    """An agent's console."""
    await AgentConnection(websocket, websocket.app.state.services).serve()
