"""The staff dashboard over the real app (container, database, files): sign-in, CSRF, area
checks on every route, the queue, moving requests, the musyawarah from plan to closing,
photos, the objector's identity, and the downloads opened with openpyxl.

Most tests run on a SQLite file; the area checks also run on PostgreSQL (`db_engine`).
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from openpyxl import load_workbook
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from bot.settings import Settings
from models.blobs import FileBlobStore, save_attachment
from models.erasure import ask_erasure
from models.requests import create_request
from models.staff import add_staff, link_chat
from models.tables import (
    AccessLog,
    ExportLog,
    Musyawarah,
    MusyawarahItem,
    OutboxNotification,
    Request,
    StatusChange,
    TransitionDocument,
)
from staff.bnba import BNBA_COLUMNS
from tests.conftest import TEST_KEYS
from tests.images import tiny_png
from tests.models.factories import (
    KK_A,
    NIK_A,
    NIK_B,
    NIK_C,
    NIK_D,
    PDF,
    fresh_nik,
    new_perubahan,
    new_sanggahan,
    new_usulan,
)
from tests.staff.regional import own_region_dir
from webhook.app import create_app
from webhook.staff import views
from webhook.staff.routes import router as staff_router

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

VILLAGE = "32.04.05.2004"  # Cinunuk, Kec. Cileunyi, Kab. Bandung (national workflow)
NEIGHBOUR = "32.04.05.2001"  # Cileunyi Kulon: same kecamatan, another desa
FAR_VILLAGE = "32.04.06.2003"  # Cimenyan: another kecamatan of the same kabupaten
PASSWORD = "rahasia-desa-1"
HASH = PasswordHasher().hash(PASSWORD)
CSRF_RE = re.compile(r'name="csrf" value="([^"]*)"')


def csrf_of(html: str) -> str:
    found = CSRF_RE.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def wired(app: FastAPI) -> FastAPI:
    """The staff router on the app (until `create_app` includes it itself)."""
    if not any(getattr(route, "path", "").startswith("/staff/login") for route in app.routes):
        app.include_router(staff_router)
    return app


@dataclass
class Dashboard:
    app: FastAPI
    client: TestClient
    settings: Settings

    @property
    def engine(self) -> Engine:
        engine: Engine = self.app.state.container.engine
        return engine

    def staff(self, username: str, role: str, areas: list[str]) -> int:
        with Session(self.engine) as session, session.begin():
            account = add_staff(
                session,
                username=username,
                display_name=username.title(),
                role=role,
                areas=areas,
                password_hash=HASH,
                at=datetime.now(UTC) - timedelta(days=1),
            )
            assert account.id is not None
            return account.id

    def browser(self) -> TestClient:
        """Another browser (its own cookies) on the same running app."""
        return TestClient(self.app, base_url="http://testserver")

    def login(self, username: str, password: str = PASSWORD) -> TestClient:
        client = self.browser()
        page = client.get("/staff/login")
        answer = client.post(
            "/staff/login",
            data={"csrf": csrf_of(page.text), "username": username, "password": password},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        return client

    def file(self, kind: str = "usulan", *, at: datetime | None = None, **overrides: Any) -> str:
        build = {"usulan": new_usulan, "perubahan": new_perubahan}.get(kind, new_sanggahan)
        overrides.setdefault("village_code", VILLAGE)
        with Session(self.engine) as session, session.begin():
            request = create_request(
                session, build(**overrides), now=at or datetime.now(UTC) - timedelta(hours=1)
            )
            return request.ticket

    def file_with_photo(self, **overrides: Any) -> tuple[str, str]:
        store = FileBlobStore(self.settings.data_dir / "attachments", TEST_KEYS)
        blob = store.put(tiny_png())
        chat = overrides.setdefault("chat_id", "photo-chat")
        with Session(self.engine) as session, session.begin():
            save_attachment(session, blob, channel="telegram", chat_id=chat, now=datetime.now(UTC))
        ticket = self.file(attachments=[(blob.ref, "ktp")], **overrides)
        return ticket, blob.ref

    def request(self, ticket: str) -> Request:
        with Session(self.engine) as session:
            found = session.exec(select(Request).where(Request.ticket == ticket)).one()
            session.expunge(found)
            return found

    def count(self, table: type, *where: Any) -> int:
        with Session(self.engine) as session:
            statement = select(func.count()).select_from(table)
            for condition in where:
                statement = statement.where(condition)
            return int(session.exec(statement).one())

    def refusals(self, staff_id: int) -> int:
        return self.count(
            AccessLog, AccessLog.staff_id == staff_id, col(AccessLog.allowed).is_(False)
        )


def settings_for(url: str, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": url,
        "data_dir": tmp_path / "var",
        "redis_url": None,
        "simulator_enabled": False,
        "secret_key": "test-secret-for-the-dashboard",
        "worker_in_serve": False,  # the outbox keeps what was written, for the assertions
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def make_dashboard(tmp_path: Path) -> Iterator[Callable[..., Dashboard]]:
    started: list[TestClient] = []

    def make(url: str | None = None, **overrides: Any) -> Dashboard:
        settings = settings_for(url or f"sqlite:///{tmp_path / 'dtsen.db'}", tmp_path, **overrides)
        app = wired(create_app(settings))
        client = TestClient(app)
        client.__enter__()  # the lifespan builds the real container
        started.append(client)
        return Dashboard(app, client, settings)

    yield make
    for client in started:
        client.__exit__(None, None, None)


@pytest.fixture
def dash(make_dashboard: Callable[..., Dashboard]) -> Dashboard:
    return make_dashboard()


# -- signing in -------------------------------------------------------------------------------


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer_and_are_logged(
    dash: Dashboard,
) -> None:
    dash.staff("sri", "village_operator", [VILLAGE])
    client = dash.browser()
    token = csrf_of(client.get("/staff/login").text)

    wrong = client.post("/staff/login", data={"csrf": token, "username": "sri", "password": "x"})
    unknown = client.post(
        "/staff/login", data={"csrf": token, "username": "nobody", "password": "x"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert "Nama pengguna atau kata sandi salah." in wrong.text
    assert "Nama pengguna atau kata sandi salah." in unknown.text
    assert "dtsen_staff=" not in wrong.headers.get("set-cookie", "")
    with Session(dash.engine) as session:
        failed = session.exec(select(AccessLog).where(AccessLog.action == "login")).all()
        assert sorted((f.target, f.staff_id, f.allowed) for f in failed) == [
            ("nobody", None, False),
            ("sri", None, False),
        ]

    right = client.post(
        "/staff/login",
        data={"csrf": token, "username": "sri", "password": PASSWORD},
        follow_redirects=False,
    )
    assert right.status_code == 303 and right.headers["location"] == "/staff"
    cookie = right.headers["set-cookie"]
    assert cookie.startswith("dtsen_staff=")
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert "Max-Age=28800" in cookie and "Path=/staff" in cookie
    assert "Secure" not in cookie  # served over http here
    queue = client.get("/staff")
    assert queue.status_code == 200 and "Antrean permohonan" in queue.text
    # HSTS over plain http would pin browsers to an https address nobody serves.
    assert "strict-transport-security" not in queue.headers


def test_the_cookie_is_secure_when_the_public_address_is_https(
    make_dashboard: Callable[..., Dashboard],
) -> None:
    dash = make_dashboard(public_base_url="https://dtsen.example.go.id")
    dash.staff("sri", "village_operator", [VILLAGE])
    client = TestClient(dash.app, base_url="https://testserver")
    token = csrf_of(client.get("/staff/login").text)
    answer = client.post(
        "/staff/login",
        data={"csrf": token, "username": "sri", "password": PASSWORD},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert "Secure" in answer.headers["set-cookie"]


def test_ten_failures_block_the_username_for_fifteen_minutes(dash: Dashboard) -> None:
    dash.staff("sri", "village_operator", [VILLAGE])
    dash.staff("budi", "village_operator", [VILLAGE])
    now = [datetime.now(UTC)]
    dash.app.state.staff_clock = lambda: now[0]
    client = dash.browser()
    token = csrf_of(client.get("/staff/login").text)

    def attempt(username: str, password: str) -> Any:
        return client.post(
            "/staff/login",
            data={"csrf": token, "username": username, "password": password},
            follow_redirects=False,
        )

    for _ in range(10):
        now[0] += timedelta(seconds=30)
        assert attempt("sri", "tebakan").status_code == 401
    now[0] += timedelta(seconds=30)
    blocked = attempt("sri", PASSWORD)  # even the right password
    assert blocked.status_code == 429
    assert "Terlalu banyak percobaan" in blocked.text
    assert "dtsen_staff=" not in blocked.headers.get("set-cookie", "")
    assert attempt("budi", PASSWORD).status_code == 303  # other usernames are not blocked
    assert dash.count(AccessLog, AccessLog.detail == "blocked") == 1

    now[0] += timedelta(minutes=14)
    assert attempt("sri", PASSWORD).status_code == 429
    now[0] += timedelta(minutes=2)  # 15 minutes after the tenth failure
    assert attempt("sri", PASSWORD).status_code == 303


def test_a_locked_out_username_still_signs_in_with_a_one_time_link(dash: Dashboard) -> None:
    """Ten wrong passwords (someone guessing) must not lock the real user out: the
    one-time link to their own linked chat still works (issue 9, item 6)."""
    staff_id = dash.staff("sri", "village_operator", [VILLAGE])
    with Session(dash.engine) as session, session.begin():
        link_chat(session, staff_id, "telegram", "777", at=datetime.now(UTC))
    guesser = dash.browser()
    token = csrf_of(guesser.get("/staff/login").text)
    for i in range(10):
        wrong = guesser.post(
            "/staff/login", data={"csrf": token, "username": "sri", "password": f"tebak-{i}"}
        )
        assert wrong.status_code == 401
    owner = dash.browser()
    token = csrf_of(owner.get("/staff/login").text)
    blocked = owner.post(
        "/staff/login", data={"csrf": token, "username": "sri", "password": PASSWORD}
    )
    assert blocked.status_code == 429
    owner.post("/staff/login/link", data={"csrf": token, "username": "sri"})
    with Session(dash.engine) as session:
        [sent] = session.exec(
            select(OutboxNotification).where(OutboxNotification.kind == "login_link")
        ).all()
    link = re.search(r"http://127\.0\.0\.1:8000(/staff/link/\S+)", sent.text)
    assert link, sent.text
    page = owner.get(link.group(1))
    signed_in = owner.post(link.group(1), data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert signed_in.status_code == 303 and "dtsen_staff=" in signed_in.headers["set-cookie"]
    assert owner.get("/staff").status_code == 200


def test_opening_a_request_is_logged_and_an_administrator_reads_who_did(dash: Dashboard) -> None:
    """The page shows NIK, KK, names and the address: opening it is logged like a reveal
    or an export, and shown in its access history, which an administrator reads too
    (issue 9, item 6). The page is never kept by the browser."""
    sri = dash.staff("sri", "village_operator", [VILLAGE])
    dash.staff("admin", "admin", ["*"])
    ticket = dash.file()
    page = dash.login("sri").get(f"/staff/requests/{ticket}")
    assert page.status_code == 200 and "no-store" in page.headers["cache-control"]
    with Session(dash.engine) as session:
        [viewed] = session.exec(select(AccessLog).where(AccessLog.action == "view")).all()
    assert (viewed.staff_id, viewed.target, viewed.allowed) == (sri, f"request:{ticket}", True)
    history = dash.login("admin").get(f"/staff/requests/{ticket}").text
    history = history.split("Riwayat akses", 1)[1]
    assert "Sri (Operator desa/kelurahan)" in history
    assert "Membuka permohonan" in history


def test_pages_need_a_session_and_forms_need_their_token(dash: Dashboard) -> None:
    dash.staff("sri", "village_operator", [VILLAGE])
    ticket = dash.file()
    anonymous = dash.browser()
    answer = anonymous.get(f"/staff/requests/{ticket}", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/staff/login?next=/staff/requests/{ticket}"
    assert anonymous.get("/staff", follow_redirects=False).headers["location"] == "/staff/login"
    # A login form without the token of its own cookie is refused.
    refused = anonymous.post(
        "/staff/login", data={"csrf": "forged", "username": "sri", "password": PASSWORD}
    )
    assert refused.status_code == 403

    client = dash.login("sri")
    changes = dash.count(StatusChange)
    for token in ("", "forged-token"):
        answer = client.post(
            f"/staff/requests/{ticket}/move",
            data={"csrf": token, "action": "agendakan"},
        )
        assert answer.status_code == 403
        assert "Formulir tidak berlaku" in answer.text
    # A valid token of ANOTHER session does not do either.
    other = dash.login("sri")
    other_token = csrf_of(other.get("/staff").text)
    client.cookies.set("dtsen_staff", "tampered", path="/staff")
    answer = client.post(
        f"/staff/requests/{ticket}/move", data={"csrf": other_token, "action": "agendakan"}
    )
    assert answer.status_code in (303, 403)  # tampered cookie: to the login page or refused
    assert dash.request(ticket).status == "diterima"
    assert dash.count(StatusChange) == changes


def test_wrong_addresses_and_bad_input_get_pages_in_bahasa_indonesia(dash: Dashboard) -> None:
    dash.staff("sri", "village_operator", [VILLAGE])
    ticket = dash.file()
    client = dash.login("sri")
    token = csrf_of(client.get("/staff").text)
    for path in ("/staff/tidak-ada", "/staff/musyawarah/bukan-angka"):
        answer = client.get(path)
        assert answer.status_code == 404 and "text/html" in answer.headers["content-type"]
        assert "Tidak ditemukan" in answer.text
    too_long = client.post(
        f"/staff/requests/{ticket}/move",
        data={"csrf": token, "action": "agendakan", "note": "x" * 2001},
    )
    assert too_long.status_code == 400 and "Isian tidak sah" in too_long.text
    assert dash.request(ticket).status == "diterima"
    # The address printed at start-up, with its slash, still opens the dashboard.
    assert client.get("/staff/", follow_redirects=False).headers["location"] == "/staff"


def test_control_characters_in_an_address_or_a_form_get_a_page_never_a_failure(
    make_dashboard: Callable[..., Dashboard], db_engine: Engine
) -> None:
    """A NUL typed or pasted into an address (a ticket, a filter, a date, a name) or a
    form never reaches PostgreSQL, which refuses it in text: before, a ticket "U%00", the
    trail's staff filter, a username with a NUL at sign-in and a move's action answered
    500 (logging the attempt failed)."""
    dash = make_dashboard(db_engine.url.render_as_string(hide_password=False))
    dash.staff("sri", "village_operator", [VILLAGE])
    ticket = dash.file()
    guest = dash.browser()
    token = csrf_of(guest.get("/staff/login").text)
    wrong = guest.post("/staff/login", data={"csrf": token, "username": "s\x00ri", "password": "x"})
    assert wrong.status_code == 401 and "Nama pengguna atau kata sandi salah." in wrong.text
    sri = dash.login("sri")
    token = csrf_of(sri.get(f"/staff/requests/{ticket}").text)
    moved = sri.post(
        f"/staff/requests/{ticket}/move",
        data={"csrf": token, "action": "agendakan\x00", "note": "catatan\x00 rapat"},
        follow_redirects=False,
    )
    assert moved.status_code == 303
    with Session(dash.engine) as session:
        notes = session.exec(select(StatusChange.note).where(col(StatusChange.note).is_not(None)))
        assert list(notes) == ["catatan rapat"]
    dash.staff("admin", "admin", ["*"])
    admin = dash.login("admin")
    for address in (
        "/staff/requests/U%00",
        "/staff/requests/%00%01",
        "/staff/attachments/%00",
        "/staff/jejak?petugas=a%00b",
        "/staff/jejak?dari=2026-01-01%00&sampai=%07",
        "/staff?dusun=%00&rt=%00",
        f"/staff/export/bnba?area={VILLAGE}%00&fmt=csv",
    ):
        page = admin.get(address)
        assert page.status_code in (200, 400, 404), (address, page.status_code)
    missing = admin.get("/staff/requests/U%00")
    assert missing.status_code == 404 and "Tidak ditemukan" in missing.text
    with Session(dash.engine) as session:
        targets = session.exec(select(AccessLog.target).where(col(AccessLog.allowed).is_(False)))
        assert "request:U" in list(targets)  # logged, without the NUL


def test_logout_ends_the_session_in_the_browser(dash: Dashboard) -> None:
    dash.staff("sri", "village_operator", [VILLAGE])
    client = dash.login("sri")
    token = csrf_of(client.get("/staff").text)
    answer = client.post("/staff/logout", data={"csrf": token}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/staff/login"
    assert 'dtsen_staff=""' in answer.headers["set-cookie"]
    assert client.get("/staff", follow_redirects=False).status_code == 303


def test_a_login_link_goes_to_the_linked_chats_and_works_once(dash: Dashboard) -> None:
    staff_id = dash.staff("sri", "village_operator", [VILLAGE])
    with Session(dash.engine) as session, session.begin():
        link_chat(session, staff_id, "telegram", "777", at=datetime.now(UTC))
        link_chat(session, staff_id, "whatsapp", "whatsapp:+628111", at=datetime.now(UTC))
    client = dash.browser()
    token = csrf_of(client.get("/staff/login").text)

    known = client.post("/staff/login/link", data={"csrf": token, "username": "sri"})
    unknown = client.post("/staff/login/link", data={"csrf": token, "username": "nobody"})
    assert known.status_code == unknown.status_code == 200
    assert (
        "tautan masuk sudah dikirim" in known.text and "tautan masuk sudah dikirim" in unknown.text
    )
    with Session(dash.engine) as session:
        sent = session.exec(
            select(OutboxNotification).where(OutboxNotification.kind == "login_link")
        ).all()
    assert sorted((n.channel, n.recipient) for n in sent) == [
        ("telegram", "777"),
        ("whatsapp", "whatsapp:+628111"),
    ]
    link = re.search(r"http://127\.0\.0\.1:8000(/staff/link/\S+)", sent[0].text)
    assert link, sent[0].text

    other = dash.browser()
    page = other.get(link.group(1))
    assert page.status_code == 200 and "Masuk ke dasbor" in page.text  # a preview uses nothing
    signed_in = other.post(link.group(1), data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert signed_in.status_code == 303 and "dtsen_staff=" in signed_in.headers["set-cookie"]
    assert other.get("/staff").status_code == 200

    again = dash.browser()
    page = again.get(link.group(1))
    used = again.post(link.group(1), data={"csrf": csrf_of(page.text)})
    assert used.status_code == 400 and "Tautan tidak berlaku" in used.text


# -- every route from the wrong area ----------------------------------------------------------


def _wrong_area_attempts(
    dash: Dashboard, ticket: str, objection: str, ref: str, meeting_id: int, item_id: int
) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, form) of every staff route, aimed at things outside the area."""
    base = f"/staff/musyawarah/{meeting_id}"
    return [
        ("GET", f"/staff/requests/{ticket}", {}),
        ("POST", f"/staff/requests/{ticket}/move", {"action": "agendakan"}),
        ("POST", f"/staff/requests/{ticket}/move", {"action": "tutup", "note": "ganda"}),
        ("POST", f"/staff/requests/{objection}/reveal", {}),
        ("POST", f"/staff/requests/{ticket}/erase", {"sure": "ya"}),
        ("GET", f"/staff/attachments/{ref}", {}),
        ("GET", base, {}),
        ("POST", f"{base}/items", {"ticket": [ticket]}),
        ("POST", f"{base}/items/{item_id}/decision", {"decision": "layak"}),
        ("POST", f"{base}/items/{item_id}/remove", {}),
        (
            "POST",
            f"{base}/close",
            {"ba_number": "1/BA/2026", "ba_date": "2026-12-01", "attendance": "Sri"},
        ),
        ("POST", f"{base}/minutes", {}),
        ("GET", f"{base}/minutes", {}),
        ("GET", f"{base}/agenda", {}),
        ("GET", f"{base}/agenda.xlsx", {}),
        ("GET", f"{base}/bnba.xlsx", {}),
        ("GET", f"{base}/bnba.csv", {}),
        (
            "POST",
            "/staff/bulk",
            {"ticket": [ticket], "intent": "agenda", "musyawarah_id": str(meeting_id)},
        ),
        (
            "POST",
            "/staff/musyawarah",
            {"village_code": VILLAGE, "held_on": "2026-12-05T09:00", "place": "Balai"},
        ),
        ("GET", f"/staff/export/bnba?area={VILLAGE}&fmt=xlsx", {}),
        ("GET", "/staff/export/bnba?area=32.04.05&fmt=csv", {}),
    ]


