"""The chat page in headless Chromium against the real app (engine, service, SQLite).

Skipped when Chromium or Playwright's driver is missing, except under CI=true, where a
missing browser is a broken CI image and fails the run.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.settings import Settings
from tests.webhook.support import (
    FakeService,
    live_server,
    require_service,
    settings_for_test,
    tiny_png,
)
from webhook.app import create_app

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
# Jakarta; what the granted geolocation reports.
LAT, LON = -6.2088, 106.8456


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


@pytest.fixture
def base_url(tmp_path: Path) -> Iterator[str]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'dtsen.db'}",
        data_dir=tmp_path / "var",
        redis_url=None,
        simulator_enabled=True,
    )
    with live_server(create_app(settings)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium for this module (each test gets a fresh context). Module-scoped, not
    session-scoped, so Playwright's event loop is gone before other modules' tests run."""
    sync_playwright = _sync_playwright()
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


# `browser` comes first: a missing Chromium skips before any server is started.
@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    yield from _browse(browser, base_url)


@pytest.fixture
def fake_page(browser: Any) -> Iterator[Any]:
    """The page against the echoing fake service: reply shapes the real flows rarely send."""
    with live_server(create_app(settings_for_test(), service=FakeService())) as url:
        yield from _browse(browser, url)


@pytest.fixture
def phone_page(browser: Any, base_url: str) -> Iterator[Any]:
    """A common phone width (390 px), for the screenshots people look at."""
    yield from _browse(browser, base_url, width=390, height=844)


def _browse(browser: Any, base_url: str, *, width: int = 360, height: int = 740) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": width, "height": height},
        device_scale_factor=2,
        locale="id-ID",
        geolocation={"latitude": LAT, "longitude": LON},
        permissions=["geolocation"],
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(base_url)
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def snapshot(page: Any, name: str) -> None:
    """For people to look at (test-artifacts/ is git-ignored); asserts nothing."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


class Chat:
    """The test's hands on the page: type, press a button, read the last bubbles."""

    def __init__(self, page: Any) -> None:
        from playwright.sync_api import expect

        self.page = page
        self.expect = expect

    def idle(self) -> None:
        self.expect(self.page.locator("#send")).to_be_enabled()

    def bot_says(self, text: str) -> None:
        self.idle()
        self.expect(self.page.locator(".msg.bot").last).to_contain_text(text)

    def bot_said(self, text: str) -> None:
        """Somewhere in the last batch, not necessarily its final bubble."""
        self.idle()
        self.expect(self.page.locator(".msg.bot").filter(has_text=text).last).to_be_visible()

    def type(self, text: str) -> None:
        self.idle()
        self.page.fill("#text", text)
        self.page.press("#text", "Enter")
        self.expect(self.page.locator(".msg.user").last).to_have_text(text)

    def press(self, label: str, *, number: int | None = None) -> None:
        """Press the live button showing `label` (and its number, when it has one)."""
        self.idle()
        name = f"{number}. {label}" if number is not None else label
        button = self.page.locator(".choices button:enabled").filter(
            has_text=re.compile("^" + re.escape(name))
        )
        self.expect(button).to_have_count(1)
        button.click()
        # The user's bubble shows the label, without the number.
        self.expect(self.page.locator(".msg.user").last).to_have_text(label)


