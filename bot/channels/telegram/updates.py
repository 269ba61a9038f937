"""A Telegram `Update`, read into what the channel should do with it.

Pure (no network, no database): photos are described (`FileToFetch`), not downloaded, so
the rules here are tested without a bot. The channel then fetches the file and calls the
service, or sends a note, or only stops a button's spinner.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from telegram import CallbackQuery, Message, PhotoSize, Update
from telegram.constants import ChatType

from bot.inbound import InboundMessage, Rejection
from conversations.types import Location

CHANNEL: Final = "telegram"

# Commands shown in Telegram's "/" menu, and the words the engine already understands.
# "/status" is not a global word in the engine: at the menu it opens cek status.
COMMAND_WORDS: Final = {
    "start": "menu",
    "menu": "menu",
    "status": "status",
    "batal": "batal",
    "bahasa": "bahasa",
    "bantuan": "bantuan",
}

GROUP_NOTE: Final = "telegram.group_note"
EDITED_NOTE: Final = "telegram.edited_note"


@dataclass(frozen=True)
class FileToFetch:
    file_id: str
    declared_type: str | None
    # As Telegram reported it; None when unknown (the service checks the bytes anyway).
    size: int | None


@dataclass(frozen=True)
class ButtonPress:
    query_id: str
    # The bot's message that carried the button, to take its keyboard away; None when
    # Telegram no longer shows it to the bot (older than 48 hours, deleted).
    message_id: int | None


@dataclass(frozen=True)
class ToEngine:
    chat_id: int
    message: InboundMessage  # its photo is filled in once `file` is downloaded
    file: FileToFetch | None = None
    press: ButtonPress | None = None


@dataclass(frozen=True)
class Note:
    """Answer with a catalogue text, without the engine."""

    chat_id: int
    key: str
    # Edited messages come from a citizen's own chat: answer in their language. A group
    # has no conversation, so it gets Indonesian.
    in_chat_language: bool


@dataclass(frozen=True)
class Ignore:
    reason: str
    press: ButtonPress | None = None  # answered all the same, so the spinner stops


Action = ToEngine | Note | Ignore


@dataclass(frozen=True)
class BotIdentity:
    id: int
    username: str | None  # known once getMe answered; only used to spot mentions in groups


def read_update(update: Update, bot: BotIdentity) -> Action:
    if update.callback_query is not None:
        return _read_press(update, update.callback_query)
    if update.edited_message is not None:
        return _read_edit(update.edited_message)
    if update.message is not None:
        message = update.message
        if message.chat.type != ChatType.PRIVATE:
            if message.chat.type in (ChatType.GROUP, ChatType.SUPERGROUP) and _addressed_to(
                message, bot
            ):
                return Note(message.chat.id, GROUP_NOTE, in_chat_language=False)
            return Ignore("not a private chat")
        return _read_message(update.update_id, message)
    return Ignore("an update kind the bot does not read")


def _inbound(
    update_id: int,
    chat_id: int,
    *,
    text: str | None = None,
    choice: str | None = None,
    location: Location | None = None,
    contact_phone: str | None = None,
    rejected: Rejection | None = None,
) -> InboundMessage:
    # The update_id is the delivery's id: Telegram redelivers an update with the same one.
    return InboundMessage(
        channel=CHANNEL,
        sender=str(chat_id),
        message_id=str(update_id),
        text=text,
        choice=choice,
        location=location,
        contact_phone=contact_phone,
        rejected=rejected,
    )


def _read_press(update: Update, query: CallbackQuery) -> Action:
    pressed_on = query.message
    message_id = (
        pressed_on.message_id if pressed_on is not None and pressed_on.is_accessible else None
    )
    press = ButtonPress(query.id, message_id)
    chat = pressed_on.chat if pressed_on is not None else None
    if chat is None or chat.type != ChatType.PRIVATE:
        return Ignore("a button outside a private chat", press)
    if not query.data:
        return Ignore("a button without data", press)
    inbound = _inbound(update.update_id, chat.id, choice=query.data)
    return ToEngine(chat.id, inbound, press=press)


def _read_edit(message: Message) -> Action:
    if message.chat.type != ChatType.PRIVATE:
        return Ignore("an edit outside a private chat")
    if message.location is not None:
        # A live location moves by editing its message every few seconds: not a new answer.
        return Ignore("a live location update")
    return Note(message.chat.id, EDITED_NOTE, in_chat_language=True)


def _read_message(update_id: int, message: Message) -> Action:
    chat_id = message.chat.id
    if message.text is not None:
        return ToEngine(chat_id, _inbound(update_id, chat_id, text=command_text(message.text)))
    if message.photo:
        largest = max(message.photo, key=_area)
        file = FileToFetch(largest.file_id, "image/jpeg", largest.file_size)
        return ToEngine(chat_id, _inbound(update_id, chat_id), file=file)
    document = message.document
    if document is not None and (document.mime_type or "").startswith("image/"):
        # Sent "as a file" to keep full quality: still a photo for the engine.
        file = FileToFetch(document.file_id, document.mime_type, document.file_size)
        return ToEngine(chat_id, _inbound(update_id, chat_id), file=file)
    if message.location is not None:
        location = Location(message.location.latitude, message.location.longitude)
        return ToEngine(chat_id, _inbound(update_id, chat_id, location=location))
    if message.contact is not None:
        phone = message.contact.phone_number
        return ToEngine(chat_id, _inbound(update_id, chat_id, contact_phone=phone))
    if message.effective_attachment is not None or message.caption:
        # Stickers, voice notes, videos, other documents: the engine says what it reads.
        return ToEngine(chat_id, _inbound(update_id, chat_id, rejected="unsupported"))
    return Ignore("a service message (nothing the citizen wrote)")


def command_text(text: str) -> str:
    """'/status@dtsen_bot' -> 'status'; '/start <payload>' -> 'menu'; other text unchanged."""
    if not text.startswith("/"):
        return text
    head, _, rest = text.strip().partition(" ")
    name = head[1:].split("@", 1)[0].casefold()
    word = COMMAND_WORDS.get(name)
    # A deep link's payload ("/start abc") means nothing here; other commands take no words.
    if word is None or (rest.strip() and name != "start"):
        return text
    return word


def _area(size: PhotoSize) -> tuple[int, int]:
    return size.width * size.height, size.file_size or 0


def _addressed_to(message: Message, bot: BotIdentity) -> bool:
    """A command, a mention or a reply to the bot: with Telegram's privacy mode (the
    default) these are all a bot sees in a group; without it, the rest stays unanswered so
    the bot does not talk over a busy group."""
    text = message.text or message.caption or ""
    if text.startswith("/"):
        target = text.split(maxsplit=1)[0].partition("@")[2]
        return not target or bot.username is None or target.casefold() == bot.username.casefold()
    if bot.username and f"@{bot.username}".casefold() in text.casefold():
        return True
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == bot.id)
