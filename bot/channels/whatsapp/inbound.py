"""Twilio's inbound WhatsApp webhook form -> what the citizen did.

Fields used (Twilio adds others without notice; they are ignored): `MessageSid`, `WaId`,
`From`, `Body`, `ButtonPayload`/`ButtonText` (a quick-reply press), `NumMedia`,
`MediaUrl0`, `MediaContentType0`, `Latitude`/`Longitude`, `MessageType`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.channels.whatsapp import CHANNEL
from bot.inbound import InboundMessage, PhotoUpload, Rejection
from conversations.types import Location

# WhatsApp turns every photo into a JPEG (a PNG when sent as a document); WebP from
# WhatsApp is a sticker, which must never become someone's KTP photo.
STICKER_TYPES = frozenset({"image/webp"})


# Twilio's documented Message SID: "SM" (or "MM" for media) and 32 hexadecimal digits. The
# signature covers the fields' names and values run together, so a replay that shifts a
# field boundary ("MessageSid" swallowing "MessageTypetext") keeps a valid signature: only
# the format check tells it from a new message.
MESSAGE_SID = re.compile(r"(SM|MM)[0-9a-f]{32}")


class MalformedInbound(ValueError):
    """Not a message Twilio would send (no sender, no MessageSid)."""


@dataclass(frozen=True)
class MediaItem:
    url: str
    content_type: str  # lower case, without parameters; "" when Twilio gave none


@dataclass(frozen=True)
class WhatsAppInbound:
    sender: str  # the WaId: digits with the country code, "6281234567890"
    message_id: str
    text: str | None = None
    choice: str | None = None
    location: Location | None = None
    photo: MediaItem | None = None  # an image to download
    unsupported: MediaItem | None = None  # audio, video, a document, a sticker, a contact
    empty: bool = False  # nothing the bot can read (e.g. a reaction)

    @property
    def sender_phone(self) -> str:
        return "+" + self.sender

    def message(
        self, photo: PhotoUpload | None = None, *, rejected: Rejection | None = None
    ) -> InboundMessage:
        """The channel-agnostic message. `photo` once downloaded; `rejected` for media the
        bot cannot use (a caption sent with it is dropped: it would otherwise be read as an
        answer or a command, "batal", while the citizen meant the picture)."""
        if self.unsupported is not None or self.empty:
            rejected = rejected or "unsupported"
        has_media = photo is not None or rejected is not None
        return InboundMessage(
            channel=CHANNEL,
            sender=self.sender,
            message_id=self.message_id,
            text=None if has_media else self.text,
            choice=None if has_media else self.choice,
            photo=photo,
            location=None if has_media else self.location,
            # Offered at the phone question as "Pakai nomor ini"; never assumed.
            sender_phone=self.sender_phone,
            rejected=rejected,
        )


def parse_inbound(form: Mapping[str, str]) -> WhatsAppInbound:
    message_id = (form.get("MessageSid") or form.get("SmsMessageSid") or "").strip()
    if not message_id:
        raise MalformedInbound("MessageSid missing")
    if MESSAGE_SID.fullmatch(message_id) is None:
        raise MalformedInbound("MessageSid is not SM/MM and 32 hex digits")
    sender = _sender(form)
    text = form.get("Body") or None
    payload = (form.get("ButtonPayload") or "").strip() or None
    if payload is None and form.get("ButtonText"):
        # A template button without a payload: its words are as good as typing them.
        text = form.get("ButtonText")
    media = first_media(form)
    photo = media if media is not None and _is_photo(media, form) else None
    unsupported = media if media is not None and photo is None else None
    location = _location(form)
    if location is not None:
        text = None  # Twilio may put the place's name or address in Body: not an answer
    empty = not (text or payload or media or location)
    return WhatsAppInbound(
        sender=sender,
        message_id=message_id,
        text=text,
        choice=payload,
        location=location,
        photo=photo,
        unsupported=unsupported,
        empty=empty,
    )


def _sender(form: Mapping[str, str]) -> str:
    wa_id = (form.get("WaId") or "").strip()
    if not wa_id:
        # "whatsapp:+6281234567890" -> "6281234567890"
        wa_id = (form.get("From") or "").strip().removeprefix("whatsapp:").lstrip("+")
    if not wa_id.isdigit() or not 6 <= len(wa_id) <= 20:
        raise MalformedInbound("sender missing or not a phone number")
    return wa_id


def first_media(form: Mapping[str, str]) -> MediaItem | None:
    # WhatsApp carries one attachment per message; should more come, the first is used.
    try:
        count = int(form.get("NumMedia") or 0)
    except ValueError:
        count = 0
    url = (form.get("MediaUrl0") or "").strip()
    if count < 1 or not url:
        return None
    content_type = (form.get("MediaContentType0") or "").split(";")[0].strip().lower()
    return MediaItem(url, content_type)


def _is_photo(media: MediaItem, form: Mapping[str, str]) -> bool:
    if (form.get("MessageType") or "").lower() == "sticker":
        return False
    return media.content_type.startswith("image/") and media.content_type not in STICKER_TYPES


def _location(form: Mapping[str, str]) -> Location | None:
    try:
        lat = float(form.get("Latitude") or "nan")
        lon = float(form.get("Longitude") or "nan")
    except ValueError:
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return Location(lat, lon)
