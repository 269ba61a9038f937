"""Short codes by which staff link their own Telegram or WhatsApp chat to their account.

The dashboard shows "HUBUNGKAN <username> <code>"; the staff member sends it to the bot from
the chat to link. The code is a keyed hash of the account and a 15-minute window, so it
needs no storage, works for the current and the previous window, and is short enough to
type on a phone.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime

from models.tables import StaffAccount

WINDOW_SECONDS = 15 * 60


def _code(secret: str, staff: StaffAccount, window: int) -> str:
    basis = f"chat-link:{staff.id}:{staff.password_hash or ''}:{window}".encode()
    digest = hmac.new(secret.encode(), basis, hashlib.sha256).digest()
    # Base32 without 0/1/8/9 look-alikes problems: A-Z and 2-7, upper case, 8 characters.
    return base64.b32encode(digest).decode()[:8]


def link_code(secret: str, staff: StaffAccount, now: datetime) -> str:
    return _code(secret, staff, int(now.timestamp()) // WINDOW_SECONDS)


def check_link_code(secret: str, staff: StaffAccount, code: str, now: datetime) -> bool:
    """Valid for the window it was made in and the next one (15 to 30 minutes)."""
    if staff.disabled_at is not None:
        return False
    typed = "".join(code.split()).upper()
    window = int(now.timestamp()) // WINDOW_SECONDS
    return any(hmac.compare_digest(_code(secret, staff, w), typed) for w in (window, window - 1))
