"""The local chat simulator: `GET /` (the chat page) and `POST /api/simulator/messages`.

Anyone who can reach the server can chat as any user id, so `settings.simulator_enabled`
switches both off in production (the app factory then does not mount this router at all).
"""

from __future__ import annotations

import base64
import binascii
import math
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from fastapi import APIRouter
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from starlette.responses import FileResponse

from bot.channels.simulator import SIMULATOR, SimulatorChannel
from bot.inbound import InboundMessage, PhotoUpload
from conversations.types import Location, Reply
from webhook.deps import ServiceDep

CHANNEL = SIMULATOR
STATIC_DIR = Path(__file__).resolve().parent / "static"

DATA_URL_HINT = "must be a base64 data URL such as data:image/jpeg;base64,/9j/4AAQ..."


def parse_data_url(value: Any) -> PhotoUpload:
    """Decode a data URL; the service judges the bytes (image or not, size) itself."""
    if isinstance(value, PhotoUpload):
        return value
    # `data:<media type>[;param=value...];base64,<payload>`, as FileReader.readAsDataURL
    # produces; the header cannot contain a comma, so the first one ends it.
    if not isinstance(value, str) or not value.startswith("data:") or "," not in value:
        raise ValueError(DATA_URL_HINT)
    header, payload = value[len("data:") :].split(",", 1)
    media_type, *params = header.split(";")
    if not params or params[-1] != "base64":
        raise ValueError(DATA_URL_HINT)
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the data URL's payload is not valid base64") from None
    return PhotoUpload(data=data, declared_type=media_type or None)


DataUrlPhoto = Annotated[
    PhotoUpload,
    PlainValidator(parse_data_url),
    WithJsonSchema({"type": "string", "format": "data-url", "description": DATA_URL_HINT}),
]


class LocationIn(BaseModel):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)

    @field_validator("lat", "lon")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value


class SimulatorMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Printable only: a NUL or a line break in an id is never a person (422, not a 500).
    user: Annotated[
        str, StringConstraints(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f-\x9f]+$")
    ]
    # Telegram's own message limit; longer text is a mistake or abuse.
    text: Annotated[str, StringConstraints(max_length=4096)] | None = None
    choice: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None
    photo: DataUrlPhoto | None = None
    location: LocationIn | None = None
    message_id: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None

    @model_validator(mode="after")
    def _something_to_send(self) -> Self:
        if not (self.text or self.choice or self.photo is not None or self.location):
            raise ValueError("send at least one of text, choice, photo or location")
        return self

    def to_inbound(self) -> InboundMessage:
        location = Location(self.location.lat, self.location.lon) if self.location else None
        return InboundMessage(
            channel=CHANNEL,
            sender=self.user,
            # Not generated when absent: the simulator never retries, so nothing to dedupe.
            message_id=self.message_id,
            text=self.text or None,
            choice=self.choice,
            photo=self.photo,
            location=location,
        )


class ChoiceOut(BaseModel):
    id: str
    label: str


class ReplyOut(BaseModel):
    text: str
    choices: list[ChoiceOut]
    expects: Literal["text", "photo", "location", "choice"]
    numbered: bool

    @classmethod
    def of(cls, reply: Reply) -> ReplyOut:
        return cls(
            text=reply.text,
            choices=[ChoiceOut(id=c.id, label=c.label) for c in reply.choices],
            expects=reply.expects,
            numbered=reply.numbered,
        )


class SimulatorReplies(BaseModel):
    replies: list[ReplyOut]


router = APIRouter()


@router.get("/", include_in_schema=False)
async def chat_page() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html; charset=utf-8")


# A plain `def`: ChatService.handle is synchronous database work; FastAPI runs this in its
# thread pool so the event loop stays free.
@router.post("/api/simulator/messages")
def post_message(message: SimulatorMessage, service: ServiceDep) -> SimulatorReplies:
    replies = SimulatorChannel().receive(message.to_inbound(), service)
    return SimulatorReplies(replies=[ReplyOut.of(r) for r in replies])