def test_check_status_then_an_objection_filed_and_found_again(page: Any) -> None:
    chat = Chat(page)
    expect = chat.expect

    # The bot speaks first (the page sends "menu" on load): the main menu, as buttons.
    chat.bot_says("Apa yang ingin Anda lakukan?")
    expect(page.locator(".choices button").first).to_have_text("1. Usulan mandiri (daftar DTSEN)")
    expect(page.locator(".choices button")).to_have_count(8)
    assert page.locator(".msg.user").count() == 0  # the automatic "menu" is not shown
    snapshot(page, "chat-page-menu.png")

    # Typing "menu" opens it again; the earlier buttons fold away and cannot be pressed.
    chat.type("menu")
    chat.bot_says("Apa yang ingin Anda lakukan?")
    expect(page.locator(".choices button:enabled")).to_have_count(8)
    expect(page.locator(".choices.retired button:disabled")).to_have_count(8)
    expect(page.locator(".choices.retired")).to_be_hidden()

    # Cek status -> my requests: none yet.
    chat.press("Cek status permohonan", number=5)
    chat.bot_says("Permohonan mana yang ingin Anda lihat?")
    chat.press("Permohonan saya (dari chat ini)", number=1)
    chat.bot_said("Belum ada permohonan yang dikirim dari chat ini.")

    # Sanggahan, with buttons and typed answers, as far as the photo and the location.
    chat.type("menu")
    chat.press("Sanggahan (keberatan data)", number=2)
    chat.bot_says("Apakah Anda setuju?")
    chat.press("Saya setuju", number=1)
    chat.press("Ada penerima bantuan yang tidak layak", number=1)
    chat.bot_says("Di desa/kelurahan mana")
    chat.type("sukamaju")
    chat.press("Sukamaju, Kec. Tigapanah, Kabupaten Karo", number=1)
    chat.bot_says("Nama lengkap orang yang disanggah?")
    chat.type("Budi Santoso")
    for question in ("NIK orang itu", "Dusun", "Nomor RT", "Nomor RW"):
        chat.bot_says(question)
        chat.press("Lewati", number=1)
    chat.bot_says("Bantuan apa yang diterima orang itu?")
    chat.type("1 2")
    chat.bot_says("Apa alasannya?")
    chat.press("Sudah mampu", number=1)
    chat.bot_says("Ceritakan singkat")
    # Multi-line replies keep their line breaks (white-space: pre-wrap, textContent).
    expect(page.locator(".msg.bot", has_text="Sebelum mulai").last).to_have_css(
        "white-space", "pre-wrap"
    )
    chat.type("Rumahnya bertingkat dan punya mobil baru.")

    chat.bot_says("Kirim foto rumah orang itu")
    photo_button = page.locator("#photo-button")
    expect(photo_button).to_be_visible()
    expect(photo_button).to_have_text(re.compile("Kirim foto"))
    expect(page.locator("#location-button")).to_be_hidden()
    snapshot(page, "chat-page-photo-step.png")
    page.set_input_files(
        "#photo-input", {"name": "bukti.png", "mimeType": "image/png", "buffer": tiny_png()}
    )
    thumbnail = page.locator(".msg.user.photo img")
    expect(thumbnail).to_be_visible()
    expect(thumbnail).to_have_attribute("src", re.compile("^data:image/png;base64,"))

    chat.bot_says("Bagikan lokasi rumah itu")
    expect(photo_button).to_be_hidden()
    page.click("#location-button")  # geolocation is granted in this browser context
    expect(page.locator(".msg.user").last).to_have_text("Lokasi dibagikan: -6.20880, 106.84560")
    chat.bot_says("Ketik NIK Anda")
    expect(page.locator("#attachments")).to_be_hidden()
    snapshot(page, "chat-page.png")

    # The objector's own data, the summary (NIK masked), and the ticket.
    chat.type("3204 0557 0885 0002")
    chat.bot_says("Nama lengkap Anda")
    chat.type("Sri Wahyuni")
    chat.bot_said("Ringkasan sanggahan Anda")
    chat.bot_said("3204********0002")
    chat.press("Ya, kirim")  # shown without a number: numbers in the summary pick fields
    chat.bot_said("Kode tiket: S-")
    snapshot(page, "chat-page-submitted.png")

    # And cek status now shows it, with its timeline.
    chat.type("status")
    chat.press("Permohonan saya (dari chat ini)", number=1)
    chat.bot_said("Tiket S-")
    chat.bot_said("Diterima, menunggu pemeriksaan petugas desa")


def test_a_reload_mid_usulan_shows_the_conversation_and_loses_no_answer(
    phone_page: Any,
) -> None:
    page = phone_page
    chat = Chat(page)
    chat.bot_says("Apa yang ingin Anda lakukan?")
    chat.press("Usulan mandiri (daftar DTSEN)", number=1)
    chat.press("Saya setuju", number=1)
    chat.press("Diri sendiri dan keluarga saya", number=1)
    chat.bot_says("Ketik NIK")
    chat.type("3204051708850001")
    chat.bot_says("Kartu Keluarga")
    chat.type("3204050101200003")
    chat.bot_says("nama lengkap")
    before = page.locator("#messages .msg").all_inner_texts()

    page.reload()

    # The same conversation, and nothing sent on the citizen's behalf.
    chat.idle()
    chat.expect(page.locator("#messages .msg")).to_have_count(len(before))
    assert page.locator("#messages .msg").all_inner_texts() == before
    chat.expect(page.locator(".choices button:enabled")).to_have_count(0)
    snapshot(page, "chat-page-reloaded-390.png")
    chat.type("Budi Santoso")
    chat.bot_says("lahir")

    # Reload on a question with buttons: only that question's buttons are live.
    chat.type("menu")
    chat.bot_says("masih tersimpan")
    page.reload()
    chat.idle()
    chat.expect(page.locator(".choices button:enabled").first).to_have_text(
        "1. Lanjutkan pengisian"
    )
    chat.press("Usulan mandiri (daftar DTSEN)", number=2)
    chat.bot_said("masih tersimpan")
    chat.bot_says("lahir")
    # Every answer given before the reloads is still there.
    chat.type("kembali")
    chat.bot_says("Jawaban sebelumnya: Budi Santoso")
    snapshot(page, "chat-page-continued-390.png")


