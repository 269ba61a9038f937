"""What a stolen backup shows: after a whole usulan (household members, a KTP photo, the
phone) and a sanggahan, filed through the real app on PostgreSQL, Redis and a data folder,
a dump of all three must not hold the citizens' NIK, KK, phone number or names in clear
(issue 9, item 3). It runs over Telegram (webhook against the Bot API double) and over
WhatsApp (Twilio webhook against the Twilio double), where the chat id is the citizen's
phone number itself: every chat id column holds its keyed hash, and the id the bot sends
to is sealed (`request.reply_to`, `staff_chat.recipient`, `outbox_notification.recipient`).
The WhatsApp run also links a village officer's WhatsApp to their account (digests and
sign-in links go there), whose number must not show either.

The dumps are what an attacker would take: `pg_dump` of the database, every Redis key's
name and `DUMP`, and every file under DATA_DIR. Redis's `DUMP` may compress a long value
(LZF), which can break a number apart; the values are therefore also read as they are
stored (GET, HGETALL, ...). Numbers are searched as people type them (NIK in groups of
four, a phone with +62, 62 or 0 and with spaces or dashes), names in any letter case,
birth dates with their dashes as typed (17-08-1985) and as a date column holds them
(1985-08-17): with the dashes and the century they match no stray digits.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from models.staff import add_staff
from models.tables import Attachment, Request
from staff.chat_link import link_code
from tests.conftest import require_service
from tests.conversations.transcript import KK, NIK_MAN, NIK_WOMAN, USULAN_TYPED
from tests.doubles.telegram_bot_api import TelegramBotApiDouble, Updates
from tests.doubles.twilio_api import TwilioApiDouble
from tests.images import tiny_png
from tests.webhook.test_telegram_e2e import SECRET, double, quick_chats, telegram_settings  # noqa: F401  (fixtures)
from tests.webhook.test_telegram_e2e import Citizen as TelegramCitizen
from tests.webhook.test_whatsapp_e2e import (
    WhatsAppCitizen,
    running_app,
    settings_for,
    twilio_api,  # noqa: F401  (fixture)
)
from webhook.app import create_app

PHONE = "6281234567890"  # the proposer's number (on WhatsApp also the chat id)
OBJECTOR_PHONE = "6285712345678"
STAFF_PHONE = "6287712345601"  # the village officer's WhatsApp, linked to their account
SUBJECT_NIK = "3204052005750006"  # the person objected to (born 20-05-1975)
OBJECTOR_NIK = "3204054404900005"  # the objector (born 04-04-1990)
# Born 17-08-1985: the proposer (typed) and his wife (from her NIK; a member's birth date);
# Rina has no NIK, her birth date is typed.
BIRTH_DATES = {"the proposer and the wife": "1985-08-17", "Rina": "2015-03-02"}
NAMES = [
    "Budi Santoso",
    "Siti Aminah",
    "Sri Wahyuni",
    "Rina Marlina",
    "Hendra Gunawan",
    "Dewi Lestari",
]


def _digit_forms(number: str) -> list[bytes]:
    """A 16-digit number as typed: whole, and in groups of four with a space, dash or dot."""
    groups = [number[i : i + 4] for i in range(0, 16, 4)]
    return [number.encode()] + [sep.join(groups).encode() for sep in (" ", "-", ".")]


def _phone_forms(wa_number: str) -> list[bytes]:
    """+62 812..., 62812..., 0812...: all contain the subscriber part after 62; and the
    groupings people write (0812-3456-7890, 0812 3456 7890)."""
    core = wa_number.removeprefix("62")  # 81234567890
    spaced = [f"{core[:3]}{sep}{core[3:7]}{sep}{core[7:]}" for sep in (" ", "-")]
    return [core.encode()] + [s.encode() for s in spaced]


def needles() -> dict[str, list[bytes]]:
    found: dict[str, list[bytes]] = {}
    for label, nik in (
        ("NIK of the proposer", NIK_MAN),
        ("NIK of the wife (household member)", NIK_WOMAN),
        ("KK", KK),
        ("NIK objected to", SUBJECT_NIK),
        ("NIK of the objector", OBJECTOR_NIK),
    ):
        found[label] = _digit_forms(nik)
    found["phone of the proposer"] = _phone_forms(PHONE)
    found["phone of the objector"] = _phone_forms(OBJECTOR_PHONE)
    found["phone of the village officer"] = _phone_forms(STAFF_PHONE)
    for name in NAMES:
        found[f"name {name}"] = [name.lower().encode()]
    for whose, iso in BIRTH_DATES.items():
        year, month, day = iso.split("-")
        found[f"birth date of {whose}"] = [iso.encode(), f"{day}-{month}-{year}".encode()]
    return found


def ktp_photo() -> bytes:
    """A PNG that carries the card's text, as many phones' photos carry a caption or a
    description: its bytes name the NIK and the holder, so a photo stored in clear shows."""
    png = tiny_png(64, 40)
    text = f"Comment\x00KTP NIK {NIK_MAN} BUDI SANTOSO".encode("latin-1")
    body = b"tEXt" + text
    chunk = struct.pack(">I", len(text)) + body + struct.pack(">I", zlib.crc32(body))
    return png[:-12] + chunk + png[-12:]  # before IEND


# -- the citizens, over Telegram -------------------------------------------------------------------


def _typed(lines: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The usulan's typed answers, with a child whose name is long enough to search for."""
    return [
        (said.replace("Rina", "Rina Marlina") if said.startswith(NIK_WOMAN) else said, asked)
        for said, asked in lines
    ]