def _snapshot(dash: Dashboard) -> tuple[int, ...]:
    return (
        dash.count(StatusChange),
        dash.count(MusyawarahItem),
        dash.count(MusyawarahItem, col(MusyawarahItem.decision).is_not(None)),
        dash.count(Musyawarah),
        dash.count(Musyawarah, Musyawarah.status == "closed"),
        dash.count(OutboxNotification),
        dash.count(ExportLog),
        dash.count(AccessLog, AccessLog.action == "reveal_objector", col(AccessLog.allowed)),
    )


@pytest.mark.parametrize(
    ("role", "area"),
    [("village_operator", NEIGHBOUR), ("kecamatan", "32.04.06")],
    ids=["village-operator-of-another-desa", "kecamatan-staff-of-another-kecamatan"],
)
def test_every_route_from_the_wrong_area_is_refused_logged_and_changes_nothing(
    make_dashboard: Callable[..., Dashboard], db_engine: Engine, role: str, area: str
) -> None:
    dash = make_dashboard(db_engine.url.render_as_string(hide_password=False))
    dash.staff("sri", "village_operator", [VILLAGE])
    outsider = dash.staff("luar", role, [area])
    ticket, ref = dash.file_with_photo(chat_id="citizen-1")
    objection = dash.file("sanggahan")
    other = dash.file(chat_id="citizen-2", nik=NIK_C, members=[])
    owner = dash.login("sri")
    token = csrf_of(owner.get("/staff/musyawarah").text)
    planned = owner.post(
        "/staff/musyawarah",
        data={
            "csrf": token,
            "village_code": VILLAGE,
            "held_on": "2026-12-01T09:00",
            "place": "Balai",
        },
        follow_redirects=False,
    )
    meeting_id = int(planned.headers["location"].split("/")[-1].split("?")[0])
    added = owner.post(
        f"/staff/musyawarah/{meeting_id}/items",
        data={"csrf": token, "ticket": [other]},
        follow_redirects=False,
    )
    assert added.status_code == 303
    with Session(dash.engine) as session:
        item_id = session.exec(select(MusyawarahItem.id)).one()
    assert item_id is not None

    client = dash.login("luar")
    token = csrf_of(client.get("/staff").text)
    assert ticket not in client.get("/staff?closed=1").text  # not in the outsider's queue
    before = _snapshot(dash)
    for method, path, form in _wrong_area_attempts(
        dash, ticket, objection, ref, meeting_id, item_id
    ):
        logged = dash.refusals(outsider)
        if method == "GET":
            answer = client.get(path)
        elif path.endswith("/minutes"):
            answer = client.post(
                path, data={"csrf": token}, files={"minutes": ("ba.pdf", PDF, "application/pdf")}
            )
        else:
            answer = client.post(path, data={"csrf": token, **form})
        assert answer.status_code in (403, 404), (path, answer.status_code)
        assert "text/html" in answer.headers["content-type"]
        assert "3204" not in answer.text, path  # no NIK, KK or anything of the request
        assert dash.refusals(outsider) > logged, f"{method} {path} was not logged"
    # Bulk moving a request outside the area reports it as not found and moves nothing.
    logged = dash.refusals(outsider)
    report = client.post(
        "/staff/bulk", data={"csrf": token, "ticket": [ticket], "action": "teruskan"}
    )
    assert report.status_code == 200
    assert "tidak ditemukan di wilayah Anda" in report.text and "Berhasil (0)" in report.text
    assert dash.refusals(outsider) > logged
    assert _snapshot(dash) == before
    assert dash.request(ticket).status == "diterima"


