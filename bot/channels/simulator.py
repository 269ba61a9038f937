"""The local chat page (`/api/simulator/messages`) and the terminal chat (`dtsen-bot
chat`): channels without a provider. The message arrives already parsed (the page's JSON,
a typed line), the replies go back as they are (the page draws the buttons), and a
notification, which cannot be pushed, waits in the outbox until the citizen writes again
and comes after the replies."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Final

from bot.channels.base import MessageHandler, Report
from bot.channels.notify import Notification, Path
from bot.inbound import InboundMessage
from conversations.catalogue import Language
from conversations.types import Reply

SIMULATOR: Final = "simulator"
TERMINAL: Final = "terminal"


class SimulatorChannel:
    def __init__(
        self,
        *,
        name: str = SIMULATOR,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.name = name
        self._clock = clock

    def receive(self, message: InboundMessage, service: MessageHandler) -> list[Reply]:
        """The replies, then what waited for the citizen (notifications): all of them
        handed over in the answer. A replayed message_id gets its replies again (the page
        waits for an answer either way)."""
        handled = service.handle(message)
        report = Report(self._clock)
        for ref, _ in handled.to_send:
            report.sent(ref)
        service.report(report.results)
        return [reply for _, reply in handled.to_send] or handled.replies

    def render(self, chat_id: str, replies: Sequence[Reply], language: Language) -> list[Reply]:
        return list(replies)

    async def notify(self, chat_id: str, notification: Notification) -> Path:
        """Nothing to push to: the outbox holds it until the citizen writes again."""
        return "waiting"
