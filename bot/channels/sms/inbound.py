"""Twilio's inbound SMS webhook form -> what the citizen did.

Fields used: `MessageSid`, `From` ("+6281234567890"), `Body`, `NumMedia`, `MediaUrl0`,
`MediaContentType0` (an MMS, where the network carries them), `OptOutType` (STOP/START,
when the number uses Twilio's Advanced Opt-Out). Others are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

from bot.channels.sms import CHANNEL
from bot.channels.whatsapp.inbound import MalformedInbound, MediaItem, first_media
from bot.inbound import InboundMessage, PhotoUpload

# Twilio's own opt-out and opt-in words: Twilio stops (and restarts) delivery to the
# number whatever we do, so the bot follows them. "YES" also opts in, but it is an answer
# too: only Twilio's `OptOutType` says when it meant START.
STOP_WORDS: Final = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS: Final = frozenset({"START", "UNSTOP"})

Keyword = Literal["stop", "start"]

__all__ = ["MalformedInbound", "SmsInbound", "parse_sms"]


@dataclass(frozen=True)
class SmsInbound:
    sender: str  # digits with the country code, "6281234567890"
    message_id: str
    text: str | None = None
    media: MediaItem | None = None  # an MMS attachment
    keyword: Keyword | None = None

    def message(
        self, photo: PhotoUpload | None = None, *, unsupported: bool = False
    ) -> InboundMessage:
        """`photo` once downloaded; `unsupported` for an attachment that is no picture.
        START reaches the engine as "menu": the citizen is back, show where they are."""
        text = "menu" if self.keyword == "start" else self.text
        if photo is not None or unsupported:
            text = None  # a caption is not an answer: the citizen meant the attachment
        return InboundMessage(
            channel=CHANNEL,
            sender=self.sender,
            message_id=self.message_id,
            text=text,
            photo=photo,
            # The number the network vouches for, offered at the phone question.
            sender_phone="+" + self.sender,
            rejected="unsupported" if text is None and photo is None else None,
        )


def parse_sms(form: Mapping[str, str]) -> SmsInbound:
    message_id = (form.get("MessageSid") or form.get("SmsMessageSid") or "").strip()
    if not message_id:
        raise MalformedInbound("MessageSid missing")
    sender = (form.get("From") or "").strip().lstrip("+")
    if not sender.isdigit() or not 6 <= len(sender) <= 20:
        raise MalformedInbound("sender missing or not a phone number")
    text = form.get("Body") or None
    return SmsInbound(sender, message_id, text, first_media(form), _keyword(form, text))


def _keyword(form: Mapping[str, str], text: str | None) -> Keyword | None:
    opt = (form.get("OptOutType") or "").strip().upper()
    word = (text or "").strip().upper()
    if opt == "STOP" or word in STOP_WORDS:
        return "stop"
    if opt == "START" or word in START_WORDS:
        return "start"
    return None
