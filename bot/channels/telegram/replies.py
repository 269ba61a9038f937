"""The engine's replies as Telegram messages: inline keyboards, the share-number button,
and texts cut to Telegram's 4096-character limit on paragraph boundaries.

Texts go out as plain text (no `parse_mode`): nothing the citizen typed and the bot echoes
(a name, an address) can be read as Markdown or HTML, so nothing needs escaping and no
answer can break a message's formatting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.channels.split import split
from conversations.catalogue import Language, catalogue
from conversations.types import Choice, Reply

# Telegram's limits. Lengths count UTF-16 code units, as Telegram does: an emoji is two.
MAX_TEXT: Final = 4096
MAX_CALLBACK_DATA_BYTES: Final = 64

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


@dataclass(frozen=True)
class Outgoing:
    """One sendMessage."""

    chat_id: int
    text: str
    markup: Markup | None = None
    # Which of the replies given to `to_messages` this message belongs to.
    reply_index: int = 0

    def send_kwargs(self) -> dict[str, Any]:
        return {"chat_id": self.chat_id, "text": self.text, "reply_markup": self.markup}

    def webhook_body(self) -> dict[str, Any]:
        """The same call as a Bot API method in a webhook answer (Telegram runs it)."""
        body: dict[str, Any] = {"method": "sendMessage", "chat_id": self.chat_id, "text": self.text}
        if self.markup is not None:
            body["reply_markup"] = self.markup.to_dict()
        return body


def needs_language(replies: Sequence[Reply]) -> bool:
    """Only the share-number button has a text of its own; the rest comes from the engine."""
    return any(reply.asks_phone for reply in replies)


def to_messages(
    chat_id: int, replies: Sequence[Reply], language: Language = "id"
) -> list[Outgoing]:
    """The engine's order is kept: each reply's pieces, its keyboard on its last piece."""
    messages: list[Outgoing] = []
    for index, reply in enumerate(replies):
        text, keyboard = _text_and_keyboard(reply)
        *first, last = split_text(text)
        messages.extend(Outgoing(chat_id, piece, reply_index=index) for piece in first)
        if not reply.asks_phone:
            messages.append(Outgoing(chat_id, last, keyboard, index))
        elif keyboard is None:
            messages.append(Outgoing(chat_id, last, _share_phone(language), index))
        else:
            # One message carries one keyboard: the choices stay on the question, the
            # share-number button comes with a short hint right after it.
            messages.append(Outgoing(chat_id, last, keyboard, index))
            hint = catalogue(language).text("telegram.share_phone_hint")
            messages.append(Outgoing(chat_id, hint, _share_phone(language), index))
    if not needs_language(replies):
        _remove_share_phone(messages)
    return messages


def _remove_share_phone(messages: list[Outgoing]) -> None:
    """Take the share-number keyboard away once the phone question is behind us.

    The bot keeps no record of which chats show it, so the first message without a keyboard
    of its own carries the removal (a no-op where nothing is shown). The button also hides
    itself once pressed (`one_time_keyboard`).
    """
    for index, message in enumerate(messages):
        if message.markup is None:
            messages[index] = replace(message, markup=ReplyKeyboardRemove())
            return


def _share_phone(language: Language) -> ReplyKeyboardMarkup:
    label = catalogue(language).text("telegram.share_phone")
    return ReplyKeyboardMarkup(
        [[KeyboardButton(label, request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def _text_and_keyboard(reply: Reply) -> tuple[str, InlineKeyboardMarkup | None]:
    if not reply.choices:
        return reply.text, None
    labels = [_label(reply, index, choice) for index, choice in enumerate(reply.choices)]
    if all(_fits(choice) for choice in reply.choices):
        # One button a row: labels are short sentences and must be read whole.
        rows = [
            [InlineKeyboardButton(label, callback_data=choice.id)]
            for label, choice in zip(labels, reply.choices, strict=True)
        ]
        return reply.text, InlineKeyboardMarkup(rows)
    # Never expected (ids are short), but a button Telegram refuses would lose the question:
    # list the choices instead; the engine reads their numbers and words.
    bullet = [label if reply.numbered else f"• {label}" for label in labels]
    return reply.text + "\n\n" + "\n".join(bullet), None


def _label(reply: Reply, index: int, choice: Choice) -> str:
    # Unnumbered choices sit under texts whose own numbers mean something (the summary).
    return f"{index + 1}. {choice.label}" if reply.numbered else choice.label


def _fits(choice: Choice) -> bool:
    return 1 <= len(choice.id.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES


def units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Pieces of at most `limit` UTF-16 units (see `bot.channels.split`)."""
    return split(text, limit, units)
