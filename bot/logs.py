"""Logging that cannot leak a NIK or KK, whatever a library or a developer passes to it.

UU 24/2013 makes population numbers confidential; logs leave the system (files, log
services), so every 16-digit number is masked on its way out, as `3204********0001`.
"""

from __future__ import annotations

import logging
import re

# 16 digits, maybe typed in groups with spaces, dots or hyphens, not part of a longer number.
_NUMBER = re.compile(r"(?<![\d])(\d(?:[ .\-]?\d){15})(?![\d])")


def mask_numbers(text: str) -> str:
    def masked(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(1))
        return f"{digits[:4]}********{digits[-4:]}"

    return _NUMBER.sub(masked, text)


class MaskPersonalNumbers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_numbers(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def configure_logging(level: str = "INFO") -> None:
    """Root logging to stderr, every handler masking personal numbers (uvicorn's too)."""
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    mask = MaskPersonalNumbers()
    for name in ("", "uvicorn", "uvicorn.access", "uvicorn.error"):
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, MaskPersonalNumbers) for f in handler.filters):
                handler.addFilter(mask)
