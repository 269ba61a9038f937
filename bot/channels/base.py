"""The one interface every channel adapter implements (Telegram, WhatsApp, SMS, the
simulator and the terminal chat).

An adapter
1. parses its provider's payload into an `InboundMessage` (media it cannot pass on is a
   `rejected` reason, never placeholder bytes), or into something to answer without the
   engine (a Telegram group, an edit);
2. hands it to the service (`MessageHandler.handle`), which stores the effects and the
   replies (in the outbox) and returns `Handled`: the replies still to send and the chat's
   language, so the adapter never reads the conversation store;
3. renders those replies for its medium (keyboards, numbered lists, 160-character SMS) and
   delivers them, reporting each outbox row as sent or failed (`Deliveries`);
4. sends notifications (`notify`), for the outbox worker.

The web routes only check the provider's proof (secret header, Twilio signature) and hand
the payload to the adapter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from bot.channels.notify import Notification, Path
from bot.inbound import Handled, InboundMessage
from conversations.catalogue import Language
from conversations.types import Reply

Rendered_co = TypeVar("Rendered_co", covariant=True)


class MessageHandler(Protocol):
    """`bot.service.ChatService` as a channel sees it."""

    def handle(self, message: InboundMessage) -> Handled: ...

    def language_of(self, channel: str, sender: str) -> Language:
        """The chat's language, for an answer given without the engine (an edit)."""
        ...


class Channel(Protocol[Rendered_co]):
    """What every adapter has in common. Each also has `receive(payload, ...)`, the whole
    inbound path for one authenticated payload (parse, service, render, deliver), whose
    payload and answer are the provider's own (a Telegram `Update`, Twilio's form -> TwiML).
    """

    name: str

    def render(
        self, chat_id: str, replies: Sequence[Reply], language: Language
    ) -> Sequence[Rendered_co]:
        """The replies as this medium's messages, in order."""
        ...

    async def notify(self, chat_id: str, notification: Notification) -> Path: ...