def file_usulan_on_telegram(citizen: TelegramCitizen) -> str:
    assert "Apa yang ingin Anda lakukan?" in citizen.say("/start")
    assert "Apakah Anda setuju?" in citizen.press("Usulan mandiri")
    assert "Usulan ini untuk siapa?" in citizen.press("Saya setuju")
    citizen.walk(_typed(USULAN_TYPED[3:]))
    assert "foto rumah" in citizen.photo(ktp_photo())
    assert "lokasi" in citizen.photo(tiny_png(64, 40))
    assert "Nomor HP" in citizen.post(citizen.updates.location(-6.93, 107.72))
    # The number shared with Telegram's button (Telegram leaves out the "+").
    summary = citizen.post(citizen.updates.contact(PHONE))
    assert "Ringkasan" in summary and "3204********0001" in summary
    return citizen.press("Ya, kirim")


def file_sanggahan_on_telegram(citizen: TelegramCitizen) -> str:
    assert "Apa yang ingin Anda lakukan?" in citizen.say("/start")
    assert "Identitas Anda dirahasiakan" in citizen.press("Sanggahan")
    assert "tentang apa" in citizen.press("Saya setuju")
    assert "desa/kelurahan yang sama" in citizen.press("Ada penerima")
    assert "Pilih desa/kelurahan" in citizen.say("cinunuk")
    assert "Nama lengkap orang yang disanggah" in citizen.press("Cinunuk, Kec. Cileunyi")
    citizen.walk(
        [
            ("Hendra Gunawan", "NIK orang itu"),
            (" ".join(SUBJECT_NIK[i : i + 4] for i in range(0, 16, 4)), "Dusun"),
            ("Dusun Cempaka", "RT"),
            ("3", "RW"),
            ("lewati", "Bantuan apa yang diterima"),
            ("pkh", "alasannya"),
        ]
    )
    assert "Ceritakan singkat" in citizen.press("Sudah mampu")
    assert "foto rumah orang itu" in citizen.say("Rumah Hendra Gunawan bertingkat, punya dua mobil")
    assert "lokasi" in citizen.photo(tiny_png())
    assert "NIK Anda" in citizen.post(citizen.updates.location(-6.93, 107.72))
    assert "Nama lengkap Anda" in citizen.say(OBJECTOR_NIK)
    assert "Ringkasan sanggahan" in citizen.say("Dewi Lestari")
    return citizen.press("Ya, kirim")


# -- the dumps -----------------------------------------------------------------------------------


@dataclass
class Dumped:
    where: str  # "pg_dump", "redis key …", "file …"
    data: bytes


def pg_dump(engine: Engine) -> Iterator[Dumped]:
    pg_dump = shutil.which("pg_dump")
    require_service("pg_dump (postgresql-client)", pg_dump is not None)
    assert pg_dump is not None
    url = engine.url
    env = {**os.environ, "PGPASSWORD": url.password or ""}
    command = [
        pg_dump,
        "--no-owner",
        "-h",
        url.host or "127.0.0.1",
        "-p",
        str(url.port or 5432),
        "-U",
        url.username or "postgres",
        "-d",
        url.database or "",
    ]
    dumped = subprocess.run(command, env=env, capture_output=True, check=True, timeout=120)
    # Table data by column, so a finding says where it is; the rest (schema) as one.
    table, columns, rest = "", [""], []
    for line in dumped.stdout.split(b"\n"):
        copy = re.match(rb"COPY (\S+) \((.*)\) FROM stdin;", line)
        if copy:
            table = copy.group(1).decode()
            columns = [c.strip('"') for c in copy.group(2).decode().split(", ")]
        elif table and line == b"\\.":
            table = ""
        elif table:
            for column, value in zip(columns, line.split(b"\t"), strict=False):
                yield Dumped(f"pg_dump {table}.{column}", value)
        else:
            rest.append(line)
    yield Dumped("pg_dump (outside table data)", b"\n".join(rest))