# -- the queue --------------------------------------------------------------------------------


def test_another_areas_ticket_and_a_ticket_nobody_has_get_the_same_answer(
    make_dashboard: Callable[..., Dashboard], db_engine: Engine
) -> None:
    """Ticket probing (issue 9): every route that takes a ticket answers another area's
    ticket exactly as one that does not exist (status and page), and logs both."""
    dash = make_dashboard(db_engine.url.render_as_string(hide_password=False))
    dash.staff("sri", "village_operator", [VILLAGE])
    outsider = dash.staff("luar", "village_operator", [NEIGHBOUR])
    theirs = dash.file(chat_id="citizen-1")
    objection = dash.file("sanggahan")
    nobodys = "U7KQ4M9" if theirs != "U7KQ4M9" else "U7KQ4MA"
    client = dash.login("luar")
    token = csrf_of(client.get("/staff/musyawarah").text)
    planned = client.post(
        "/staff/musyawarah",
        data={
            "csrf": token,
            "village_code": NEIGHBOUR,
            "held_on": "2026-12-01T09:00",
            "place": "Balai",
        },
        follow_redirects=False,
    )
    assert planned.status_code == 303
    own_meeting = planned.headers["location"].split("/")[-1].split("?")[0]

    def answer(method: str, path: str, form: dict[str, Any], ticket: str) -> tuple[int, str]:
        logged = dash.refusals(outsider)
        path = path.format(t=ticket)
        form = {k: ([ticket] if v == "{t}" else v) for k, v in form.items()}
        if method == "GET":
            response = client.get(path)
        else:
            response = client.post(path, data={"csrf": token, **form})
        assert dash.refusals(outsider) > logged, f"{method} {path} was not logged"
        shown = response.text
        for code in (ticket, f"{ticket[0]}-{ticket[1:]}"):
            shown = shown.replace(code, "<ticket>")
        return response.status_code, CSRF_RE.sub("", shown)

    routes: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", "/staff/requests/{t}", {}),
        ("POST", "/staff/requests/{t}/move", {"action": "agendakan"}),
        ("POST", "/staff/requests/{t}/reveal", {}),
        ("POST", "/staff/bulk", {"ticket": "{t}", "action": "teruskan"}),
        (
            "POST",
            "/staff/bulk",
            {"ticket": "{t}", "intent": "agenda", "musyawarah_id": own_meeting},
        ),
        ("POST", f"/staff/musyawarah/{own_meeting}/items", {"ticket": "{t}"}),
        ("POST", "/staff/requests/{t}/erase", {"sure": "ya"}),
    ]
    for method, path, form in routes:
        target = objection if path.endswith("/reveal") else theirs
        assert answer(method, path, form, target) == answer(method, path, form, nobodys), path
    assert dash.request(theirs).status == "diterima"


