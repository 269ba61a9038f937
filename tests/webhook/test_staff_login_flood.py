"""Sixty wrong staff logins at once, on a real server, while citizens write on Telegram:
the webhook keeps answering, the limits hold (counted before any password is checked), and
logging out ends a session for good (SQLite and PostgreSQL)."""

from __future__ import annotations

import functools
import statistics
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.channels.telegram import client as telegram_client
from bot.channels.telegram.config import SECRET_HEADER
from bot.channels.telegram.ratelimit import TelegramRateLimiter
from models.staff import add_staff
from models.tables import AccessLog
from staff.sign_in import ADDRESS_FAILURES, LOGIN_FAILURES, WRONG
from tests.doubles.telegram_bot_api import TelegramBotApiDouble, Updates
from tests.webhook.support import live_server
from tests.webhook.test_staff_dashboard import PASSWORD, csrf_of
from tests.webhook.test_telegram_e2e import telegram_settings
from webhook.app import create_app

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
SECRET = "flood-Secret_0123456789"
ATTEMPTS = 60
USERNAMES = ("sri", "budi", "ani", "dewi", "eko", "fajar")


@pytest.fixture(autouse=True)
def quick_chats(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = functools.partial(TelegramRateLimiter, chat_burst=1000, chat_per_second=1000)
    monkeypatch.setattr(telegram_client, "TelegramRateLimiter", fast)


@pytest.fixture
def server(db_engine: Engine, tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    with Session(db_engine) as session, session.begin():
        for name in USERNAMES:
            add_staff(
                session,
                username=name,
                display_name=name.title(),
                role="village_operator",
                areas=["32.04.05.2004"],
                password_hash=PasswordHasher().hash(PASSWORD),
                at=datetime.now(UTC),
            )
    with TelegramBotApiDouble() as double:
        url = db_engine.url.render_as_string(hide_password=False)
        settings = telegram_settings(
            double, url, tmp_path, SECRET, secret_key="flood-test-secret", worker_in_serve=False
        )
        with live_server(create_app(settings)) as base:
            yield base.rstrip("/"), db_engine


def _webhook_latencies(base: str, stop: threading.Event, out: list[float]) -> None:
    updates = Updates(chat_id=700_555_001)
    with httpx.Client(base_url=base, timeout=30) as client:
        while not stop.is_set():
            started = time.perf_counter()
            response = client.post(
                "/webhook/telegram", json=updates.text("menu"), headers={SECRET_HEADER: SECRET}
            )
            assert response.status_code == 200, response.text
            out.append(time.perf_counter() - started)


def test_sixty_wrong_logins_at_once_neither_starve_the_webhook_nor_beat_the_limits(
    server: tuple[str, Engine],
) -> None:
    base, engine = server
    quiet: list[float] = []
    stop = threading.Event()  # before: a second of updates on a quiet server
    quiet_thread = threading.Thread(target=_webhook_latencies, args=(base, stop, quiet))
    quiet_thread.start()
    time.sleep(3.0)
    stop.set()
    quiet_thread.join()

    with httpx.Client(base_url=base, timeout=120) as login:
        page = login.get("/staff/login")
    token, cookies = csrf_of(page.text), _cookie_header(page)
    statuses: list[int] = []
    go = threading.Barrier(ATTEMPTS)

    def attempt(i: int) -> None:
        with httpx.Client(base_url=base, timeout=120, headers=cookies) as client:
            go.wait()
            response = client.post(
                "/staff/login",
                data={"csrf": token, "username": USERNAMES[i % 6], "password": f"salah-{i}"},
            )
            statuses.append(response.status_code)

    busy: list[float] = []
    stop.clear()
    watcher = threading.Thread(target=_webhook_latencies, args=(base, stop, busy))
    flood = [threading.Thread(target=attempt, args=(i,)) for i in range(ATTEMPTS)]
    watcher.start()
    for thread in flood:
        thread.start()
    for thread in flood:
        thread.join(180)
    stop.set()
    watcher.join()

    print(
        f"\nwebhook latency quiet: {_figures(quiet)}; "
        f"during {ATTEMPTS} wrong logins: {_figures(busy)}"
    )
    assert len(statuses) == ATTEMPTS and set(statuses) <= {401, 429}
    with Session(engine) as session:
        checked = session.exec(
            select(AccessLog.target).where(AccessLog.action == "login", AccessLog.detail == WRONG)
        ).all()
    # Counted before checking: never more passwords checked than the limits allow.
    assert len(checked) <= ADDRESS_FAILURES
    for name in USERNAMES:
        assert checked.count(name) <= LOGIN_FAILURES
    assert statuses.count(429) >= ATTEMPTS - ADDRESS_FAILURES
    # The webhook kept answering within the 0.5 s (it measured 8-10 s before). The
    # bound is on the median: on a loaded 2-CPU machine single answers stretch whatever the
    # flood (the tail, printed above, is reported rather than asserted).
    assert len(busy) >= 3 and statistics.median(busy) < 0.5


def test_the_right_password_sent_among_forty_wrong_ones_gets_in_only_within_the_limit(
    server: tuple[str, Engine],
) -> None:
    """Before, 40 attempts sent at once evaluated 23 passwords where the limit is 10, and the
    right one got in. Now each attempt is counted before it is checked: the right password
    opens the door only if it came among the first ten counted; later it is refused too."""
    base, engine = server
    with httpx.Client(base_url=base, timeout=120) as login:
        page = login.get("/staff/login")
    token, cookies = csrf_of(page.text), _cookie_header(page)
    right_at = 27  # started with the others; the order they are counted in is the server's
    statuses: dict[int, int] = {}
    go = threading.Barrier(40)

    def attempt(i: int) -> None:
        password = PASSWORD if i == right_at else f"tebak-{i}"
        with httpx.Client(base_url=base, timeout=120, headers=cookies) as client:
            go.wait()
            response = client.post(
                "/staff/login",
                data={"csrf": token, "username": "sri", "password": password},
                follow_redirects=False,
            )
            statuses[i] = response.status_code

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)

    with Session(engine) as session:
        counted = session.exec(
            select(AccessLog.allowed, AccessLog.detail)
            .where(AccessLog.action == "login", AccessLog.target == "sri")
            .where(col(AccessLog.detail).is_(None) | (AccessLog.detail != "blocked"))
            .order_by(col(AccessLog.id))
        ).all()
    wrong = {i: s for i, s in statuses.items() if i != right_at}
    assert len(statuses) == 40 and set(wrong.values()) <= {401, 429}
    if statuses[right_at] == 303:
        # Let in: it was among the first ten counted, and a success starts the count again.
        signed_in = [allowed for allowed, _ in counted].index(True)
        assert signed_in < LOGIN_FAILURES
        assert len(counted) <= signed_in + 1 + LOGIN_FAILURES
    else:
        assert statuses[right_at] == 429
        assert len(counted) <= LOGIN_FAILURES and not any(a for a, _ in counted)
    assert list(wrong.values()).count(401) <= LOGIN_FAILURES


def _figures(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    over = sum(s > 0.5 for s in ordered)
    return (
        f"median {statistics.median(ordered) * 1000:.0f} ms, p90 {p90 * 1000:.0f} ms, "
        f"max {ordered[-1] * 1000:.0f} ms, {over} of {len(ordered)} over 0.5 s"
    )


def _cookie_header(*responses: httpx.Response) -> dict[str, str]:
    """The cookies set so far, sent by hand: they are Secure (the public address is https)
    and this test server speaks plain http."""
    jar: dict[str, str] = {}
    for response in responses:
        for header in response.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            jar[name] = rest.split(";", 1)[0]
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items() if v and v != '""')}


def test_after_logout_the_old_cookie_is_refused(server: tuple[str, Engine]) -> None:
    base, engine = server
    with httpx.Client(base_url=base, timeout=30, follow_redirects=False) as browser:
        page = browser.get("/staff/login")
        signed_in = browser.post(
            "/staff/login",
            data={"csrf": csrf_of(page.text), "username": "sri", "password": PASSWORD},
            headers=_cookie_header(page),
        )
        assert signed_in.status_code == 303
        kept = _cookie_header(page, signed_in)  # what someone copying the cookie would keep
        queue = browser.get("/staff", headers=kept)
        assert queue.status_code == 200
        assert "no-store" in queue.headers["cache-control"]
        assert queue.headers["strict-transport-security"].startswith("max-age=")
        out = browser.post("/staff/logout", data={"csrf": csrf_of(queue.text)}, headers=kept)
        assert out.status_code == 303

        again = browser.get("/staff", headers=kept)
        assert again.status_code in (302, 303, 307) and "/staff/login" in again.headers["location"]
    with Session(engine) as session:
        ended = session.exec(
            select(AccessLog).where(AccessLog.action == "logout", col(AccessLog.allowed))
        ).all()
        assert len(ended) == 1
