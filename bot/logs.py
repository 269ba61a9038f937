"""Logging that cannot leak a NIK, KK or phone number, whatever a library or a developer
passes to it.

UU 24/2013 makes population numbers confidential; logs leave the system (files, log
services), so every 16-digit number is masked on its way out, as `3204********0001`. A
phone number is personal data too (UU 27/2022), and a WhatsApp or SMS chat is named by
one (`whatsapp:+6281234567890`): Indonesian mobile numbers, typed `+62…`, `62…` or `08…`
with or without spaces, dots or hyphens, are masked as `+628********890`; a Telegram chat
id in a chat key (`telegram:123456789`) as `telegram:***`, and a chat id or recipient
among a SQL error's named parameters as `'***'`.

The masking is installed where every record is made (`logging.setLogRecordFactory`), not on
handlers: uvicorn, a JSON formatter or a handler added later all receive records that are
already masked, in the message, its arguments, the exception and its traceback (a
SQLAlchemy error prints its SQL parameters there) and the stack. `install_masking` is called
by the command line (serve, worker and every other command) and by the app factory.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Mapping
from typing import Any

# 16 digits, maybe typed in groups with spaces, dots or hyphens, not part of a longer number.
_NUMBER = re.compile(r"(?<![\d])(\d(?:[ .\-]?\d){15})(?![\d])")


# An Indonesian mobile number: +62, 62 or 0, then 8 and 7 to 11 more digits, maybe in
# groups. Not inside a word, a longer number or a decimal (a hash, a sealed value, "0.81 s"
# are left alone); the 0 form must touch its 8, so "0.812345678" is no phone.
_PHONE = re.compile(r"(?<![\w.+])(\+62[ \-]?|62[ \-]?|0)(8(?:[ .\-]?\d){7,11})(?![\w])")
# A chat key of a channel whose chat ids are numbers that are not phones.
_CHAT_KEY = re.compile(r"\b(telegram):(-?\d{3,})\b")
# SQLAlchemy's dump of named parameters after a database error: `'chat_id': '…'`.
_CHAT_PARAMETER = re.compile(
    r"('(?:\w*chat_id\w*|\w*chat_key\w*|recipient|sender|to|from_)': )'[^']*'"
)


def mask_numbers(text: str) -> str:
    def masked(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(1))
        return f"{digits[:4]}********{digits[-4:]}"

    return _NUMBER.sub(masked, text)


def mask_phones(text: str) -> str:
    """Phone numbers and chat ids out of `text` (NIKs are `mask_numbers`'s business)."""

    def masked(match: re.Match[str]) -> str:
        prefix = match.group(1).rstrip(" -")
        digits = re.sub(r"\D", "", match.group(2))
        return f"{prefix}8{'*' * (len(digits) - 4)}{digits[-3:]}"

    text = _PHONE.sub(masked, text)
    text = _CHAT_KEY.sub(r"\1:***", text)
    return _CHAT_PARAMETER.sub(r"\1'***'", text)


def mask_personal(text: str) -> str:
    """Every personal number this module knows of, masked."""
    return mask_phones(mask_numbers(text))


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask `record` in place: message, arguments, exception text, stack.

    The arguments stay a tuple or mapping of the same shape (uvicorn's access log unpacks
    them); only values whose text holds a personal number are replaced by masked text.
    """
    if isinstance(record.msg, str):
        record.msg = mask_personal(record.msg)
    elif record.msg is not None and _has_personal(str(record.msg)):
        record.msg = mask_personal(str(record.msg))
    if isinstance(record.args, tuple):
        record.args = tuple(_masked_arg(a) for a in record.args)
    elif isinstance(record.args, Mapping):
        record.args = {k: _masked_arg(v) for k, v in record.args.items()}
    if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
        # Formatted now, masked, and cached where every Formatter looks first.
        record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
    if record.exc_text:
        record.exc_text = mask_personal(record.exc_text)
    if record.exc_info and record.exc_info[1] is not None:
        # Formatters that read the exception itself (JSON logs) see no number in clear.
        kind, exc, tb = record.exc_info
        if _has_personal(str(exc)):
            record.exc_info = (kind, _MaskedException(exc), tb)
    if record.stack_info:
        record.stack_info = mask_personal(record.stack_info)
    return record


def _has_personal(text: str) -> bool:
    return any(
        pattern.search(text) is not None
        for pattern in (_NUMBER, _PHONE, _CHAT_KEY, _CHAT_PARAMETER)
    )


def _masked_arg(value: object) -> object:
    if isinstance(value, str):
        return mask_personal(value)
    if isinstance(value, (int, float, bool)) or value is None:
        # An int of 16 digits is a NIK all the same.
        return (
            mask_personal(str(value))
            if isinstance(value, int) and _has_personal(str(value))
            else value
        )
    text = str(value)
    return mask_personal(text) if _has_personal(text) else value


class _MaskedException(Exception):
    """Stands in for an exception whose text held a number: its str() is masked."""

    def __init__(self, original: BaseException) -> None:
        super().__init__(mask_personal(str(original)))
        self.__cause__ = None
        self.__suppress_context__ = True


class MaskPersonalNumbers(logging.Filter):
    """For a handler that must mask on its own (a record made before `install_masking`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


def install_masking() -> None:
    """Make every log record of this process masked at creation. Idempotent."""
    current = logging.getLogRecordFactory()
    if getattr(current, "masks_numbers", False):
        return

    def masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return mask_record(current(*args, **kwargs))

    masked_record.masks_numbers = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(masked_record)


def configure_logging(level: str = "INFO") -> None:
    """Root logging to stderr, with every record masked (uvicorn's too)."""
    install_masking()
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
