"""Logging that cannot leak a NIK or KK, whatever a library or a developer passes to it.

UU 24/2013 makes population numbers confidential; logs leave the system (files, log
services), so every 16-digit number is masked on its way out, as `3204********0001`.

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


def mask_numbers(text: str) -> str:
    def masked(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(1))
        return f"{digits[:4]}********{digits[-4:]}"

    return _NUMBER.sub(masked, text)


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask `record` in place: message, arguments, exception text, stack.

    The arguments stay a tuple or mapping of the same shape (uvicorn's access log unpacks
    them); only values whose text holds a 16-digit number are replaced by masked text.
    """
    if isinstance(record.msg, str):
        record.msg = mask_numbers(record.msg)
    elif record.msg is not None and _has_number(str(record.msg)):
        record.msg = mask_numbers(str(record.msg))
    if isinstance(record.args, tuple):
        record.args = tuple(_masked_arg(a) for a in record.args)
    elif isinstance(record.args, Mapping):
        record.args = {k: _masked_arg(v) for k, v in record.args.items()}
    if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
        # Formatted now, masked, and cached where every Formatter looks first.
        record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
    if record.exc_text:
        record.exc_text = mask_numbers(record.exc_text)
    if record.exc_info and record.exc_info[1] is not None:
        # Formatters that read the exception itself (JSON logs) see no number in clear.
        kind, exc, tb = record.exc_info
        if _has_number(str(exc)):
            record.exc_info = (kind, _MaskedException(exc), tb)
    if record.stack_info:
        record.stack_info = mask_numbers(record.stack_info)
    return record


def _has_number(text: str) -> bool:
    return _NUMBER.search(text) is not None


def _masked_arg(value: object) -> object:
    if isinstance(value, str):
        return mask_numbers(value)
    if isinstance(value, (int, float, bool)) or value is None:
        # An int of 16 digits is a NIK all the same.
        return (
            mask_numbers(str(value))
            if isinstance(value, int) and _has_number(str(value))
            else value
        )
    text = str(value)
    return mask_numbers(text) if _has_number(text) else value


class _MaskedException(Exception):
    """Stands in for an exception whose text held a number: its str() is masked."""

    def __init__(self, original: BaseException) -> None:
        super().__init__(mask_numbers(str(original)))
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
