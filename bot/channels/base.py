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
   delivers them, reporting what became of each outbox row (`Report`);
4. sends notifications (`notify`), for the outbox worker.

The web routes only check the provider's proof (secret header, Twilio signature) and hand
the payload to the adapter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Protocol, TypeVar

from bot.channels.notify import Notification, Path
from bot.inbound import Handled, InboundMessage, OutboxRef
from conversations.catalogue import Language
from conversations.types import Reply
from staff.outbox import Outcome, Settled

# A reply that failed in a webhook waits this long for the worker (the provider's own
# retry of the delivery usually comes sooner and takes it first).
RETRY_AFTER: Final = timedelta(seconds=30)

Rendered_co = TypeVar("Rendered_co", covariant=True)


class MessageHandler(Protocol):
    """`bot.service.ChatService` as a channel sees it."""

    def handle(self, message: InboundMessage) -> Handled: ...

    def language_of(self, channel: str, sender: str) -> Language:
        """The chat's language, for an answer given without the engine (an edit)."""
        ...

    def report(self, results: Sequence[Settled]) -> None:
        """What became of the outbox rows in `Handled.to_send`."""
        ...


class Report:
    """An adapter's account of the outbox rows it was handed, row by row, for
    `MessageHandler.report`. Rows without an outbox (None) are not reported."""

    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.results: list[Settled] = []
        self._clock = clock

    def _add(self, ref: OutboxRef | None, outcome: Outcome, **details: Any) -> None:
        if ref is not None:
            self.results.append(Settled(ref.id, ref.attempt, outcome, **details))

    def sent(self, ref: OutboxRef | None, path: str = "reply") -> None:
        """The provider confirmed it took the message."""
        self._add(ref, "sent", path=path)

    def answered(self, ref: OutboxRef | None) -> None:
        """Handed over in the webhook's HTTP answer: not confirmed, so a provider's retry
        of the same delivery gets it again."""
        self._add(ref, "answered")

    def retry(self, ref: OutboxRef | None, error: str) -> None:
        """Failed for now: the provider's retry, or the worker after a pause, sends it."""
        self._add(ref, "retry", error=error, retry_at=self._clock() + RETRY_AFTER)

    def release(self, refs: Iterable[OutboxRef | None]) -> None:
        """Not tried (an earlier message failed): back in the queue, in order."""
        for ref in refs:
            self._add(ref, "release")

    def dead(self, ref: OutboxRef | None, error: str) -> None:
        """Will never go out (the chat blocked the bot, the provider refuses it)."""
        self._add(ref, "dead", error=error)


class Channel(Protocol[Rendered_co]):
    """What every adapter has in common. Each also has `receive(payload, ...)`, the whole
    inbound path for one authenticated payload (parse, service, render, deliver), whose
    payload and answer are the provider's own (a Telegram `Update`, Twilio's form -> TwiML).
    """

    @property
    def name(self) -> str:
        """The channel's name in chat keys and the outbox ("telegram", "sms")."""
        ...

    def render(
        self, chat_id: str, replies: Sequence[Reply], language: Language
    ) -> Sequence[Rendered_co]:
        """The replies as this medium's messages, in order."""
        ...

    async def notify(self, chat_id: str, notification: Notification) -> Path: ...
