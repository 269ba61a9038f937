"""Sending something that is not a reply: a status change, a digest.

The staff side (outbox worker) hands each `Notification` to the `Notifier` of the chat's
channel. The notifier decides how it can go out (a free-form message, an approved template,
or waiting until the citizen writes again), records that, and says which path it took.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

Path = Literal["free_form", "template", "waiting", "unreachable"]


@dataclass(frozen=True)
class Notification:
    kind: str  # "status_changed", "digest", ...: picks the template where one is needed
    text: str  # the free-form text, already in the citizen's language
    variables: Mapping[str, str] = field(default_factory=dict)  # the template's blanks


class Notifier(Protocol):
    name: str

    async def notify(self, chat_id: str, notification: Notification) -> Path: ...
