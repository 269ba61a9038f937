"""A message as it arrives from any channel, before the engine sees it, and what the
service made of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from conversations.catalogue import Language
from conversations.cleantext import clean_id, clean_text
from conversations.types import Location, Reply

# Why a channel could not pass something on; each has a `problem.media.<reason>` text.
Rejection = Literal["photo_empty", "photo_too_large", "unsupported"]


@dataclass(frozen=True)
class PhotoUpload:
    data: bytes
    # What the sender claimed; the stored type comes from the bytes themselves.
    declared_type: str | None = None


@dataclass(frozen=True)
class InboundMessage:
    """Channel-agnostic: Telegram, WhatsApp, SMS, the simulator and the terminal make these.

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
    # Something the channel could not pass on (a voice note, a photo over the limit): the
    # engine says so kindly and asks again. Never placeholder bytes.
    rejected: Rejection | None = None

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


@dataclass(frozen=True)
class OutboxRef:
    """One outbox row this handler has claimed for sending (see `staff.outbox`)."""

    id: int
    attempt: int


@dataclass(frozen=True)
class Handled:
    """What the service made of one message: everything an adapter needs, so no adapter
    reads the conversation store after the service.

    `replies` are all the replies to this delivery (a replay gets them again: the
    simulator answers with them). `to_send` is what goes out now, in order: the replies
    not yet confirmed sent (on a provider's retry, only those), then notifications that
    waited for the citizen to write; each with its outbox row, claimed by this handler
    (None without an outbox: fakes in web tests). The adapter reports each row's fate
    (`MessageHandler.report`).
    """

    replies: list[Reply]
    language: Language = "id"
    to_send: list[tuple[OutboxRef | None, Reply]] = field(default_factory=list)

    @classmethod
    def unrecorded(cls, replies: list[Reply], language: Language = "id") -> Handled:
        """Replies with no outbox behind them (a fake service in web tests)."""
        return cls(replies, language, [(None, reply) for reply in replies])
