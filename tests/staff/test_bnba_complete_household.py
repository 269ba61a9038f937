"""Issue 10's "complete members": a household of four filed in the chat gives four complete
BNBA rows, every member with sex, birth date, birth place and mother's name."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sqlalchemy import Engine

from bot.service import ChatService
from models.conversation_store import SqlConversationStore
from staff.bnba import BnbaSelection, write_bnba
from tests.bot.test_service import Citizen, Clock, make_service
from tests.conversations.transcript import KK, NIK_CHILD, NIK_MAN, NIK_WOMAN, USULAN_TYPED, until

CINUNUK = "32.04.05.2004"

# A household of four: the head, his wife and their son with NIKs (sex and birth date
# read from them, never asked), and a daughter who has no NIK yet (both asked).
FOUR = [
    *until("Siapa saja"),
    (f"{NIK_WOMAN} Sri Wahyuni\n{NIK_CHILD} Andi\nRina", "hubungannya dengan kepala keluarga"),
    ("1", "hubungan Sri Wahyuni"),
    ("istri", "Tempat lahir Sri Wahyuni"),
    ("Garut", "ibu kandung Sri Wahyuni"),
    ("Enok Suryani", "hubungan Andi"),
    ("anak", "Tempat lahir Andi"),
    ("Bandung", "ibu kandung Andi"),
    ("Sri Wahyuni", "NIK Rina"),
    ("belum punya", "Jenis kelamin Rina"),
    ("perempuan", "Tanggal lahir Rina"),
    ("12-03-2017", "hubungan Rina"),
    ("anak", "Tempat lahir Rina"),
    ("Cileunyi", "ibu kandung Rina"),
    ("sri wahyuni", "Lantai"),
    *USULAN_TYPED[len(until("Lantai")) :],
]


def test_the_bnba_of_a_household_of_four_has_four_complete_rows(
    db_engine: Engine, tmp_path: Path
) -> None:
    service: ChatService = make_service(
        db_engine, SqlConversationStore(db_engine), tmp_path, Clock()
    )
    assert "Kode tiket: U-" in Citizen(service).file_usulan(FOUR)

    out = io.BytesIO()
    assert write_bnba(db_engine, BnbaSelection(area=CINUNUK), out, "csv") == 4
    rows = list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    shown = [
        (
            row["Nomor NIK"],
            row["Nama"],
            row["Jenis Kelamin"],
            row["Tanggal Lahir"],
            row["Tempat Lahir"],
            row["Nama Ibu Kandung"],
            row["Hubungan Keluarga"],
        )
        for row in rows
    ]
    assert shown == [
        (NIK_MAN, "Budi Santoso", "L", "17-08-1985", "Bandung", "Siti Aminah", "Kepala keluarga"),
        (NIK_WOMAN, "Sri Wahyuni", "P", "17-08-1985", "Garut", "Enok Suryani", "Istri atau suami"),
        (NIK_CHILD, "Andi", "L", "02-03-2015", "Bandung", "Sri Wahyuni", "Anak"),
        ("", "Rina", "P", "12-03-2017", "Cileunyi", "Sri Wahyuni", "Anak"),
    ]
    # One household: the same KK and address on every row.
    assert {(row["Nomor KK"], row["Alamat"], row["RT"], row["RW"]) for row in rows} == {
        (KK, "Jl. Melati Gg. 2", "003", "005")
    }
