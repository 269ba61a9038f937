"""`dtsen-bot chat`: the terminal chat, piped, against the real container on a temp SQLite."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.chat import Notice, Quit, chat, converse, format_reply, parse_line
from bot.inbound import Handled, InboundMessage
from conversations.catalogue import Language
from conversations.types import Choice, Location, Reply
from staff.outbox import Settled
from tests.images import tiny_png

PNG_BYTES = tiny_png()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    # Run where no developer .env can be picked up; point everything at the temp dir.
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REDIS_URL", raising=False)
    return {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}",
        "DATA_DIR": str(tmp_path / "var"),
    }


def run_chat(env: dict[str, str], lines: list[str], *args: str) -> str:
    result = CliRunner().invoke(chat, list(args), input="\n".join(lines) + "\n", env=env)
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.stdout


# ---- the real thing, piped ----


def test_piped_conversation_shows_menu_and_answers(env: dict[str, str]) -> None:
    out = run_chat(env, ["5", "1", "/keluar", "never sent"])

    # The bot speaks first: the main menu as a numbered list.
    assert "bot> Apa yang ingin Anda lakukan? Pilih salah satu." in out
    assert "  1. Usulan mandiri (daftar DTSEN)" in out
    assert "  5. Cek status permohonan" in out
    # "5" went in as typed text and the engine took it as "Cek status".
    assert "anda> 5\nbot> Cek status permohonan." in out
    assert "Permohonan mana yang ingin Anda lihat?" in out
    assert "Belum ada permohonan yang dikirim dari chat ini." in out
    assert out.rstrip().endswith("Sampai jumpa.")
    assert "never sent" not in out


def test_end_of_input_quits_and_the_conversation_persists(env: dict[str, str]) -> None:
    run_chat(env, ["2"], "--user", "sari")  # into the sanggahan flow, then EOF

    out = run_chat(env, [], "--user", "sari")

    # Same database, same user: the unfinished sanggahan is remembered by the menu.
    assert "Lanjutkan pengisian" in out


def test_photo_and_location_commands_reach_the_engine(env: dict[str, str], tmp_path: Path) -> None:
    photo = tmp_path / "bukti.png"
    photo.write_bytes(PNG_BYTES)
    lines = ["2", "1", "1", "sukamaju", "1", "Budi Santoso"]
    lines += ["lewati"] * 4 + ["ga tau", "1", "lewati"]  # the aid, the reason, no detail
    lines += [f"/foto {photo}", "/lokasi -6.2088, 106.8456"]

    out = run_chat(env, lines)

    assert "(Kirim foto dengan: /foto PATH, atau ketik jawaban.)" in out
    assert "Bagikan lokasi rumah itu" in out
    assert "Ketik NIK Anda" in out


# ---- the pieces, without a database ----


def test_numbers_and_words_are_sent_as_typed() -> None:
    message = parse_line(" 3 \n", "u")

    assert isinstance(message, InboundMessage)
    assert message.text == "3"
    assert message.choice is None
    assert message.channel == "terminal"


def test_commands() -> None:
    assert parse_line("", "u") is None
    assert isinstance(parse_line("/keluar", "u"), Quit)
    assert isinstance(parse_line("/perintah", "u"), Notice)
    location = parse_line("/lokasi -6.2,106.8", "u")
    assert isinstance(location, InboundMessage)
    assert location.location == Location(-6.2, 106.8)
    assert isinstance(parse_line("/lokasi utara", "u"), Notice)
    assert isinstance(parse_line("/lokasi 95,10", "u"), Notice)
    assert isinstance(parse_line("/foto /no/such/file.jpg", "u"), Notice)
    assert isinstance(parse_line("/foto", "u"), Notice)


def test_photo_command_reads_the_file(tmp_path: Path) -> None:
    (tmp_path / "ktp.jpg").write_bytes(b"\xff\xd8\xff data")

    message = parse_line(f"/foto {tmp_path / 'ktp.jpg'}", "u")

    assert isinstance(message, InboundMessage)
    assert message.photo is not None
    assert message.photo.data == b"\xff\xd8\xff data"
    assert message.photo.declared_type == "image/jpeg"


def test_reply_formatting_numbered_and_not() -> None:
    choices = (Choice("a", "Ya"), Choice("b", "Tidak"))

    numbered = format_reply(Reply("Baris satu\nBaris dua", choices, "choice"))
    bullets = format_reply(Reply("Ringkasan:\n1. Nama: Budi", choices, "choice", numbered=False))

    assert numbered.splitlines() == [
        "bot> Baris satu",
        "     Baris dua",
        "       1. Ya",
        "       2. Tidak",
    ]
    assert "       • Ya" in bullets.splitlines()
    assert "1. Ya" not in bullets


def test_a_failing_service_does_not_end_the_session() -> None:
    class Flaky:
        def __init__(self) -> None:
            self.calls = 0

        def language_of(self, channel: str, sender: str) -> Language:
            return "id"

        def report(self, results: Sequence[Settled]) -> None:

            pass

        def handle(self, message: InboundMessage) -> Handled:
            self.calls += 1
            if message.text == "boom":
                raise RuntimeError("boom")
            return Handled.unrecorded([Reply(f"ok {message.text}")])

    service, out = Flaky(), io.StringIO()

    converse(service, "u", iter(["boom\n", "lagi\n"]), out)

    assert service.calls == 3  # the opening "menu", "boom", "lagi"
    assert "bot> ok lagi" in out.getvalue()
    assert "kesalahan" in out.getvalue()