def test_a_citizens_erasure_is_listed_for_its_area_and_erased_by_staff(
    make_dashboard: Callable[..., Dashboard], db_engine: Engine
) -> None:
    """ "Hapus data saya" (issue 9): the request waits in the queue of its area's staff
    only; erasing it anonymises it like retention does, logs it and tells the citizen."""
    dash = make_dashboard(db_engine.url.render_as_string(hide_password=False))
    dash.staff("sri", "village_operator", [VILLAGE])
    dash.staff("luar", "village_operator", [NEIGHBOUR])
    ticket, ref = dash.file_with_photo(chat_id="citizen-1")
    asked = datetime.now(UTC) - timedelta(hours=80)  # past its 72 hours
    with Session(dash.engine) as session, session.begin():
        ask_erasure(session, "telegram", "citizen-1", at=asked, withdrawn_flag="consent_withdrawn")
    shown = views.ticket_text(ticket)
    outsider = dash.login("luar").get("/staff").text
    assert "Permintaan hapus data" not in outsider and shown not in outsider
    client = dash.login("sri")
    queue = client.get("/staff").text
    assert "Permintaan hapus data dari warga (1)" in queue and shown in queue
    assert "(lewat)" in queue
    page = client.get(f"/staff/requests/{ticket}")
    assert "Warga meminta datanya dihapus" in page.text
    token = csrf_of(page.text)
    unsure = client.post(f"/staff/requests/{ticket}/erase", data={"csrf": token})
    assert unsure.status_code == 400 and dash.request(ticket).erased_at is None
    done = client.post(f"/staff/requests/{ticket}/erase", data={"csrf": token, "sure": "ya"})
    assert done.status_code == 200 and "sudah dihapus; warga diberi tahu" in done.text
    assert "Hapus data permohonan ini" not in done.text and "Tindakan" not in done.text
    erased = dash.request(ticket)
    assert (erased.nik, erased.name, erased.kk, erased.answers, erased.reply_to) == (
        "",
        "",
        None,
        {},
        "",
    )
    assert erased.erased_at is not None and erased.closed_at is not None
    assert {"anonymised", "erased", "consent_withdrawn"} <= set(erased.flags)
    assert client.get(f"/staff/attachments/{ref}").status_code == 404  # the photo is gone
    assert not list((dash.settings.data_dir / "attachments").rglob(ref))
    with Session(dash.engine) as session:
        [notice] = session.exec(
            select(OutboxNotification).where(OutboxNotification.kind == "data_erased")
        ).all()
        assert (notice.channel, notice.recipient) == ("telegram", "citizen-1")
        assert shown in notice.text and "sudah dihapus" in notice.text
        assert session.exec(
            select(AccessLog).where(AccessLog.action == "erase", col(AccessLog.allowed))
        ).one()
    assert "Permintaan hapus data" not in client.get("/staff").text
    again = client.post(f"/staff/requests/{ticket}/erase", data={"csrf": token, "sure": "ya"})
    assert again.status_code == 400


# Who erases (staff/erasure.py ERASER_ROLES, the service's choice) and an area of each role.
ERASERS = {
    "village_operator": VILLAGE,
    "village_head": VILLAGE,
    "siks_operator": VILLAGE,
    "dinsos_verifier": "32.04",
    "dinsos_head": "32.04",
    "admin": "*",
}
NOT_ERASERS = {"tksk": "32.04.05", "pendamping_pkh": "32.04.05", "kecamatan": "32.04.05"}


def test_only_the_data_keepers_erase_and_a_refusal_is_logged(
    make_dashboard: Callable[..., Dashboard], db_engine: Engine
) -> None:
    """ "Hapus data saya" is done by village staff, Dinas Sosial or an administrator, each
    in their area. A TKSK, PKH facilitator or kecamatan account sees that the citizen asked
    (the request is in its area) but has no erase button, no erasure list, and a forged
    erase POST is refused (403), logged, and changes nothing."""
    dash = make_dashboard(db_engine.url.render_as_string(hide_password=False))
    tickets = {}
    for role in ERASERS:
        chat = f"citizen-{role}"
        tickets[role] = dash.file(chat_id=chat, nik=fresh_nik())
        with Session(dash.engine) as session, session.begin():
            ask_erasure(session, "telegram", chat, at=datetime.now(UTC), withdrawn_flag="w")
    target = tickets["admin"]  # erased last: the refused roles try it first
    shown = views.ticket_text(target)

    for role, area in NOT_ERASERS.items():
        staff_id = dash.staff(role, role, [area])
        client = dash.login(role)
        queue = client.get("/staff").text
        assert "Permintaan hapus data" not in queue, role
        page = client.get(f"/staff/requests/{target}")
        assert "Warga meminta datanya dihapus" in page.text, role
        assert "Hapus data permohonan ini" not in page.text, role
        assert "bukan oleh peran Anda" in page.text, role
        logged = dash.refusals(staff_id)
        token = csrf_of(page.text)
        for form in ({"csrf": token, "sure": "ya"}, {"csrf": token}):
            refused = client.post(f"/staff/requests/{target}/erase", data=form)
            assert refused.status_code == 403, (role, refused.status_code)
            assert "Peran Anda tidak menghapus data warga" in refused.text
        assert dash.refusals(staff_id) == logged + 2, role
        with Session(dash.engine) as session:
            detail = session.exec(
                select(AccessLog.detail).where(
                    AccessLog.staff_id == staff_id, AccessLog.action == "erase"
                )
            ).first()
            assert detail == f"role: {role} does not erase"
        kept = dash.request(target)
        assert kept.erased_at is None and kept.nik != "" and kept.name == "Siti Aminah", role
    assert dash.count(OutboxNotification, OutboxNotification.kind == "data_erased") == 0

    for role, area in ERASERS.items():
        dash.staff(role, role, [area])
        client = dash.login(role)
        queue = client.get("/staff").text
        assert "Permintaan hapus data dari warga" in queue and shown in queue, role
        page = client.get(f"/staff/requests/{tickets[role]}")
        assert "Hapus data permohonan ini" in page.text, role
        done = client.post(
            f"/staff/requests/{tickets[role]}/erase",
            data={"csrf": csrf_of(page.text), "sure": "ya"},
        )
        assert done.status_code == 200 and "sudah dihapus" in done.text, role
        erased = dash.request(tickets[role])
        assert erased.erased_at is not None and (erased.nik, erased.name) == ("", ""), role
    assert dash.count(OutboxNotification, OutboxNotification.kind == "data_erased") == 6
    assert dash.count(AccessLog, AccessLog.action == "erase", col(AccessLog.allowed)) == 6