def redis_dump(client: redis.Redis) -> Iterator[Dumped]:
    for key in client.scan_iter(count=500):
        yield Dumped(f"redis key name {key!r}", key)
        raw = client.dump(key)
        if raw is not None:
            yield Dumped(f"redis DUMP {key!r}", raw)
        kind = _as_bytes(client.type(key)).decode()
        values: list[Any] = []
        if kind == "string":
            values = [client.get(key) or b""]
        elif kind == "hash":
            values = [b for pair in client.hgetall(key).items() for b in pair]
        elif kind == "list":
            values = client.lrange(key, 0, -1)
        elif kind == "set":
            values = list(client.smembers(key))
        elif kind == "zset":
            values = client.zrange(key, 0, -1)
        elif kind == "stream":
            values = list(client.xrange(key) or [])
        yield Dumped(f"redis {kind} {key!r}", b"\n".join(_as_bytes(v) for v in values))


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    return value.encode() if isinstance(value, str) else repr(value).encode()


def data_dir_dump(root: Path) -> Iterator[Dumped]:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            yield Dumped(f"file {path.relative_to(root)}", path.read_bytes())


def in_clear(dumps: list[Dumped]) -> list[str]:
    """Each place (table column, kind of Redis key, file) and what it shows in clear."""
    found: dict[str, set[str]] = {}
    for dumped in dumps:
        haystack = dumped.data.lower()
        for label, forms in needles().items():
            if any(form in haystack for form in forms):
                # One line per kind of Redis key, not per chat: ids become "*".
                where = (
                    re.sub(r"\d{3,}", "*", dumped.where)
                    if "redis" in dumped.where
                    else dumped.where
                )
                found.setdefault(where, set()).add(label)
    return [f"{where}: {', '.join(sorted(labels))}" for where, labels in sorted(found.items())]


def check_filed_and_dump(
    client: TestClient, engine: Engine, redis_client: redis.Redis, data_dir: Path
) -> list[Dumped]:
    """Both requests were filed whole and the KTP photo reads back as sent; then the dumps."""
    container = client.app.state.container  # type: ignore[attr-defined]
    with Session(engine) as session:
        usulan = session.exec(select(Request).where(Request.kind == "usulan")).one()
        assert (usulan.nik, usulan.kk, usulan.name) == (NIK_MAN, KK, "Budi Santoso")
        assert usulan.answers["phone"] == "+6281234567890"
        sanggahan = session.exec(select(Request).where(Request.kind == "sanggahan")).one()
        assert (sanggahan.nik, sanggahan.subject_nik) == (OBJECTOR_NIK, SUBJECT_NIK)
        ktp = session.exec(
            select(Attachment).where(
                Attachment.request_id == usulan.id, Attachment.purpose == "ktp"
            )
        ).one()
    assert container.photos.get(ktp.ref) == ktp_photo()
    dumps = [*pg_dump(engine), *redis_dump(redis_client), *data_dir_dump(data_dir)]
    assert any(d.where.startswith("redis") for d in dumps), "the app used Redis"
    assert sum(d.where.startswith("file attachments/") for d in dumps) == 3  # the photos
    return dumps


def test_over_telegram_a_dump_of_database_redis_and_data_folder_shows_no_nik_kk_phone_or_name(
    postgresql_engine: Engine,
    redis_client: redis.Redis,
    _redis_url: str,
    double: TelegramBotApiDouble,  # noqa: F811
    tmp_path: Path,
) -> None:
    url = postgresql_engine.url.render_as_string(hide_password=False)
    settings = telegram_settings(double, url, tmp_path, SECRET).model_copy(
        update={"redis_url": _redis_url}
    )
    with TestClient(create_app(settings)) as client:
        proposer = TelegramCitizen(client, double, chat_id=700_100_200)
        proposer.updates = Updates(chat_id=700_100_200, first_name="Budi Santoso")
        assert "Kode tiket: U-" in file_usulan_on_telegram(proposer)
        objector = TelegramCitizen(client, double, chat_id=700_100_300)
        objector.updates = Updates(chat_id=700_100_300, first_name="Dewi Lestari")
        assert "Kode tiket: S-" in file_sanggahan_on_telegram(objector)
        dumps = check_filed_and_dump(client, postgresql_engine, redis_client, settings.data_dir)
    found = in_clear(dumps)
    assert found == [], "\n".join(found)


# -- the same citizens, over WhatsApp ------------------------------------------------------------


