"""Staff sign-in: signed session cookies, CSRF tokens and one-time login links.

Sessions are signed cookies that expire, carry a fingerprint of the account's password hash
(changing the password, or disabling the account, ends every session at once) and a random
session id: logging out records that id as ended on the server (access log, action
"logout"), so the old cookie is refused even though its signature is still good. One-time
links are signed too; the access log remembers which have been used, so a link works once.

Password checks (argon2: about 64 MiB and tens of milliseconds each) run on a small pool of
their own, never on the request thread pool the webhooks need: sixty wrong passwords at
once queue there instead of taking every thread and a gigabyte of memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from bot.keys import secret_key
from models.staff import log_access
from models.tables import AccessLog, StaffAccount

T = TypeVar("T")

SESSION_COOKIE = "dtsen_staff"
SESSION_LIFETIME = timedelta(hours=8)
LINK_LIFETIME = timedelta(minutes=15)
# Password checks at the same time (each holds argon2's 64 MiB and, with its lanes, most
# of a small server's cores while it runs).
PASSWORD_CHECKS = 1
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
    session_id: str


class StaffAuth:
    def __init__(self, secret: str) -> None:
        self._sessions = URLSafeTimedSerializer(secret, salt="staff-session")
        self._links = URLSafeTimedSerializer(secret, salt="staff-login-link")
        self._csrf_key = hashlib.sha256(f"csrf:{secret}".encode()).digest()
        self._hashing = ThreadPoolExecutor(PASSWORD_CHECKS, thread_name_prefix="password")
        self._hashing_slots: asyncio.Semaphore | None = None
        self._bookkeeping: asyncio.Lock | None = None

    # -- passwords --------------------------------------------------------------------------

    async def one_at_a_time(self, work: Callable[[], T]) -> T:
        """Run sign-in bookkeeping (`work`, database calls) on the request thread pool, one
        at a time in this process: waiting logins wait here, not on the pool's threads."""
        if self._bookkeeping is None:
            self._bookkeeping = asyncio.Lock()
        async with self._bookkeeping:
            return await run_in_threadpool(work)

    async def check_password(self, account: StaffAccount | None, password: str) -> bool:
        """`verify_password` on the password pool, at most PASSWORD_CHECKS at a time."""
        if self._hashing_slots is None:
            self._hashing_slots = asyncio.Semaphore(PASSWORD_CHECKS)
        async with self._hashing_slots:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._hashing, verify_password, account, password)

    # -- sessions ---------------------------------------------------------------------------

    def issue_session(self, account: StaffAccount) -> str:
        session_id = secrets.token_urlsafe(12)
        return self._sessions.dumps({"s": account.id, "f": _fingerprint(account), "i": session_id})

    def read_session(self, cookie: str | None) -> SessionData | None:
        if not cookie:
            return None
        try:
            data = self._sessions.loads(cookie, max_age=int(SESSION_LIFETIME.total_seconds()))
        except BadSignature:
            return None
        return SessionData(int(data["s"]), str(data["f"]), str(data.get("i", "")))

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
        if not data.session_id or _ended(session, account, data.session_id):
            return None
        return account

    def end_session(self, session: Session, cookie: str | None, *, at: datetime) -> None:
        """Log out: the cookie's session id is recorded as ended, so the cookie stops working
        even if someone kept a copy."""
        data = self.read_session(cookie)
        if data is None or not data.session_id:
            return
        log_access(
            session,
            staff_id=data.staff_id,
            action="logout",
            target=f"session:{data.session_id}",
            allowed=True,
            at=at,
        )

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


def _ended(session: Session, account: StaffAccount, session_id: str) -> bool:
    found = session.exec(
        select(AccessLog.id).where(
            AccessLog.staff_id == account.id,
            AccessLog.action == "logout",
            AccessLog.target == f"session:{session_id}",
        )
    ).first()
    return found is not None
