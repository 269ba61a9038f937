"""A message as it arrives from any channel, before the engine sees it."""

from __future__ import annotations

from dataclasses import dataclass

from conversations.cleantext import clean_id, clean_text
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

    def __post_init__(self) -> None:
        # The edge: whatever a channel passes on is cleaned here, once, for every channel
        # (see `conversations.cleantext`), so nothing downstream stores a NUL or a lone
        # surrogate.
        cleaned = {
            "sender": clean_id(self.sender),
            "message_id": None if self.message_id is None else clean_id(self.message_id),
            "text": None if self.text is None else clean_text(self.text),
            "choice": None if self.choice is None else clean_id(self.choice),
            "contact_phone": None if self.contact_phone is None else clean_id(self.contact_phone),
            "sender_phone": None if self.sender_phone is None else clean_id(self.sender_phone),
        }
        for name, value in cleaned.items():
            if value != getattr(self, name):
                object.__setattr__(self, name, value)

    @property
    def chat_key(self) -> str:
        return f"{self.channel}:{self.sender}"
