"""Staff sign-in: signed session cookies, CSRF tokens and one-time login links.

Sessions are signed cookies (no server-side session table) that expire, and that carry a
fingerprint of the account's password hash: changing the password, or disabling the account
(checked on every request), ends every session at once. One-time links are signed too; the
access log remembers which have been used, so a link works once.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlmodel import Session, col, select

from bot.keys import secret_key
from models.staff import log_access
from models.tables import AccessLog, StaffAccount

SESSION_COOKIE = "dtsen_staff"
SESSION_LIFETIME = timedelta(hours=8)
LINK_LIFETIME = timedelta(minutes=15)
__all__ = ["StaffAuth", "secret_key", "verify_password"]


@functools.cache
def _dummy_hash() -> str:
    """Verifying against this keeps a wrong username as slow as a wrong password. Made on
    the first sign-in, not at import (an argon2 hash costs every worker's start-up)."""
    return PasswordHasher().hash("not a real password, only for timing")


def _fingerprint(account: StaffAccount) -> str:
    """Changes when the password does: old sessions and links stop working."""
    basis = f"{account.id}:{account.password_hash or ''}:{account.created_at.isoformat()}"
    return hashlib.sha256(basis.encode()).hexdigest()[:16]


def verify_password(account: StaffAccount | None, password: str) -> bool:
    hasher = PasswordHasher()
    if account is None or account.password_hash is None or account.disabled_at is not None:
        with contextlib.suppress(VerificationError):
            hasher.verify(_dummy_hash(), password)
        return False
    try:
        return hasher.verify(account.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class SessionData:
    staff_id: int
    fingerprint: str


class StaffAuth:
    def __init__(self, secret: str) -> None:
        self._sessions = URLSafeTimedSerializer(secret, salt="staff-session")
        self._links = URLSafeTimedSerializer(secret, salt="staff-login-link")
        self._csrf_key = hashlib.sha256(f"csrf:{secret}".encode()).digest()

    # -- sessions ---------------------------------------------------------------------------

    def issue_session(self, account: StaffAccount) -> str:
        return self._sessions.dumps({"s": account.id, "f": _fingerprint(account)})

    def read_session(self, cookie: str | None) -> SessionData | None:
        if not cookie:
            return None
        try:
            data = self._sessions.loads(cookie, max_age=int(SESSION_LIFETIME.total_seconds()))
        except BadSignature:
            return None
        return SessionData(int(data["s"]), str(data["f"]))

    def session_account(self, session: Session, cookie: str | None) -> StaffAccount | None:
        """The signed-in, active staff member behind a cookie, or None."""
        data = self.read_session(cookie)
        if data is None:
            return None
        account = session.get(StaffAccount, data.staff_id)
        if account is None or account.disabled_at is not None:
            return None
        if not hmac.compare_digest(_fingerprint(account), data.fingerprint):
            return None
        return account

    # -- CSRF -------------------------------------------------------------------------------

    def csrf_token(self, cookie: str) -> str:
        """Bound to the session: a form from another site cannot know it."""
        return hmac.new(self._csrf_key, cookie.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, cookie: str | None, token: str | None) -> bool:
        if not cookie or not token:
            return False
        return hmac.compare_digest(self.csrf_token(cookie), token)

    # -- one-time login links -------------------------------------------------------------------

    def issue_link(self, account: StaffAccount) -> str:
        nonce = secrets.token_urlsafe(12)
        return self._links.dumps({"s": account.id, "f": _fingerprint(account), "n": nonce})

    def redeem_link(self, session: Session, token: str, *, at: datetime) -> StaffAccount | None:
        """The staff member a valid, unused, unexpired link is for (it is then used up)."""
        try:
            data = self._links.loads(token, max_age=int(LINK_LIFETIME.total_seconds()))
        except BadSignature:
            return None
        account = session.get(StaffAccount, int(data["s"]))
        if account is None or account.disabled_at is not None:
            return None
        if not hmac.compare_digest(_fingerprint(account), str(data["f"])):
            return None
        nonce = f"link:{data['n']}"
        used = session.exec(
            select(AccessLog.id).where(
                AccessLog.action == "login_link", col(AccessLog.target) == nonce
            )
        ).first()
        if used is not None:
            return None
        log_access(
            session, staff_id=account.id, action="login_link", target=nonce, allowed=True, at=at
        )
        return account
