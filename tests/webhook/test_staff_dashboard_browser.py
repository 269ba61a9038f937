"""The staff dashboard in headless Chromium against the real app (container, SQLite, files):
two usulan filed through the chat service, then a village operator signs in, opens the
queue, plans a musyawarah, puts both on the agenda, records the decisions, closes it and
downloads the BNBA, which opens in openpyxl. Screenshots at phone width go to
test-artifacts/staff-*.png.

Skipped when Chromium or Playwright's driver is missing, except under CI=true.
"""

from __future__ import annotations

import io
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from openpyxl import load_workbook
from sqlmodel import Session, col, select

from bot.inbound import InboundMessage, PhotoUpload
from bot.settings import Settings
from conversations.types import Location
from models.staff import add_staff
from models.tables import Musyawarah, OutboxNotification, Request
from staff.bnba import BNBA_COLUMNS
from tests.conversations.transcript import KK, NIK_MAN, NIK_WOMAN, USULAN_TYPED
from tests.models.factories import PDF
from tests.webhook.support import live_server, require_service, tiny_png
from webhook.app import create_app
from webhook.staff.routes import router as staff_router

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("CHROMIUM_EXECUTABLE", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
VILLAGE = "32.04.05.2004"  # Cinunuk: where the transcript's citizen lives
PASSWORD = "rahasia-desa-1"

# A second household in the same desa: other NIKs and KK, same birth date as the NIK says.
NIK_OTHER = "3204051708850009"
NIK_OTHER_WIFE = "3204055708850008"
KK_OTHER = "3204050101200004"
SECOND_USULAN = [
    (
        {NIK_MAN: NIK_OTHER, NIK_WOMAN: NIK_OTHER_WIFE, KK: KK_OTHER}.get(said, said)
        .replace(NIK_WOMAN, NIK_OTHER_WIFE)
        .replace("budi santoso", "ahmad fauzi")
        .replace("Sri Wahyuni", "Dewi Lestari")
        .replace("Rina", "Putri"),
        expected.replace("Sri Wahyuni", "Dewi Lestari").replace("Rina", "Putri"),
    )
    for said, expected in USULAN_TYPED
]


def _sync_playwright() -> Any:
    try:
        from playwright._impl._driver import compute_driver_executable
        from playwright.sync_api import sync_playwright
    except ImportError:
        require_service("the playwright package is not installed")
    if not all(Path(part).exists() for part in compute_driver_executable()):
        require_service("Playwright's driver is missing (reinstall the playwright package)")
    if not CHROMIUM.exists():
        require_service(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    return sync_playwright


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium for this module; module-scoped so Playwright's loop ends with it."""
    sync_playwright = _sync_playwright()
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Server:
    url: str
    app: FastAPI


@pytest.fixture
def server(browser: Any, tmp_path: Path) -> Iterator[Server]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'dtsen.db'}",
        data_dir=tmp_path / "var",
        redis_url=None,
        simulator_enabled=True,
        secret_key="browser-test-secret",
        worker_in_serve=False,  # the outbox keeps what was written, for the assertions
    )
    app = create_app(settings)
    if not any(getattr(route, "path", "").startswith("/staff/login") for route in app.routes):
        app.include_router(staff_router)
    with live_server(app) as url:
        yield Server(url.rstrip("/"), app)


class Citizen:
    """Someone filing through the real chat service, numbering messages like a provider."""

    def __init__(self, service: Any, sender: str) -> None:
        self.service = service
        self.sender = sender
        self.prefix = uuid.uuid4().hex
        self.counter = 0

    def send(self, **fields: Any) -> str:
        self.counter += 1
        message = InboundMessage(
            channel="simulator",
            sender=self.sender,
            message_id=f"{self.prefix}-{self.counter}",
            **fields,
        )
        return "\n".join(reply.text for reply in self.service.handle(message).replies)

    def file_usulan(self, lines: list[tuple[str, str]]) -> str:
        for said, expected in lines:
            answer = self.send(text=said)
            assert expected in answer, f"after {said!r} expected {expected!r} in:\n{answer}"
        self.send(photo=PhotoUpload(tiny_png(), "image/png"))
        self.send(photo=PhotoUpload(tiny_png(), "image/png"))
        self.send(location=Location(-6.93, 107.72))
        assert "Ringkasan" in self.send(text="0812 3456 7890")
        done = self.send(text="ya")
        found = re.search(r"Kode tiket: ([US]-\w+)", done)
        assert found, done
        return found.group(1)


