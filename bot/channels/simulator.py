"""The local chat page (`/api/simulator/messages`) and the terminal chat (`dtsen-bot
chat`): channels without a provider. The message arrives already parsed (the page's JSON,
a typed line), the replies go back as they are (the page draws the buttons), and a
notification, which cannot be pushed, waits until the citizen writes again."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Final

from sqlalchemy import Engine
from sqlmodel import Session

from bot.channels.base import MessageHandler
from bot.channels.notify import Notification, Path
from bot.inbound import InboundMessage
from conversations.catalogue import Language
from conversations.types import Reply
from models.channels import record_outbound

SIMULATOR: Final = "simulator"
TERMINAL: Final = "terminal"


class SimulatorChannel:
    def __init__(
        self,
        engine: Engine | None = None,
        *,
        name: str = SIMULATOR,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.name = name
        self._engine = engine
        self._clock = clock

    def receive(self, message: InboundMessage, service: MessageHandler) -> list[Reply]:
        """All replies to this message (a replayed message_id gets them again: the page
        waits for an answer either way)."""
        return service.handle(message).replies

    def render(self, chat_id: str, replies: Sequence[Reply], language: Language) -> list[Reply]:
        return list(replies)

    async def notify(self, chat_id: str, notification: Notification) -> Path:
        await asyncio.to_thread(self._hold, chat_id, notification)
        return "waiting"

    def _hold(self, chat_id: str, notification: Notification) -> None:
        if self._engine is None:
            raise RuntimeError("simulator notifications need the database")
        with Session(self._engine) as session, session.begin():
            record_outbound(
                session,
                channel=self.name,
                chat_id=chat_id,
                kind=notification.kind,
                path="waiting",
                status="waiting",
                at=self._clock(),
                body=notification.text,
            )
