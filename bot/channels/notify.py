"""Sending something that is not a reply: a status change, a digest.

The outbox worker hands each `Notification` (or a reply its webhook could not send) to the
`Notifier` of the chat's channel. The notifier decides how it can go out (a free-form
message, an approved template, or waiting until the citizen writes again), records what it
sent, and says which path it took.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

from conversations.catalogue import Language
from conversations.types import Reply

Path = Literal["free_form", "template", "waiting", "unreachable"]


@dataclass(frozen=True)
class Notification:
    kind: str  # "status_changed", "digest", ...: picks the template where one is needed
    text: str  # the free-form text, already in the citizen's language
    variables: Mapping[str, str] = field(default_factory=dict)  # the template's blanks
    # A reply the worker sends because its webhook could not (kind "reply"): rendered by
    # the channel like any reply (keyboards, numbered choices), in `language`.
    reply: Reply | None = None
    language: Language = "id"


class Notifier(Protocol):
    name: str

    async def notify(self, chat_id: str, notification: Notification) -> Path: ...