def snapshot(page: Any, name: str) -> None:
    """For people to look at (test-artifacts/ is git-ignored); asserts nothing."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_a_village_operator_runs_a_musyawarah_in_the_browser(browser: Any, server: Server) -> None:
    from playwright.sync_api import expect

    container = server.app.state.container
    first = Citizen(container.service, "6281111111111").file_usulan(USULAN_TYPED)
    second = Citizen(container.service, "6282222222222").file_usulan(SECOND_USULAN)
    with Session(container.engine) as session, session.begin():
        add_staff(
            session,
            username="sri",
            display_name="Sri Mulyani",
            role="village_operator",
            areas=[VILLAGE],
            password_hash=PasswordHasher().hash(PASSWORD),
            at=datetime.now(UTC),
        )

    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        locale="id-ID",
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    # A CSP violation is reported on the console; failed loads are checked by their responses.
    page.on(
        "console",
        lambda msg: (
            problems.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda answer: (
            problems.append(f"{answer.status} {answer.url}")
            if answer.status >= 400
            and not answer.url.endswith("/staff/login")  # the wrong password
            else None
        ),
    )

    # Sign in.
    page.goto(server.url + "/staff")
    expect(page).to_have_url(re.compile(r"/staff/login$"))
    snapshot(page, "staff-login.png")
    page.get_by_label("Nama pengguna").first.fill("sri")
    page.get_by_label("Kata sandi").fill("salah")
    page.get_by_role("button", name="Masuk", exact=True).click()
    expect(page.locator(".alert.error")).to_have_text("Nama pengguna atau kata sandi salah.")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()

    # The queue: both usulan, newest first, with the household and the stage.
    expect(page.get_by_role("heading", name="Antrean permohonan")).to_be_visible()
    tickets = page.locator("a.ticket")
    expect(tickets).to_have_count(2)
    expect(tickets.first).to_have_text(second)
    expect(page.locator("tbody")).to_contain_text("Budi Santoso")  # the proposed person
    expect(page.locator("tbody")).to_contain_text("Diterima")
    expect(page.locator("tbody")).not_to_contain_text(NIK_MAN)
    snapshot(page, "staff-queue.png")

    # One request's detail: full NIK for staff of the area, answers, photos, timeline.
    page.get_by_role("link", name=first).click()
    expect(page.get_by_role("heading", name=re.compile(first))).to_be_visible()
    expect(page.locator("main")).to_contain_text(NIK_MAN)
    expect(page.locator("main")).to_contain_text("Buruh harian lepas")
    expect(page.locator(".photos img")).to_have_count(2)
    page.locator(".photos img").first.scroll_into_view_if_needed()  # loading="lazy"
    expect(page.locator(".photos img").first).to_have_js_property("complete", True)
    assert page.locator(".photos img").first.evaluate("img => img.naturalWidth") > 0
    snapshot(page, "staff-request.png")

    # Plan a musyawarah.
    page.get_by_role("link", name="Musyawarah").click()
    page.get_by_label("Tanggal dan jam").fill("2026-12-01T09:00")
    page.get_by_label("Tempat").fill("Balai Desa Cinunuk")
    snapshot(page, "staff-musyawarah-plan.png")
    page.get_by_role("button", name="Rencanakan").click()
    expect(page.locator(".alert.ok")).to_contain_text("Musyawarah sudah direncanakan")

    # Both requests onto its agenda.
    candidates = page.locator('ul.candidates input[name="ticket"]')
    expect(candidates).to_have_count(2)
    for index in range(2):
        candidates.nth(index).check()
    page.get_by_role("button", name="Masukkan agenda").click()
    expect(page.locator(".alert.ok")).to_contain_text("Permohonan sudah masuk agenda")
    items = page.locator("ol.agenda > li")
    expect(items).to_have_count(2)

    # Decisions: the first household layak, the second not (with the reason).
    first_item = items.filter(has_text=first)
    first_item.get_by_label("Layak", exact=True).check()
    first_item.get_by_role("button", name="Simpan keputusan").click()
    expect(page.locator(".alert.ok")).to_contain_text("Keputusan disimpan")
    second_item = page.locator("ol.agenda > li").filter(has_text=second)
    second_item.get_by_label("Tidak layak", exact=True).check()
    second_item.get_by_label("Catatan").fill("Sudah menerima bantuan dari program daerah")
    second_item.get_by_role("button", name="Simpan keputusan").click()
    expect(page.locator(".alert.ok")).to_contain_text("Keputusan disimpan")
    expect(page.locator(".saved")).to_have_count(2)
    snapshot(page, "staff-musyawarah-agenda.png")

    # The printable agenda (no NIK).
    page.get_by_role("link", name="Cetak agenda").click()
    expect(page.locator("table.agenda-table tbody tr")).to_have_count(2)
    expect(page.locator(".sheet")).not_to_contain_text(NIK_MAN)
    snapshot(page, "staff-agenda-print.png")
    page.get_by_role("link", name="Kembali").click()

    # Close it with the Berita Acara, attendance and the signed minutes.
    page.get_by_label("Nomor berita acara").fill("01/BA/MUSDES/XII/2026")
    page.get_by_label("Nama peserta 1", exact=True).fill("Kepala Desa Cinunuk")
    page.get_by_label("Peran peserta 1", exact=True).select_option(label="Kepala desa/lurah")
    page.get_by_label("Peserta lain").fill("Sri Mulyani\nKetua RW 05")
    page.get_by_label(re.compile("Berita acara bertanda tangan")).set_input_files(
        {"name": "berita-acara.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Tutup musyawarah").click()
    expect(page.locator(".alert.ok")).to_contain_text("Musyawarah ditutup")
    expect(page.locator("main")).to_contain_text("01/BA/MUSDES/XII/2026")
    snapshot(page, "staff-musyawarah-closed.png")

    # The BNBA of the meeting: the layak household, one row per person.
    with page.expect_download() as waiting:
        page.get_by_role("link", name="BNBA layak (XLSX)").click()
    download = waiting.value
    assert download.suggested_filename.endswith(".xlsx")
    # openpyxl goes by the file name's extension; the download's temporary path has none.
    sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes()), read_only=True).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == BNBA_COLUMNS
    assert [(row[10], row[11]) for row in rows[1:]] == [
        (NIK_MAN, "Budi Santoso"),
        (NIK_WOMAN, "Sri Wahyuni"),
        (None, "Rina"),
    ]
    assert {row[4] for row in rows[1:]} == {"Cinunuk"}

    # The area export form, and the queue on a wide screen, for people to look at.
    page.get_by_role("link", name="Ekspor daftar").click()
    expect(page.get_by_role("button", name="Unduh")).to_be_visible()
    snapshot(page, "staff-export.png")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(server.url + "/staff?closed=1")
    snapshot(page, "staff-queue-wide.png")
    context.close()
    assert problems == [], f"errors in the browser: {problems}"

    with Session(container.engine) as session:
        meeting = session.exec(select(Musyawarah)).one()
        assert meeting.status == "closed" and meeting.minutes_ref
        statuses = {
            r.ticket: r.status for r in session.exec(select(Request).order_by(col(Request.id)))
        }
        told = session.exec(
            select(OutboxNotification.recipient, OutboxNotification.request_id).where(
                OutboxNotification.kind == "status_changed"
            )
        ).all()
    assert sorted(statuses.values()) == ["tidak_layak", "verifikasi_kecamatan"]
    # Each citizen was told twice: on the agenda, then the meeting's decision.
    assert sorted(chat for chat, _request in told) == [
        "6281111111111",
        "6281111111111",
        "6282222222222",
        "6282222222222",
    ]


KAPUAS_VILLAGE = "61.06.01.2004"  # Pala Pulau, Putussibau Utara, Kapuas Hulu
KAPUAS_ROLES = [
    ("TKSK", "Yohanes"),
    ("Pendamping PKH", "Maria"),
    ("Babinsa", "Serka Antonius"),
    ("Babinkamtibmas", "Bripka Dedi"),
    ("Perangkat desa/kelurahan", "Sekdes Lukas"),
    ("RT", "Pak Stefanus"),
    ("RW", "Pak Herman"),
    ("Kepala Dusun", "Pak Robertus"),
    ("Tokoh Masyarakat", "Temenggung Ambrosius"),
    ("BPD", "Ibu Theresia"),
]


def test_a_kapuas_hulu_musdes_needs_its_roles_and_prints_them_in_the_berita_acara(
    browser: Any, server: Server
) -> None:
    """Surat Dinsos Kapuas Hulu 400.9.11.1/2100 angka 6 huruf b: closing is refused until
    every role of the circular is present; the Berita Acara lists everyone with the role."""
    from playwright.sync_api import expect

    from models.requests import create_request
    from tests.models.factories import new_usulan

    container = server.app.state.container
    with Session(container.engine) as session, session.begin():
        request = create_request(
            session,
            new_usulan(village_code=KAPUAS_VILLAGE, name="Agustinus Lawing"),
            now=datetime.now(UTC),
        )
        ticket = f"{request.ticket[0]}-{request.ticket[1:]}"
        add_staff(
            session,
            username="kades",
            display_name="Kepala Desa Pala Pulau",
            role="village_head",
            areas=[KAPUAS_VILLAGE],
            password_hash=PasswordHasher().hash(PASSWORD),
            at=datetime.now(UTC),
        )
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, locale="id-ID"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))

    page.goto(server.url + "/staff/login")
    page.get_by_label("Nama pengguna").first.fill("kades")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()
    page.get_by_role("link", name="Musyawarah").click()
    # The circular's musdes is periodic: the dashboard proposes the date.
    expect(page.locator("main")).to_contain_text("Musyawarah berkala")
    page.get_by_label("Tempat").fill("Kantor Desa Pala Pulau")
    page.get_by_role("button", name="Rencanakan").click()
    page.locator('ul.candidates input[name="ticket"]').first.check()
    page.get_by_role("button", name="Masukkan agenda").click()
    item = page.locator("ol.agenda > li").filter(has_text=ticket)
    item.get_by_label("Layak", exact=True).check()
    item.get_by_role("button", name="Simpan keputusan").click()
    expect(page.locator(".alert.ok")).to_contain_text("Keputusan disimpan")
    expect(page.locator("fieldset.participants")).to_contain_text("Wajib hadir")

    # Everyone but the Babinsa: refused, nothing moved, what was typed is kept.
    page.get_by_label("Nomor berita acara").fill("140/07/BA-MUSDES/2026")
    for index, (role, name) in enumerate(KAPUAS_ROLES, start=1):
        if role != "Babinsa":
            page.get_by_label(f"Nama peserta {index}", exact=True).fill(name)
        page.get_by_label(f"Peran peserta {index}", exact=True).select_option(label=role)
    page.get_by_label("Nama peserta 11", exact=True).fill("Ibu Veronika")
    page.get_by_role("button", name="Tutup musyawarah").click()
    expect(page.locator(".alert.error")).to_contain_text("Babinsa")
    expect(page.get_by_label("Nama peserta 1", exact=True)).to_have_value("Yohanes")

    babinsa = 1 + [role for role, _name in KAPUAS_ROLES].index("Babinsa")
    page.get_by_label(f"Nama peserta {babinsa}", exact=True).fill("Serka Antonius")
    page.get_by_label("Nomor berita acara").fill("140/07/BA-MUSDES/2026")
    page.get_by_role("button", name="Tutup musyawarah").click()
    expect(page.locator(".alert.ok")).to_contain_text("Musyawarah ditutup")

    page.get_by_role("link", name="Cetak berita acara").click()
    rows = page.locator("table.participants-table tbody tr")
    expect(rows).to_have_count(len(KAPUAS_ROLES) + 1)
    for role, name in KAPUAS_ROLES:
        expect(rows.filter(has_text=name)).to_contain_text(role)
    expect(rows.filter(has_text="Ibu Veronika")).to_contain_text("Peserta lain")
    expect(page.locator(".sheet")).to_contain_text("140/07/BA-MUSDES/2026")
    expect(page.locator(".sheet")).to_contain_text(ticket)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the Berita Acara is {width}px wide at 390px"
    snapshot(page, "staff-berita-acara-kapuas-hulu.png")
    context.close()
    assert problems == [], f"errors in the browser: {problems}"
    with Session(container.engine) as session:
        moved = session.exec(select(Request)).one()
    assert moved.status == "input_siks_desa"


def test_a_sanggahan_goes_through_a_musyawarah_in_its_own_words(
    browser: Any, server: Server
) -> None:
    """A sanggahan filed over the chat, found in the queue by the dusun of the person
    objected to, decided at a musyawarah as "Sanggahan ditolak — data tetap" and closed:
    the citizen's notice says the objection was rejected, never "mengusulkan lagi"."""
    from playwright.sync_api import expect

    from tests.staff.test_sanggahan_outcome import OBJECTION, REJECTED

    container = server.app.state.container
    citizen = Citizen(container.service, "6283333333333")
    for said, expected in OBJECTION["id"]:
        answer = citizen.send(text=said)
        assert expected in answer, f"after {said!r} expected {expected!r} in:\n{answer}"
    found = re.search(r"Kode tiket: (S-\w+)", citizen.send(text="ya"))
    assert found
    ticket = found.group(1)
    with Session(container.engine) as session, session.begin():
        add_staff(
            session,
            username="sri",
            display_name="Sri Mulyani",
            role="village_operator",
            areas=[VILLAGE],
            password_hash=PasswordHasher().hash(PASSWORD),
            at=datetime.now(UTC),
        )
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID")
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto(server.url + "/staff/login")
    page.get_by_label("Nama pengguna").first.fill("sri")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()

    # The queue narrowed to the dusun of the person objected to finds it.
    page.goto(server.url + "/staff?kind=sanggahan&dusun=sukamaju")
    expect(page.locator("a.ticket")).to_have_count(1)
    expect(page.locator("a.ticket")).to_have_text(ticket)
    expect(page.locator("tbody")).to_contain_text("Haji Darmawan")

    # A musyawarah with the sanggahan on its agenda, decided in a sanggahan's words.
    page.get_by_role("link", name="Musyawarah").click()
    page.get_by_label("Tanggal dan jam").fill("2026-12-01T09:00")
    page.get_by_label("Tempat").fill("Balai Desa Cinunuk")
    page.get_by_role("button", name="Rencanakan").click()
    page.locator('ul.candidates input[name="ticket"]').first.check()
    page.get_by_role("button", name="Masukkan agenda").click()
    item = page.locator("ol.agenda > li").filter(has_text=ticket)
    upheld = "Sanggahan diterima — usulkan dikeluarkan/diperbaiki"
    expect(item.get_by_role("radio", name=upheld)).to_be_visible()
    expect(item.get_by_label("Layak", exact=True)).to_have_count(0)
    item.get_by_role("radio", name="Sanggahan ditolak — data tetap").check()
    item.get_by_role("button", name="Simpan keputusan").click()
    expect(page.locator(".alert.error")).to_contain_text("tulis alasannya")
    item = page.locator("ol.agenda > li").filter(has_text=ticket)
    item.get_by_role("radio", name="Sanggahan ditolak — data tetap").check()
    item.get_by_role("textbox", name=re.compile("Catatan")).fill(
        "Penerima masih tinggal di alamat itu dan belum mampu"
    )
    item.get_by_role("button", name="Simpan keputusan").click()
    expect(page.locator(".saved")).to_contain_text("Sanggahan ditolak — data tetap")
    snapshot(page, "staff-musyawarah-sanggahan.png")

    page.get_by_label("Nomor berita acara").fill("02/BA/MUSDES/XII/2026")
    page.get_by_label("Nama peserta 1", exact=True).fill("Kepala Desa Cinunuk")
    page.get_by_label("Peran peserta 1", exact=True).select_option(label="Kepala desa/lurah")
    page.get_by_role("button", name="Tutup musyawarah").click()
    expect(page.locator(".alert.ok")).to_contain_text("Musyawarah ditutup")
    expect(page.locator("main")).to_contain_text("Keputusan: Sanggahan ditolak — data tetap")
    snapshot(page, "staff-musyawarah-sanggahan-closed.png")
    page.get_by_role("link", name=ticket).click()
    expect(page.locator("main")).to_contain_text("Sanggahan ditolak — data tetap")
    expect(page.locator("main")).not_to_contain_text("Tidak layak menurut musyawarah")
    snapshot(page, "staff-request-sanggahan.png")
    context.close()
    assert problems == [], f"errors in the browser: {problems}"

    with Session(container.engine) as session:
        notice = session.exec(
            select(OutboxNotification)
            .where(OutboxNotification.kind == "status_changed")
            .order_by(col(OutboxNotification.id).desc())
        ).first()
    assert notice is not None
    assert notice.text == REJECTED["id"].format(ticket=ticket)