def test_the_queue_filters_and_shows_what_staff_need(
    make_dashboard: Callable[..., Dashboard], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Kab. Bandung with time standards of its own (the national default has none).
    dash = make_dashboard(workflows_dir=own_region_dir(tmp_path / "workflows"))
    dash.staff("sri", "village_operator", [VILLAGE])
    dash.staff("camat", "kecamatan", ["32.04.05"])
    old = datetime.now(UTC) - timedelta(days=30)
    late = dash.file(at=old, answers={"dusun": "Mekar", "rt": "003", "rw": "005"})
    double = dash.file(
        chat_id="c2",
        nik=NIK_C,
        members=[],
        flags=["member_in_other_request"],
        answers={"dusun": "Sukamaju", "rt": "001", "rw": "002"},
    )
    region = dash.file(
        chat_id="c3", nik=NIK_D, members=[], flags=["nik_kecamatan_unknown_confirmed"]
    )
    later = dash.file(chat_id="c4", nik="3204011111900005", members=[], flags=["members_later"])
    objection = dash.file("sanggahan")
    elsewhere = dash.file(chat_id="c5", nik="3204012222900006", village_code=NEIGHBOUR)
    client = dash.login("sri")

    def shown(query: str = "") -> set[str]:
        page = client.get("/staff" + query)
        assert page.status_code == 200
        return set(re.findall(r'class="ticket" href="/staff/requests/([US]-\w+)"', page.text))

    every = {views.ticket_text(t) for t in (late, double, region, later, objection)}
    assert shown() == every  # not the neighbouring desa's
    assert views.ticket_text(elsewhere) not in shown()
    assert shown("?kind=sanggahan") == {views.ticket_text(objection)}
    assert shown("?dusun=mekar") == {views.ticket_text(late)}
    assert shown("?rt=3&rw=5") == {views.ticket_text(late)}
    assert shown("?flag=member_in_other_request") == {views.ticket_text(double)}
    assert shown("?flag=nik_kecamatan_unknown_confirmed") == {views.ticket_text(region)}
    assert shown("?flag=members_later") == {views.ticket_text(later)}
    assert shown("?status=musyawarah") == set()
    assert "angka" in client.get("/staff?rt=abc").text

    page = client.get("/staff?dusun=mekar").text
    assert "TERLAMBAT" in page  # 30 days in "diterima" (5 working days)
    assert "Dugaan ganda" in client.get("/staff?flag=member_in_other_request").text
    assert NIK_A not in page and KK_A not in page  # lists never show NIK or KK
    sanggahan_page = client.get("/staff?kind=sanggahan").text
    assert "Disanggah: Orang Mampu" in sanggahan_page
    assert "Pelapor" not in sanggahan_page  # the objector's name is never listed

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    first, second, third = shown("?page=1"), shown("?page=2"), shown("?page=3")
    assert len(first) == len(second) == 2 and len(third) == 1
    assert first | second | third == every
    assert "Berikutnya" in client.get("/staff?page=1").text

    # "My work": the kecamatan sees only what waits for the kecamatan.
    camat = dash.login("camat")
    with Session(dash.engine) as session, session.begin():
        request = session.exec(select(Request).where(Request.ticket == later)).one()
        request.status = "verifikasi_kecamatan"
        session.add(request)
    assert views.ticket_text(elsewhere) in set(
        re.findall(r'href="/staff/requests/([US]-\w+)"', camat.get("/staff").text)
    )
    mine = set(re.findall(r'href="/staff/requests/([US]-\w+)"', camat.get("/staff?mine=1").text))
    assert mine == {views.ticket_text(later)}


def test_moving_a_request_needs_a_note_where_the_workflow_says(dash: Dashboard) -> None:
    dash.staff("sri", "village_operator", [VILLAGE])
    ticket = dash.file()
    client = dash.login("sri")
    page = client.get(f"/staff/requests/{ticket}")
    token = csrf_of(page.text)
    assert (
        "Masukkan agenda musyawarah" in page.text
        and "Tutup (ganda atau tidak lengkap)" in page.text
    )

    refused = client.post(
        f"/staff/requests/{ticket}/move", data={"csrf": token, "action": "tutup", "note": " "}
    )
    assert refused.status_code == 400 and "perlu catatan alasan" in refused.text
    assert dash.request(ticket).status == "diterima"
    assert dash.count(OutboxNotification) == 0

    moved = client.post(
        f"/staff/requests/{ticket}/move",
        data={"csrf": token, "action": "tutup", "note": "Sudah diusulkan lewat RT"},
        follow_redirects=False,
    )
    assert moved.status_code == 303
    # Closed before any meeting: its own stage, never "not eligible by the meeting".
    assert dash.request(ticket).status == "ditutup"
    assert dash.count(OutboxNotification, OutboxNotification.kind == "status_changed") == 1
    with Session(dash.engine) as session:
        notice = session.exec(
            select(OutboxNotification).where(OutboxNotification.kind == "status_changed")
        ).one()
    assert "Ditutup oleh petugas desa/kelurahan sebelum musyawarah desa/kelurahan" in notice.text
    assert "Menurut musyawarah" not in notice.text
    detail = client.get(moved.headers["location"]).text
    assert "Sudah diusulkan lewat RT" in detail and "Ditutup sebelum musyawarah" in detail
    assert "Tahap permohonan sudah diubah" in detail
    assert "Sri (Operator desa/kelurahan)" in detail  # who, in the timeline

    # Consent withdrawn: the request may only be closed, so only closing is offered.
    withdrawn = dash.file(chat_id="c2", nik=NIK_C, members=[], flags=["consent_withdrawn"])
    page = client.get(f"/staff/requests/{withdrawn}").text
    assert "Persetujuan ditarik" in page
    assert "Tutup (ganda atau tidak lengkap)" in page
    assert "Masukkan agenda musyawarah" not in page


def test_bulk_forwarding_reports_what_moved_and_what_was_refused(dash: Dashboard) -> None:
    dash.staff("camat", "kecamatan", ["32.04.05"])
    ready = [
        dash.file(chat_id=f"c{i}", nik=nik, members=[])
        for i, nik in enumerate(("3204011111900005", "3204012222900006"))
    ]
    waiting = dash.file(chat_id="c9", nik=NIK_C, members=[])
    outside = dash.file(chat_id="c8", nik=NIK_D, members=[], village_code=FAR_VILLAGE)
    with Session(dash.engine) as session, session.begin():
        for ticket in ready:
            request = session.exec(select(Request).where(Request.ticket == ticket)).one()
            request.status = "verifikasi_kecamatan"
            session.add(request)
    client = dash.login("camat")
    page = client.get("/staff")
    assert "Teruskan ke Dinas Sosial" in page.text
    report = client.post(
        "/staff/bulk",
        data={
            "csrf": csrf_of(page.text),
            "ticket": [*ready, waiting, outside],
            "action": "teruskan",
            "intent": "move",
        },
    )
    assert report.status_code == 200
    assert "Berhasil (2)" in report.text and "Ditolak (2)" in report.text
    assert "Verifikasi dan validasi Dinas Sosial" in report.text
    assert "tindakan ini tidak bisa dari tahap sekarang" in report.text
    assert "tidak ditemukan di wilayah Anda" in report.text
    assert [dash.request(t).status for t in ready] == ["verifikasi_dinsos"] * 2
    assert dash.request(waiting).status == "diterima"
    assert dash.request(outside).status == "diterima"


# -- one request ------------------------------------------------------------------------------


def test_the_detail_shows_numbers_photos_and_answers_to_staff_of_the_area(dash: Dashboard) -> None:
    dash.staff("sri", "village_operator", [VILLAGE])
    ticket, ref = dash.file_with_photo(
        answers={
            "floor": "tanah",
            "programmes": ["pkh", "bpnt"],
            "location": {"lat": -6.93, "lon": 107.72},
        }
    )
    client = dash.login("sri")
    page = client.get(f"/staff/requests/{ticket}").text
    assert NIK_A in page and KK_A in page and NIK_B in page  # in full: they check the KK
    assert "Cinunuk, Kec. Cileunyi, Kabupaten Bandung" in page
    assert "Lantai" in page and "Tanah" in page
    assert "PKH (bantuan tunai keluarga), Sembako / BPNT" in page
    assert "https://www.openstreetmap.org/?mlat=-6.930000&amp;mlon=107.720000" in page
    assert "<iframe" not in page
    assert f'src="/staff/attachments/{ref}"' in page

    photo = client.get(f"/staff/attachments/{ref}")
    assert photo.status_code == 200
    assert photo.headers["content-type"] == "image/png"
    assert photo.content == tiny_png()
    # What is shown is opened from the sealed file: on disk there is no PNG.
    on_disk = (dash.settings.data_dir / "attachments" / ref[:2] / ref[2:4] / ref).read_bytes()
    assert on_disk.startswith(b"v2:") and b"PNG" not in on_disk
    assert client.get("/staff/attachments/" + "0" * 32).status_code == 404


def test_the_detail_marks_the_answers_read_from_the_ktp_and_confirmed(dash: Dashboard) -> None:
    dash.staff("sri", "village_operator", [VILLAGE])
    confirmed = ["nik", "name", "rt", "street"]
    answers = {"rt": "003", "street": "Jl. Melati", "floor": "tanah", "card_confirmed": confirmed}
    ticket = dash.file(answers=answers)
    page = dash.login("sri").get(f"/staff/requests/{ticket}").text
    assert "Dibaca dari foto KTP dan dibenarkan warga: NIK, Nama, RT, Alamat." in page
    # Marked where they are listed (NIK and name sit in the headline); typed ones are not.
    assert page.count(">dari KTP</span>") == 2
    assert "card_confirmed" not in page


def test_photos_are_not_stored_by_browsers_or_proxies(dash: Dashboard) -> None:
    dash.staff("sri", "village_operator", [VILLAGE])
    _ticket, ref = dash.file_with_photo()
    photo = dash.login("sri").get(f"/staff/attachments/{ref}")
    assert "no-store" in photo.headers["cache-control"]


def test_the_objector_stays_masked_until_revealed_and_the_reveal_is_logged(
    dash: Dashboard,
) -> None:
    sri = dash.staff("sri", "village_operator", [VILLAGE])
    # As the chat stores them: with what it read from the objector's NIK next to it.
    answers = {
        "objection": "recipient_not_eligible",
        "reason": "sudah_mampu",
        "subject_name": "Orang Mampu",
        "subject_nik": NIK_D,
        "objector_nik": NIK_C,
        "objector_nik_birth_date": "2010-03-12",
        "objector_nik_sex": "L",
        "objector_name": "Ratna Sari",
        "village": VILLAGE,
        "village_label": "Cinunuk, Kec. Cileunyi, Kabupaten Bandung",
    }
    objection = dash.file("sanggahan", answers=answers, name="Ratna Sari")
    client = dash.login("sri")
    page = client.get(f"/staff/requests/{objection}").text
    assert NIK_C not in page and "Ratna Sari" not in page
    assert "3204********0003" in page and "(dirahasiakan)" in page
    assert NIK_D in page and "Orang Mampu" in page  # the person objected to
    assert "Sudah mampu" in page and "Ada penerima bantuan yang tidak layak" in page
    assert "2010" not in page and "12-03" not in page and "Laki-laki" not in page

    shown = client.post(f"/staff/requests/{objection}/reveal", data={"csrf": csrf_of(page)})
    assert shown.status_code == 200
    assert NIK_C in shown.text and "Ratna Sari" in shown.text
    with Session(dash.engine) as session:
        logged = session.exec(select(AccessLog).where(AccessLog.action == "reveal_objector")).one()
    assert (logged.staff_id, logged.allowed) == (sri, True)
    assert logged.target == f"request:{objection}"

    again = client.get(f"/staff/requests/{objection}").text
    assert NIK_C not in again and "Ratna Sari" not in again  # masked again next time
    assert "Membuka identitas pelapor" in again  # in the request's access history

    usulan = dash.file(chat_id="c2", nik=NIK_D, members=[])
    refused = client.post(f"/staff/requests/{usulan}/reveal", data={"csrf": csrf_of(page)})
    assert refused.status_code == 400


# -- the musyawarah ---------------------------------------------------------------------------


def test_a_musyawarah_from_plan_to_closing_notifies_every_citizen(dash: Dashboard) -> None:
    dash.staff("sri", "village_operator", [VILLAGE])
    first = dash.file(chat_id="warga-1", answers={"dusun": "Mekar", "rt": "003", "rw": "005"})
    second = dash.file(chat_id="warga-2", nik=NIK_C, members=[])
    objection = dash.file("sanggahan", chat_id="whatsapp:+628123")
    client = dash.login("sri")
    token = csrf_of(client.get("/staff/musyawarah").text)

    planned = client.post(
        "/staff/musyawarah",
        data={
            "csrf": token,
            "village_code": VILLAGE,
            "held_on": "2026-12-01T09:00",
            "place": "Balai Desa",
        },
        follow_redirects=False,
    )
    assert planned.status_code == 303
    meeting_page = planned.headers["location"].split("?")[0]
    meeting_id = int(meeting_page.rsplit("/", 1)[1])
    with Session(dash.engine) as session:
        meeting = session.get(Musyawarah, meeting_id)
        assert meeting is not None
        assert meeting.held_on == datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 09:00 WIB
    page = client.get(meeting_page).text
    assert "1 Des 2026 09:00" in page and "Balai Desa" in page
    assert all(views.ticket_text(t) in page for t in (first, second, objection))  # candidates

    # From the queue: two onto the agenda; from the meeting page: the third.
    queued = client.post(
        "/staff/bulk",
        data={
            "csrf": token,
            "ticket": [first, objection],
            "intent": "agenda",
            "musyawarah_id": str(meeting_id),
        },
        follow_redirects=False,
    )
    assert queued.status_code == 303
    added = client.post(
        f"{meeting_page}/items", data={"csrf": token, "ticket": [second]}, follow_redirects=False
    )
    assert added.status_code == 303
    assert {dash.request(t).status for t in (first, second, objection)} == {"musyawarah"}

    printed = client.get(f"{meeting_page}/agenda")
    assert printed.status_code == 200
    assert all(views.ticket_text(t) in printed.text for t in (first, second, objection))
    assert "Siti Aminah" in printed.text and "Disanggah: Orang Mampu" in printed.text
    # No NIK, no KK (the random CSRF token of the logout form may hold 16 digits in a row).
    assert not re.search(r"\d{16}", CSRF_RE.sub("", printed.text))
    assert "Pelapor" not in printed.text

    workbook = client.get(f"{meeting_page}/agenda.xlsx")
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(workbook.content), read_only=True).active
    assert sheet is not None
    rows = [tuple(c for c in row) for row in sheet.iter_rows(values_only=True)]
    header = rows.index(
        ("No", "Tiket", "Jenis", "Nama", "Dusun", "RT", "RW", "Tanda", "Keputusan", "Catatan")
    )
    items = rows[header + 1 :]
    assert [row[1] for row in items] == [views.ticket_text(t) for t in (first, objection, second)]
    assert items[0][4:7] == ("Mekar", "003", "005")
    assert not any(re.fullmatch(r"\d{16}", str(v)) for row in rows for v in row if v)

    with Session(dash.engine) as session:
        item_of = {
            request.ticket: item.id
            for item, request in session.exec(
                select(MusyawarahItem, Request).join(
                    Request, col(Request.id) == col(MusyawarahItem.request_id)
                )
            )
        }
    early_close = client.post(
        f"{meeting_page}/close",
        data={
            "csrf": token,
            "ba_number": "01/BA/2026",
            "ba_date": "2026-12-01",
            "attendance": "Sri",
        },
    )
    assert early_close.status_code == 409 and "Belum ada keputusan" in early_close.text

    no_reason = client.post(
        f"{meeting_page}/items/{item_of[second]}/decision",
        data={"csrf": token, "decision": "tidak_layak", "note": ""},
    )
    assert no_reason.status_code == 400 and "tulis alasannya" in no_reason.text
    # A sanggahan is decided in its own words: upheld or rejected, never "layak".
    page = client.get(meeting_page).text
    objection_item = page[page.index(f'id="item-{item_of[objection]}"') :]
    objection_item = objection_item[: objection_item.index("</li>")]
    assert "Sanggahan diterima — usulkan dikeluarkan/diperbaiki" in objection_item
    assert "Sanggahan ditolak — data tetap" in objection_item
    assert ">Layak" not in objection_item and "Tidak layak" not in objection_item
    for ticket, decision, note in (
        (first, "layak", ""),
        (objection, "diterima", "Terbukti sudah mampu"),
        (second, "tidak_layak", "Rumah permanen, penghasilan tetap"),
    ):
        answer = client.post(
            f"{meeting_page}/items/{item_of[ticket]}/decision",
            data={"csrf": token, "decision": decision, "note": note},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text

    before = dash.count(OutboxNotification)
    closed = client.post(
        f"{meeting_page}/close",
        data={
            "csrf": token,
            "ba_number": "01/BA/MUSDES/XII/2026",
            "ba_date": "2026-12-01",
            "p_name": ["Kepala Desa", "Sri", ""],
            "p_role": ["kepala_desa", "perangkat_desa", "lainnya"],
            "attendance": "\nKetua RW 05\n",
        },
        files={"minutes": ("berita-acara.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    assert closed.status_code == 303, closed.text
    assert dash.request(first).status == "verifikasi_kecamatan"
    assert dash.request(objection).status == "verifikasi_kecamatan"
    assert dash.request(second).status == "tidak_layak"
    with Session(dash.engine) as session:
        meeting = session.get(Musyawarah, meeting_id)
        assert meeting is not None and meeting.status == "closed"
        assert meeting.attendance == [
            {"name": "Kepala Desa", "role": "kepala_desa"},
            {"name": "Sri", "role": "perangkat_desa"},
            {"name": "Ketua RW 05", "role": "lainnya"},
        ]
        assert meeting.berita_acara_number == "01/BA/MUSDES/XII/2026"
        told = session.exec(
            select(OutboxNotification).order_by(col(OutboxNotification.id)).offset(before)
        ).all()
    assert dash.count(OutboxNotification) - before == 3
    assert sorted(n.recipient for n in told) == ["warga-1", "warga-2", "whatsapp:+628123"]
    reasons = [n.text for n in told if n.recipient == "warga-2"]
    assert "Rumah permanen, penghasilan tetap" in reasons[0]

    page = client.get(meeting_page).text
    assert "ditutup" in page and "01/BA/MUSDES/XII/2026" in page and "Ketua RW 05" in page
    assert "Keputusan: <strong>Sanggahan diterima — usulkan dikeluarkan/diperbaiki" in page
    # A late change is refused in the staff's language, saying why, and changes nothing.
    late = client.post(
        f"{meeting_page}/items/{item_of[second]}/decision",
        data={"csrf": token, "decision": "layak", "note": ""},
    )
    assert late.status_code == 400
    assert "Tidak bisa: musyawarah tanggal" in late.text and "sudah ditutup" in late.text
    assert dash.request(second).status == "tidak_layak"
    minutes = client.get(f"{meeting_page}/minutes")
    assert minutes.status_code == 200 and minutes.headers["content-type"] == "application/pdf"
    assert minutes.content == PDF
    # On disk the signed minutes are sealed: no PDF to be read from a copied data folder.
    [on_disk] = [p for p in (dash.settings.data_dir / "minutes").rglob("*") if p.is_file()]
    assert on_disk.read_bytes().startswith(b"v2:") and b"%PDF" not in on_disk.read_bytes()

    bnba = client.get(f"{meeting_page}/bnba.xlsx")
    assert bnba.status_code == 200
    assert bnba.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in bnba.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(bnba.content), read_only=True).active
    assert sheet is not None
    rows = [row for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == BNBA_COLUMNS
    # Only the layak usulan (the sanggahan is no proposal): Siti and her two members.
    assert [row[11] for row in rows[1:]] == ["Siti Aminah", "Budi Santoso", "Ani"]
    assert {row[10] for row in rows[1:]} == {NIK_A, NIK_B, None}
    text = client.get(f"{meeting_page}/bnba.csv").content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert tuple(lines[0]) == BNBA_COLUMNS and len(lines) == 4
    with Session(dash.engine) as session:
        exports = session.exec(select(ExportLog).order_by(col(ExportLog.id))).all()
    assert [(e.file_format, e.rows, e.musyawarah_id) for e in exports] == [
        ("xlsx", 3, meeting_id),
        ("csv", 3, meeting_id),
    ]


def test_a_sanggahan_is_moved_and_named_in_its_own_words(dash: Dashboard) -> None:
    dash.staff("sri", "village_operator", [VILLAGE])
    objection = dash.file("sanggahan", chat_id="warga-9")
    client = dash.login("sri")
    token = csrf_of(client.get(f"/staff/requests/{objection}").text)
    moved = client.post(
        f"/staff/requests/{objection}/move",
        data={"csrf": token, "action": "agendakan", "note": ""},
        follow_redirects=False,
    )
    assert moved.status_code == 303, moved.text

    page = client.get(f"/staff/requests/{objection}").text
    assert ">Sanggahan diterima — usulkan dikeluarkan/diperbaiki</button>" in page
    assert ">Sanggahan ditolak — data tetap</button>" in page
    assert ">Layak</button>" not in page and ">Tidak layak</button>" not in page
    assert "→ Sanggahan ditolak — data tetap (Musyawarah desa/kelurahan)" in page
    rejected = client.post(
        f"/staff/requests/{objection}/move",
        data={
            "csrf": token,
            "action": "tidak_layak",
            "note": "Penerima masih layak",
            "doc_number": "02/BA/MUSDES/XII/2026",
            "doc_date": "2026-12-01",
        },
        follow_redirects=False,
    )
    assert rejected.status_code == 303, rejected.text
    page = client.get(f"/staff/requests/{objection}").text
    assert "Sanggahan ditolak — data tetap (Musyawarah desa/kelurahan)" in page
    assert "Tidak layak menurut musyawarah" not in page
    with Session(dash.engine) as session:
        told = session.exec(
            select(OutboxNotification).where(OutboxNotification.chat_id == "warga-9")
        ).all()
    assert "sanggahan Anda ditolak. Data tetap seperti sekarang." in told[-1].text
    assert "mengusulkan lagi" not in told[-1].text


def test_a_laporan_perubahan_is_found_shown_decided_and_listed_in_its_own_words(
    dash: Dashboard,
) -> None:
    dash.staff("sri", "village_operator", [VILLAGE])
    answers = {
        "change": "death",
        "dusun": "Sukamaju",
        "rt": "002",
        "rw": "005",
        "member_name": "Siti Aminah",
        "death_date": "2026-11-20",
        "witness_name": "Ahmad Fauzi",
        "witness_phone": "+6281234567890",
    }
    death = dash.file("perubahan", chat_id="warga-7", answers=answers)
    dash.file()  # an usulan beside it
    client = dash.login("sri")

    def shown(query: str) -> set[str]:
        page = client.get("/staff" + query)
        assert page.status_code == 200
        return set(re.findall(r'class="ticket" href="/staff/requests/([USM]-\w+)"', page.text))

    only = {views.ticket_text(death)}
    assert shown("?kind=perubahan") == only
    assert shown("?flag=death_letter_missing") == only
    assert shown("?kind=perubahan&dusun=sukamaju&rt=2&rw=5") == only
    queue = client.get("/staff?kind=perubahan").text
    assert "Kematian tanpa surat (ada saksi)" in queue  # a filter
    # Whom it is about, and what: not only the reporter's name.
    assert "Anggota keluarga meninggal: Siti Aminah (dilaporkan Budi Santoso)" in queue

    page = client.get(f"/staff/requests/{death}").text
    assert "Laporan perubahan" in page and "Anggota keluarga meninggal" in page
    assert "Nama anggota keluarga" in page and "Nama saksi" in page and "Ahmad Fauzi" in page
    token = csrf_of(page)
    moved = client.post(
        f"/staff/requests/{death}/move",
        data={"csrf": token, "action": "agendakan", "note": ""},
        follow_redirects=False,
    )
    assert moved.status_code == 303, moved.text
    page = client.get(f"/staff/requests/{death}").text
    assert ">Perubahan diterima — diteruskan ke Dinas Sosial</button>" in page
    assert ">Perubahan ditolak — data tetap</button>" in page
    assert ">Layak</button>" not in page and ">Tidak layak</button>" not in page
    accepted = client.post(
        f"/staff/requests/{death}/move",
        data={
            "csrf": token,
            "action": "layak",
            "note": "",
            "doc_number": "03/BA/MUSDES/XII/2026",
            "doc_date": "2026-12-01",
        },
        follow_redirects=False,
    )
    assert accepted.status_code == 303, accepted.text
    with Session(dash.engine) as session:
        told = session.exec(
            select(OutboxNotification).where(OutboxNotification.chat_id == "warga-7")
        ).all()
    assert "laporan perubahan Anda diterima dan diteruskan ke Dinas Sosial" in told[-1].text
    assert "masuk DTSEN" not in told[-1].text

    assert 'value="perubahan"' in client.get("/staff/export").text
    listed = client.get(f"/staff/export/bnba?area={VILLAGE}&fmt=csv&daftar=perubahan")
    assert listed.status_code == 200
    assert listed.headers["content-disposition"].find("perubahan-") > 0
    rows = list(csv.DictReader(io.StringIO(listed.content.decode("utf-8-sig"))))
    assert [row["Tiket"] for row in rows] == [views.ticket_text(death)]
    assert rows[0]["Nama Anggota"] == "Siti Aminah" and rows[0]["Saksi"] == "Ahmad Fauzi"


def test_minutes_must_be_a_pdf_or_photo_of_at_most_10_mb(dash: Dashboard) -> None:
    dash.staff("sri", "village_operator", [VILLAGE])
    client = dash.login("sri")
    token = csrf_of(client.get("/staff/musyawarah").text)
    planned = client.post(
        "/staff/musyawarah",
        data={
            "csrf": token,
            "village_code": VILLAGE,
            "held_on": "2026-12-01T09:00",
            "place": "Balai",
        },
        follow_redirects=False,
    )
    page = planned.headers["location"].split("?")[0]
    form = {"csrf": token, "ba_number": "1", "ba_date": "2026-12-01", "attendance": "Sri"}
    wrong = client.post(
        f"{page}/close", data=form, files={"minutes": ("notes.txt", b"hello", "text/plain")}
    )
    assert wrong.status_code == 400 and "PDF atau foto" in wrong.text
    big = PDF + b"\0" * (10 * 1024 * 1024)
    too_big = client.post(
        f"{page}/close", data=form, files={"minutes": ("ba.pdf", big, "application/pdf")}
    )
    assert too_big.status_code == 400 and "10 MB" in too_big.text
    assert dash.count(Musyawarah, Musyawarah.status == "closed") == 0
    assert not list((dash.settings.data_dir / "minutes").rglob("*"))  # nothing stored
    # An empty agenda closes (nothing to move), with minutes uploaded later.
    closed = client.post(f"{page}/close", data=form, follow_redirects=False)
    assert closed.status_code == 303
    later = client.post(
        f"{page}/minutes",
        data={"csrf": token},
        files={"minutes": ("ba.png", tiny_png(), "image/png")},
        follow_redirects=False,
    )
    assert later.status_code == 303
    assert client.get(f"{page}/minutes").headers["content-type"] == "image/png"


def test_a_failure_on_the_server_is_a_page_and_keeps_nothing(dash: Dashboard) -> None:
    dash.staff("sri", "village_operator", [VILLAGE])
    client = dash.login("sri")
    token = csrf_of(client.get("/staff/musyawarah").text)
    planned = client.post(
        "/staff/musyawarah",
        data={
            "csrf": token,
            "village_code": VILLAGE,
            "held_on": "2026-12-01T09:00",
            "place": "Balai",
        },
        follow_redirects=False,
    )
    page = planned.headers["location"].split("?")[0]
    # The disk refuses: where the minutes go is a file, not a folder.
    dash.settings.data_dir.mkdir(parents=True, exist_ok=True)
    (dash.settings.data_dir / "minutes").write_bytes(b"")
    failed = client.post(
        f"{page}/minutes",
        data={"csrf": token},
        files={"minutes": ("ba.pdf", PDF, "application/pdf")},
    )
    assert failed.status_code == 500 and "text/html" in failed.headers["content-type"]
    assert "Terjadi kesalahan" in failed.text and "tidak disimpan" in failed.text
    with Session(dash.engine) as session:
        meeting = session.exec(select(Musyawarah)).one()
        assert meeting.minutes_ref is None


def test_the_export_page_gives_the_bnba_of_the_area(dash: Dashboard) -> None:
    sri = dash.staff("sri", "village_operator", [VILLAGE])
    dash.file()
    dash.file("sanggahan")
    client = dash.login("sri")
    page = client.get("/staff/export")
    assert page.status_code == 200 and "Cinunuk" in page.text
    answer = client.get(f"/staff/export/bnba?area={VILLAGE}&fmt=csv")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert len(rows) == 4  # header, Siti, Budi, Ani
    workbook = client.get(f"/staff/export/bnba?area={VILLAGE}&fmt=xlsx&status=musyawarah")
    sheet = load_workbook(io.BytesIO(workbook.content), read_only=True).active
    assert sheet is not None
    assert len(list(sheet.iter_rows(values_only=True))) == 1  # nobody at the musyawarah yet
    with Session(dash.engine) as session:
        exports = session.exec(select(ExportLog).order_by(col(ExportLog.id))).all()
    assert [(e.staff_id, e.area_code, e.file_format, e.rows) for e in exports] == [
        (sri, VILLAGE, "csv", 3),
        (sri, VILLAGE, "xlsx", 0),
    ]
    assert client.get("/staff/export/bnba?area=abc&fmt=csv").status_code == 400


def test_the_export_page_gives_each_kinds_list_and_withdrawn_requests_only_when_asked(
    dash: Dashboard,
) -> None:
    dash.staff("sri", "village_operator", [VILLAGE])
    kept = dash.file("sanggahan", chat_id="warga-1")
    gone = dash.file("sanggahan", chat_id="warga-2", subject_name="Sudah Ditarik")
    with Session(dash.engine) as session, session.begin():
        request = session.exec(select(Request).where(Request.ticket == gone)).one()
        request.flags = ["consent_withdrawn"]
        session.add(request)
    client = dash.login("sri")
    page = client.get("/staff/export").text
    assert 'value="sanggahan"' in page and 'name="ditarik"' in page

    default = client.get(f"/staff/export/bnba?area={VILLAGE}&fmt=csv&daftar=sanggahan")
    assert default.status_code == 200
    assert default.headers["content-disposition"].find("sanggahan-") > 0
    rows = list(csv.reader(io.StringIO(default.content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [views.ticket_text(kept)]
    assert rows[1][1:3] == ["Sanggahan", "Diterima"] and "Pelapor" not in default.text
    asked = client.get(f"/staff/export/bnba?area={VILLAGE}&fmt=csv&daftar=sanggahan&ditarik=1")
    rows = list(csv.reader(io.StringIO(asked.content.decode("utf-8-sig"))))
    assert sorted(row[0] for row in rows[1:]) == sorted(views.ticket_text(t) for t in (kept, gone))
    with Session(dash.engine) as session:
        exports = session.exec(select(ExportLog).order_by(col(ExportLog.id))).all()
    assert [(e.list_name, e.withdrawn_included, e.rows) for e in exports] == [
        ("sanggahan", False, 1),
        ("sanggahan", True, 2),
    ]
    assert client.get(f"/staff/export/bnba?area={VILLAGE}&daftar=lain").status_code == 400


def test_a_staff_member_sees_the_message_that_links_their_own_chat(dash: Dashboard) -> None:
    import re

    dash.staff("sri", "village_operator", [VILLAGE])
    page = dash.login("sri").get("/staff/chat")
    assert page.status_code == 200
    assert re.search(r"HUBUNGKAN sri [A-Z2-7]{8}", page.text)
    assert "Belum ada." in page.text  # no chat linked yet


def test_a_move_that_needs_an_sk_walikota_asks_for_it_and_the_timeline_shows_it(
    dash: Dashboard,
) -> None:
    """Kota Bima, 001 langkah 5: the SK Walikota is a requirement of the SIKS-NG input."""
    bima = "52.72.01.1001"
    dash.staff("kabid", "dinsos_head", ["52.72"])
    tickets = [
        dash.file(chat_id=f"bima-{n}", village_code=bima, nik=nik)
        for n, nik in enumerate((NIK_A, NIK_C))
    ]
    with Session(dash.engine) as session, session.begin():
        for ticket in tickets:
            row = session.exec(select(Request).where(Request.ticket == ticket)).one()
            row.status = "hasil_kabid"
            session.add(row)
    client = dash.login("kabid")
    page = client.get(f"/staff/requests/{views.ticket_text(tickets[0])}")
    assert "SK Wali Kota (wajib)" in page.text
    token = csrf_of(page.text)
    refused = client.post(
        f"/staff/requests/{views.ticket_text(tickets[0])}/move",
        data={"csrf": token, "action": "setujui"},
    )
    assert refused.status_code == 400 and "Isi nomor SK Wali Kota" in refused.text
    assert dash.request(tickets[0]).status == "hasil_kabid"

    # Both at once from the queue: one SK, recorded once, shown in each timeline.
    before = dash.count(TransitionDocument)
    done = client.post(
        "/staff/bulk",
        data={
            "csrf": token,
            "ticket": [views.ticket_text(t) for t in tickets],
            "action": "setujui",
            "doc_number": "400/125/KEP/2026",
            "doc_date": "2026-03-02",
        },
        files={"doc_file": ("sk.pdf", PDF, "application/pdf")},
    )
    assert done.status_code == 200, done.text
    assert [dash.request(t).status for t in tickets] == ["input_siks", "input_siks"]
    assert dash.count(TransitionDocument) - before == 1
    for ticket in tickets:
        detail = client.get(f"/staff/requests/{views.ticket_text(ticket)}").text
        assert "SK Wali Kota No. 400/125/KEP/2026, 2 Mar 2026" in detail
        assert "berkas belum diunggah" not in detail


def test_dinas_sosial_records_the_monthly_penetapan_by_request_or_by_list(
    dash: Dashboard,
) -> None:
    bima = "52.72.01.1001"
    dash.staff("kadis", "dinsos_head", ["52.72"])
    dash.staff("sri", "village_operator", [VILLAGE])
    first, second, third = (
        dash.file(chat_id=f"p-{n}", village_code=bima, nik=nik)
        for n, nik in enumerate((NIK_A, NIK_C, NIK_D))
    )
    with Session(dash.engine) as session, session.begin():
        for ticket in (first, second, third):
            row = session.exec(select(Request).where(Request.ticket == ticket)).one()
            row.status = "menunggu_penetapan"
            session.add(row)
    assert "Penetapan" not in dash.login("sri").get("/staff").text  # village staff: no menu
    client = dash.login("kadis")
    page = client.get("/staff/penetapan")
    assert page.status_code == 200 and "Menunggu penetapan (3)" in page.text
    token = csrf_of(page.text)
    missing = client.post(
        "/staff/penetapan", data={"csrf": token, "month": "2026-03", "issued_on": "2026-03-31"}
    )
    assert missing.status_code == 400 and "Pilih keputusan" in missing.text
    done = client.post(
        "/staff/penetapan",
        data={
            "csrf": token,
            "month": "2026-03",
            "issued_on": "2026-03-31",
            f"d_{first}": "ditetapkan",
            f"d_{second}": "",
        },
        files={
            "listing": (
                "penetapan.csv",
                f"tiket;keputusan;alasan\n{views.ticket_text(third)};tidak ditetapkan;"
                "Data ganda di DTSEN\n".encode(),
                "text/csv",
            )
        },
    )
    assert done.status_code == 200, done.text
    assert [dash.request(t).status for t in (first, second, third)] == [
        "ditetapkan_dtsen",
        "menunggu_penetapan",
        "tidak_ditetapkan",
    ]
    with Session(dash.engine) as session:
        texts = {
            n.recipient: n.text
            for n in session.exec(select(OutboxNotification).order_by(col(OutboxNotification.id)))
        }
    assert "masuk DTSEN" in texts["p-0"] and "Data ganda di DTSEN" in texts["p-2"]
    assert "p-1" not in texts
    detail = client.get(f"/staff/requests/{views.ticket_text(first)}").text
    assert "Penetapan Menteri Sosial No. Penetapan DTSEN Maret 2026" in detail


def test_bungo_staff_read_rio_and_the_field_check_records_its_psks_companions(
    dash: Dashboard,
) -> None:
    """Bungo's SOP: the Rio/Lurah compiles the list (A langkah 2); the field check is
    accompanied by PSKS (TKSK, Karang Taruna...) on a form (part C)."""
    village = "15.08.01.2001"
    dash.staff("rio", "village_head", [village])
    dash.staff("dinsos", "dinsos_verifier", ["15.08"])
    ticket = dash.file(chat_id="bungo-1", village_code=village)
    assert "Rio/Lurah" in dash.login("rio").get("/staff").text
    with Session(dash.engine) as session, session.begin():
        row = session.exec(select(Request).where(Request.ticket == ticket)).one()
        row.status = "validasi_dinsos"
        session.add(row)
    client = dash.login("dinsos")
    page = client.get(f"/staff/requests/{views.ticket_text(ticket)}")
    assert "Formulir verifikasi lapangan" in page.text
    moved = client.post(
        f"/staff/requests/{views.ticket_text(ticket)}/move",
        data={
            "csrf": csrf_of(page.text),
            "action": "valid",
            "doc_number": "VL/015/2026",
            "doc_date": "2026-03-02",
            "doc_note": "didampingi TKSK Sri dan Karang Taruna Desa",
        },
        follow_redirects=False,
    )
    assert moved.status_code == 303, moved.text
    detail = client.get(f"/staff/requests/{views.ticket_text(ticket)}").text
    assert "VL/015/2026" in detail and "didampingi TKSK Sri dan Karang Taruna Desa" in detail
    assert dash.request(ticket).status == "unggah_siks"
