"""Closed requests are anonymised after the retention period; open ones and recent ones are
kept whole (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from models.attachments import save_attachment
from models.blobs import FileBlobStore
from models.requests import NewProposer, create_request
from models.retention import ANONYMISED, anonymise_closed_requests
from models.tables import ConsentRecord, HouseholdMember, Proposer, Request, StatusChange
from tests.conftest import TEST_KEYS
from tests.images import tiny_png
from tests.models.factories import KK_A, NIK_A, NIK_B, NOW, fresh_nik, new_usulan


def test_closed_requests_past_retention_keep_statistics_and_lose_personal_data(
    db_engine: Engine, tmp_path: Path
) -> None:
    photos = FileBlobStore(tmp_path / "attachments", TEST_KEYS)
    photo = photos.put(tiny_png())
    long_ago = NOW - timedelta(days=800)
    with Session(db_engine) as session, session.begin():
        save_attachment(session, photo, channel="telegram", chat_id="1001", now=long_ago)
        rt_head = NewProposer("rt_rw", "3204051010700005", "Ahmad Fauzi", "+6281211112222")
        filed = new_usulan(attachments=[(photo.ref, "ktp")], subtype="rt_rw", proposer=rt_head)
        old = create_request(session, filed, now=long_ago)
        old.closed_at, old.status = long_ago + timedelta(days=30), "tidak_layak"
        session.add(
            StatusChange(
                request_id=old.id, at=long_ago, actor="staff:1", to_status="x", note="Bu Siti"
            )
        )
        recent = create_request(session, new_usulan(nik=fresh_nik()), now=NOW)
        recent.closed_at = NOW
        still_open = create_request(session, new_usulan(nik=fresh_nik()), now=long_ago)
        old_id, recent_id, open_id = old.id, recent.id, still_open.id

    with Session(db_engine) as session, session.begin():
        count = anonymise_closed_requests(session, photos, closed_before=NOW - timedelta(days=365))
    assert count == 1

    with Session(db_engine) as session:
        gone = session.get(Request, old_id)
        assert gone is not None
        assert (gone.nik, gone.kk, gone.name, gone.answers) == ("", None, "", {})
        assert (gone.chat_id, gone.reply_to) == ("", "")  # neither the chat's hash nor its id
        assert ANONYMISED in gone.flags
        assert (gone.kind, gone.village_code, gone.status) == (
            "usulan",
            "32.04.01.2001",
            "tidak_layak",
        )
        text = repr(gone.model_dump())
        assert NIK_A not in text and KK_A not in text and "Siti" not in text
        members = session.exec(select(HouseholdMember.nik)).all()
        assert NIK_B in members and len(members) == 4  # only the two kept requests' members
        assert session.exec(select(Proposer)).all() == []  # the RT head's identity too
        assert gone.subtype == "rt_rw"  # who proposed, as a statistic
        notes = session.exec(select(StatusChange.note).where(StatusChange.request_id == old_id))
        assert all(note is None for note in notes)
        consent = session.exec(
            select(ConsentRecord).where(ConsentRecord.request_id == old_id)
        ).one()
        assert consent.chat_id == "" and consent.text_version  # the proof stays
        for kept in (recent_id, open_id):
            request = session.get(Request, kept)
            assert request is not None and request.name == "Siti Aminah"
    assert not photos._path(photo.ref).exists()
