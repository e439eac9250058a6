"""The inbound WebSocket frames (docs/protocol.md), validated with pydantic.

Parsing lives here so both sockets refuse bad input the same way, with the protocol's error codes.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, TypeVar

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError, field_validator

ClientId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]
SessionId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9]+$")]
MessageId = Annotated[str, StringConstraints(max_length=40, pattern=r"^\d+-\d+$")]
ArticleId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[a-z0-9-]+$")]


class Frame(BaseModel):
    """Base of inbound frames: unknown fields are refused so typos surface."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Hello(Frame):
    type: Literal["hello"]
    session_token: str | None = Field(default=None, max_length=2048)
    last_message_id: MessageId | None = None


class CustomerMessage(Frame):
    type: Literal["message"]
    client_id: ClientId
    text: str


class Typing(Frame):
    type: Literal["typing"]
    on: bool


class Choose(Frame):
    type: Literal["choose"]
    client_id: ClientId
    payload: str = Field(min_length=1, max_length=512)


class End(Frame):
    type: Literal["end"]


class CancelHandoff(Frame):
    type: Literal["cancel_handoff"]


class Contact(Frame):
    """An offline ticket: how to reach the customer, and their question."""

    type: Literal["contact"]
    client_id: ClientId
    contact: str = Field(min_length=3, max_length=254)
    text: str

    @field_validator("contact")
    @classmethod
    def _email_or_phone(cls, value: str) -> str:
        return normalise_contact(value)


def normalise_contact(value: str) -> str:
    """An e-mail address or an international phone number, normalised; else ValueError."""
    value = value.strip()
    if "@" in value:
        try:
            return str(validate_email(value, check_deliverability=False).normalized)
        except EmailNotValidError as exc:
            raise ValueError(f"not a valid e-mail address: {exc}") from exc
    try:
        number = phonenumbers.parse(value, None if value.startswith("+") else "US")
    except phonenumbers.NumberParseException as exc:
        raise ValueError("give an e-mail address or a phone number (with country code, e.g. +44…)") from exc
    if not phonenumbers.is_possible_number(number):
        raise ValueError("that phone number is not possible; include the country code, e.g. +44…")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class Rate(Frame):
    type: Literal["rate"]
    score: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=2000)


class Auth(Frame):
    """Without a token, the staff session cookie the browser sent with the handshake (same origin only)."""

    type: Literal["auth"]
    token: str | None = Field(default=None, min_length=1, max_length=4096)


class SessionFrame(Frame):
    session_id: SessionId


class Open(SessionFrame):
    type: Literal["open"]


class Claim(SessionFrame):
    type: Literal["claim"]


class AgentMessage(SessionFrame):
    type: Literal["message"]
    client_id: ClientId
    text: str
    internal: bool = False
    article_id: ArticleId | None = None  # the suggested article the reply was taken from


class AgentTyping(SessionFrame):
    type: Literal["typing"]
    on: bool


class Resolve(SessionFrame):
    type: Literal["resolve"]
    ours: bool = False  # a third-party or off-topic handover was about our products (docs/learning.md)


class Handback(SessionFrame):
    type: Literal["handback"]


class Transfer(SessionFrame):
    type: Literal["transfer"]
    to_agent_id: str | None = Field(default=None, max_length=64)
    to_queue: str | None = Field(default=None, max_length=64)


class SetPresence(Frame):
    type: Literal["presence"]
    presence: Literal["online", "away"]
    capacity: int | None = Field(default=None, ge=1, le=50)


class Logout(Frame):
    type: Literal["logout"]


CustomerFrame = Annotated[
    Hello | CustomerMessage | Typing | Choose | End | Rate | CancelHandoff | Contact, Field(discriminator="type")
]
AgentFrame = Annotated[
    Auth | Open | Claim | AgentMessage | AgentTyping | Resolve | Handback | Transfer | SetPresence | Logout,
    Field(discriminator="type"),
]
CUSTOMER_FRAMES: TypeAdapter[CustomerFrame] = TypeAdapter(CustomerFrame)
AGENT_FRAMES: TypeAdapter[AgentFrame] = TypeAdapter(AgentFrame)


T = TypeVar("T")


class FrameError(Exception):
    """An inbound frame was refused; ``code`` and the message go back to the client, with
    ``ref``: the frame's ``client_id`` when it had one, so the client knows which send failed."""

    def __init__(self, code: str, detail: str, ref: str | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.ref = ref


def parse_frame(adapter: TypeAdapter[T], raw: str, max_bytes: int) -> T:
    """Decode and validate one text frame, or raise FrameError saying what is wrong."""
    if len(raw.encode()) > max_bytes:
        raise FrameError("text_too_long", f"frame is larger than {max_bytes} bytes")
    try:
        data: Any = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise FrameError("invalid_json", f"frame is not valid JSON: {exc.msg}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise FrameError("invalid_frame", 'a frame must be a JSON object with a string "type"')
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        raise _explain(exc, data["type"], _client_id(data)) from exc


def _client_id(data: dict[str, Any]) -> str | None:
    """The refused frame's client_id, to echo in the error: any string up to the protocol's 64
    characters (even a malformed one: the client matches on what it sent)."""
    value = data.get("client_id")
    return value if isinstance(value, str) and 0 < len(value) <= 64 else None


def _explain(exc: ValidationError, frame_type: str, ref: str | None) -> FrameError:
    first = exc.errors()[0]
    if first["type"] == "union_tag_invalid":
        return FrameError("unknown_type", f'unknown frame type "{frame_type[:40]}"', ref)
    where = ".".join(str(part) for part in first["loc"][1:]) or "frame"
    message = str(first["msg"]).removeprefix("Value error, ")
    return FrameError("invalid_frame", f"{frame_type}: {where}: {message}", ref)


def clean_text(text: str, max_chars: int) -> str:
    """Trim a message and enforce the size limits, or raise FrameError."""
    cleaned = text.strip()
    if not cleaned:
        raise FrameError("empty_text", "message text is empty")
    if len(cleaned) > max_chars:
        raise FrameError("text_too_long", f"message is {len(cleaned)} characters; the limit is {max_chars}")
    return cleaned
