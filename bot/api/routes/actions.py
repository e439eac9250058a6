"""Rasa's action endpoint: runs our custom actions with rasa_sdk's executor, inside the gateway.

Rasa calls it with ``?token=`` (endpoints.yml); a wrong token gets 401, so only our Rasa server
can make the bot escalate or answer.
"""

from __future__ import annotations

import hmac
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query, status
from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException

from bot.api.deps import ServicesDep

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/actions", tags=["rasa"])


@router.post("/webhook")
async def run_action(
    services: ServicesDep,
    action_call: Annotated[dict[str, Any], Body(description="Rasa's action-server request")],
    token: Annotated[str, Query(max_length=512)] = "",
) -> dict[str, Any]:
    """Run ``next_action`` and return its events and responses in Rasa's action-server format."""
    expected = services.settings.action_token.get_secret_value()
    if not expected or not hmac.compare_digest(token, expected):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing or wrong action token")
    if not isinstance(action_call.get("next_action"), str) or not isinstance(action_call.get("tracker"), dict):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "next_action and tracker are required")
    try:
        result = await services.executor.run(action_call)
    except ActionNotFoundException as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except ActionExecutionRejection as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from exc
    return result.model_dump() if result else {"events": [], "responses": []}