def test_text_is_never_rendered_as_html(page: Any) -> None:
    chat = Chat(page)
    chat.bot_says("Apa yang ingin Anda lakukan?")
    attack = '<img src=x onerror="window.__pwned=1"><b>tebal</b>'

    chat.type(attack)

    chat.idle()
    assert page.locator("#messages img").count() == 0
    assert page.locator("#messages b").count() == 0
    assert page.evaluate("window.__pwned") is None


def test_location_falls_back_to_typing_when_geolocation_fails(page: Any) -> None:
    # Withdraw the permission: the page must offer the typed "lat, lon" form instead.
    page.context.clear_permissions()
    chat = Chat(page)
    chat.bot_says("Apa yang ingin Anda lakukan?")
    chat.press("Sanggahan (keberatan data)", number=2)
    chat.press("Saya setuju", number=1)
    chat.press("Ada penerima bantuan yang tidak layak", number=1)
    chat.type("sukamaju")
    chat.press("Sukamaju, Kec. Tigapanah, Kabupaten Karo", number=1)
    chat.type("Budi Santoso")
    for _ in range(4):
        chat.press("Lewati", number=1)
    chat.bot_says("Bantuan apa yang diterima orang itu?")
    chat.type("5")
    chat.press("Sudah mampu", number=1)
    chat.press("Lewati", number=1)
    chat.bot_says("Kirim foto rumah orang itu")
    chat.press("Lewati", number=1)
    chat.bot_says("Bagikan lokasi rumah itu")

    page.click("#location-button")
    form = page.locator("#location-form")
    chat.expect(form).to_be_visible()
    page.fill("#location-text", "bukan lokasi")
    page.click("#location-send")
    chat.expect(page.locator("#location-error")).to_contain_text("contoh")
    page.fill("#location-text", "-7.25, 112.75")
    page.press("#location-text", "Enter")

    chat.expect(page.locator(".msg.user").last).to_contain_text("-7.25000, 112.75000")
    chat.bot_says("Ketik NIK Anda")
    chat.expect(form).to_be_hidden()


def test_reset_starts_a_new_user(page: Any) -> None:
    chat = Chat(page)
    chat.bot_says("Apa yang ingin Anda lakukan?")
    first_user = page.evaluate("localStorage.getItem('dtsen-simulator-user')")
    chat.type("apa kabar")
    # The page ignores "Mulai ulang" while a message is on its way: wait for the answer.
    chat.bot_said("Maaf, saya belum mengerti")

    page.click("#reset")

    chat.bot_says("Apa yang ingin Anda lakukan?")
    assert page.locator(".msg.user").count() == 0
    page.reload()  # the new user's history only: the earlier conversation is gone
    chat.bot_says("Apa yang ingin Anda lakukan?")
    assert page.locator(".msg.user").count() == 0
    second_user = page.evaluate("localStorage.getItem('dtsen-simulator-user')")
    assert first_user and second_user and first_user != second_user


def test_unnumbered_choices_and_line_breaks(fake_page: Any) -> None:
    chat = Chat(fake_page)
    # The fake echoes "echo: menu\nsecond line", then two choices with numbered=False.
    chat.bot_says("Pilih satu:")
    first = fake_page.locator(".msg.bot").first
    # innerText follows the CSS: a collapsed line break would come back as a space.
    assert first.inner_text() == "echo: menu\nsecond line"
    buttons = fake_page.locator(".choices button")
    chat.expect(buttons).to_have_text(["Ya", "Tidak"])

    chat.press("Tidak")

    chat.bot_said("echo: no")
