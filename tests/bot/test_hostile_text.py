"""Hostile text is ordinary input: a NUL byte typed into an usulan must not break the
exports, queue filters and digests of a whole area (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.inbound import InboundMessage
from models.conversation_store import SqlConversationStore
from models.staff import add_staff
from models.tables import Request
from staff.bnba import BnbaSelection, write_bnba
from staff.digest import digest
from staff.digest_render import render
from staff.review import QueueFilters, queue_for
from staff.workflow import Workflows
from tests.bot.test_service import Citizen, Clock, make_service
from tests.conversations.transcript import USULAN_TYPED

CINUNUK = "32.04.05.2004"
HOSTILE = {
    "dusun": "Krajan\x00\u202e",  # with a NUL and a right-to-left override
    "Jl. Melati Gg. 2": "Jl. Mawar\x00 No. 1",
    "budi santoso": "bu\x00di\ud800 santoso",  # a lone surrogate: not encodable as UTF-8
}


def hostile_usulan() -> list[tuple[str, str]]:
    # The dusun is written in the address line, the way the KTP writes it.
    street = HOSTILE["Jl. Melati Gg. 2"] + ", Dusun " + HOSTILE["dusun"]
    return [
        (street if said == "Jl. Melati Gg. 2" else HOSTILE.get(said, said), expected)
        for said, expected in USULAN_TYPED
    ]


def test_an_usulan_with_a_nul_byte_is_stored_clean_and_every_area_view_still_works(
    db_engine: Engine, tmp_path: Path
) -> None:
    service = make_service(db_engine, SqlConversationStore(db_engine), tmp_path, Clock())
    done = Citizen(service).file_usulan(hostile_usulan())
    assert "Kode tiket: U-" in done

    with Session(db_engine) as session:
        request = session.exec(select(Request)).one()
        assert request.answers["street"] == "Jl. Mawar No. 1"
        assert request.answers["dusun"] == "Krajan"
        assert request.name == "Budi Santoso"
        created = request.created_at

    for area in (CINUNUK, "32.04.05", "32.04"):  # desa, kecamatan, kabupaten
        csv_out = io.BytesIO()
        assert write_bnba(db_engine, BnbaSelection(area), csv_out, "csv") == 3
        rows = list(csv.reader(io.StringIO(csv_out.getvalue().decode("utf-8-sig"))))
        assert rows[1][5:7] == ["Jl. Mawar No. 1", "Krajan"]
        path = tmp_path / f"bnba-{area}.xlsx"
        write_bnba(db_engine, BnbaSelection(area), path, "xlsx")
        sheet = load_workbook(path).active
        assert sheet is not None and sheet.cell(2, 6).value == "Jl. Mawar No. 1"

    with Session(db_engine) as session, session.begin():
        operator = add_staff(
            session,
            username="operator",
            display_name="Operator Cinunuk",
            role="village_operator",
            areas=[CINUNUK],
            at=created,
        )
        found = queue_for(session, operator, QueueFilters(dusun="krajan", rt="3", rw="5"))
        assert [r.name for r in found] == ["Budi Santoso"]
        for area in (CINUNUK, "32.04.05", "32.04"):
            summary = digest(
                session,
                area_code=area,
                workflows=Workflows.load(),
                now=created + timedelta(hours=1),
                since=created - timedelta(hours=1),
                cutoff_day=17,
            )
            assert "1" in render(summary)


def test_every_channel_hands_the_engine_clean_text() -> None:
    message = InboundMessage(
        channel="simulator",
        sender="demo\x00\n",
        message_id="m\x001",
        text="Jl.\tMawar\r\nNo.\x001\u2066",
        choice="ya\x00",
        contact_phone="0812\x00",
    )
    assert message.sender == "demo"
    assert message.message_id == "m1"
    assert message.text == "Jl. Mawar\nNo.1"
    assert (message.choice, message.contact_phone) == ("ya", "0812")
    assert InboundMessage(channel="t", sender="1", text="e\u0301").text == "\u00e9"  # NFC
    assert len(InboundMessage(channel="t", sender="1", text="x" * 100_000).text or "") == 4096