class _WhatsAppCitizen(WhatsAppCitizen):
    """Someone on WhatsApp whose profile shows their full name (as Telegram's first name
    does above): Twilio posts it with every message."""

    def __init__(self, client: TestClient, api: TwilioApiDouble, sender: str, name: str):
        super().__init__(client, api, sender=sender)
        self.name = name

    def send(self, **fields: str) -> str:
        metadata = {"type": "whatsapp", "data": {"context": {"ProfileName": self.name}}}
        profile = {"ProfileName": self.name, "ChannelMetadata": json.dumps(metadata)}
        return super().send(**{**profile, **fields})


def file_usulan_on_whatsapp(citizen: WhatsAppCitizen) -> str:
    citizen.walk(_typed(USULAN_TYPED))
    assert "foto rumah" in citizen.photo(ktp_photo(), "image/png")
    assert "lokasi" in citizen.photo(tiny_png(64, 40), "image/png")
    # The number WhatsApp vouches for (the chat id) is offered; the citizen takes it.
    assert "Pakai nomor ini: +6281234567890" in citizen.location()
    summary = citizen.say("ya")
    assert "Ringkasan" in summary and "3204********0001" in summary
    return citizen.say("ya")


def file_sanggahan_on_whatsapp(citizen: WhatsAppCitizen) -> str:
    assert "Apa yang ingin Anda lakukan?" in citizen.say("menu")
    assert "Identitas Anda dirahasiakan" in citizen.pick("Sanggahan")
    assert "tentang apa" in citizen.say("setuju")
    assert "desa/kelurahan yang sama" in citizen.pick("Ada penerima")
    assert "Pilih desa/kelurahan" in citizen.say("cinunuk")
    assert "Nama lengkap orang yang disanggah" in citizen.pick("Cinunuk, Kec. Cileunyi")
    citizen.walk(
        [
            ("Hendra Gunawan", "NIK orang itu"),
            (" ".join(SUBJECT_NIK[i : i + 4] for i in range(0, 16, 4)), "Dusun"),
            ("Dusun Cempaka", "RT"),
            ("3", "RW"),
            ("lewati", "Bantuan apa yang diterima"),
            ("pkh", "alasannya"),
        ]
    )
    assert "Ceritakan singkat" in citizen.pick("Sudah mampu")
    assert "foto rumah orang itu" in citizen.say("Rumah Hendra Gunawan bertingkat, punya dua mobil")
    assert "lokasi" in citizen.photo(tiny_png(), "image/png")
    assert "NIK Anda" in citizen.location()
    assert "Nama lengkap Anda" in citizen.say(OBJECTOR_NIK)
    assert "Ringkasan sanggahan" in citizen.say("Dewi Lestari")
    return citizen.say("ya")


def link_officer_chat(client: TestClient, officer: WhatsAppCitizen) -> str:
    """The village officer links their WhatsApp to their dashboard account with the code
    the dashboard shows, as staff do to get digests and sign-in links there."""
    container = client.app.state.container  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    with Session(container.engine) as session:
        account = add_staff(
            session,
            username="sri",
            display_name="Sri",
            role="village_operator",
            areas=["32.04.05.2001"],
            at=now,
        )
        code = link_code(container.secret, account, now)
        session.commit()
    return officer.say(f"HUBUNGKAN sri {code}")


def test_over_whatsapp_a_dump_of_database_redis_and_data_folder_shows_no_nik_kk_phone_or_name(
    postgresql_engine: Engine,
    redis_client: redis.Redis,
    _redis_url: str,
    twilio_api: TwilioApiDouble,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The chat ids are the citizens' WhatsApp numbers: the columns that find a chat's
    requests, photos, consents and staff links hold their keyed hash, and the ones that
    tell a chat something hold it sealed."""
    url = postgresql_engine.url.render_as_string(hide_password=False)
    settings = settings_for(twilio_api, tmp_path, database_url=url, redis_url=_redis_url)
    with running_app(settings) as client:
        proposer = _WhatsAppCitizen(client, twilio_api, PHONE, "Budi Santoso")
        assert "Kode tiket: U-" in file_usulan_on_whatsapp(proposer)
        objector = _WhatsAppCitizen(client, twilio_api, OBJECTOR_PHONE, "Dewi Lestari")
        assert "Kode tiket: S-" in file_sanggahan_on_whatsapp(objector)
        officer = _WhatsAppCitizen(client, twilio_api, STAFF_PHONE, "Sri Wahyuni")
        assert "terhubung dengan akun petugas" in link_officer_chat(client, officer)
        dumps = check_filed_and_dump(client, postgresql_engine, redis_client, settings.data_dir)
    found = in_clear(dumps)
    assert found == [], "\n".join(found)
