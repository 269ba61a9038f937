"""A message as it arrives from any channel, before the engine sees it."""

from __future__ import annotations

from dataclasses import dataclass

from conversations.types import Location


@dataclass(frozen=True)
class PhotoUpload:
    data: bytes
    # What the sender claimed; the stored type comes from the bytes themselves.
    declared_type: str | None = None


@dataclass(frozen=True)
class InboundMessage:
    """Channel-agnostic: Telegram, WhatsApp, the simulator and the terminal all make these.

    `message_id` is the provider's id for the delivery (Telegram update_id, Twilio
    MessageSid); a repeated id is recognised and not applied twice.
    """

    channel: str
    sender: str
    message_id: str | None = None
    text: str | None = None
    choice: str | None = None
    photo: PhotoUpload | None = None
    location: Location | None = None
    contact_phone: str | None = None
    # The sender's own number when the channel vouches for it (WhatsApp's WaId), E.164.
    sender_phone: str | None = None
    # Something the channel could not pass on (a voice note, a sticker): say so kindly.
    unsupported: bool = False

    @property
    def chat_key(self) -> str:
        return f"{self.channel}:{self.sender}"
