"""The conversation state the engine reads and returns; stored as JSON after every message."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from conversations.catalogue import Language

# What the conversation is waiting for, besides an answer to the current question.
Mode = Literal[
    "answer",  # an answer to `position`
    "confirm_cancel",  # "batal" was typed: discard everything?
    "confirm_warning",  # an answer with a soft problem: is it really right?
    "resume",  # back after a pause: continue or start again?
    "await_effect",  # the service is doing something for us
    "menu",  # the main menu, shown in the middle of a flow that can be continued
    "confirm_restart",  # "mulai dari awal" in a flow: discard the answers and begin again?
    "confirm_switch",  # another service chosen while a form is unfinished: discard it?
    "confirm_erase",  # "hapus data saya" typed: delete this chat's data?
]


class PendingAnswer(BaseModel):
    """An answer held back until the citizen confirms it, or until the service checked it."""

    key: str
    value: Any = None
    extra: dict[str, Any] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)


class ConversationState(BaseModel):
    language: Language = "id"
    flow: str | None = None
    position: str | None = None
    mode: Mode = "answer"
    answers: dict[str, Any] = Field(default_factory=dict)
    history: list[str] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list)
    # The number the channel knows for this chat (WhatsApp), offered at the phone question.
    known_phone: str | None = None
    pending: PendingAnswer | None = None
    # Working data of the current question (e.g. the villages offered for a typed name).
    scratch: dict[str, Any] = Field(default_factory=dict)
    started_at: datetime | None = None
    updated_at: datetime | None = None
    # The service chosen from the menu while a form is unfinished (mode "confirm_switch").
    next_flow: str | None = None

    def in_flow(self) -> bool:
        return self.flow is not None

    def idle(self) -> ConversationState:
        """The same chat with nothing in progress (the language is kept)."""
        return ConversationState(
            language=self.language, updated_at=self.updated_at, known_phone=self.known_phone
        )
