"""Two chats file an usulan for the same NIK close together (the race of issue 8).

Both pass the early NIK check while neither has filed; then both send. The first is filed;
the second must not be told its usulan was received, must never see the other chat's
ticket, keeps its answers, and is told what it can do next.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.inbound import PhotoUpload
from bot.service import ChatService
from conversations.types import Location
from models.conversation_store import SqlConversationStore
from models.tables import Request
from tests.bot.test_service import Citizen, Clock, make_service
from tests.conversations.transcript import NIK_MAN, USULAN_TYPED
from tests.images import tiny_png


def reach_summary(citizen: Citizen) -> str:
    citizen.walk(USULAN_TYPED)
    citizen.send(photo=PhotoUpload(tiny_png(), "image/png"))
    citizen.send(photo=PhotoUpload(tiny_png(), "image/png"))
    citizen.send(location=Location(-6.93, 107.72))
    return citizen.say("0812 3456 7890")


def ticket_in(text: str) -> str:
    return next(w for w in text.split() if w.startswith(("U-", "S-")))


def test_the_second_of_two_chats_filing_one_nik_is_refused_kindly_without_the_others_ticket(
    db_engine: Engine, tmp_path: Path
) -> None:
    service: ChatService = make_service(
        db_engine, SqlConversationStore(db_engine), tmp_path, Clock()
    )
    first = Citizen(service, sender="6281111111111")
    second = Citizen(service, sender="6282222222222")
    # Interleaved: both answer the NIK question (nothing filed yet), both reach the summary.
    assert "Ringkasan" in reach_summary(first)
    assert "Ringkasan" in reach_summary(second)

    filed = first.say("ya")
    assert "sudah kami terima" in filed
    their_ticket = ticket_in(filed)

    refused = second.say("ya")
    assert "sudah kami terima" not in refused
    assert their_ticket not in refused and their_ticket.replace("-", "") not in refused
    assert "Kode tiket" not in refused
    assert "kantor desa/kelurahan" in refused  # a next step they can take
    assert "NIK" in second.replies[-1].text  # asked for the NIK again, to check it

    with Session(db_engine) as session:
        stored = session.exec(select(Request)).all()
        assert [(r.reply_to, r.nik) for r in stored] == [(first.sender, NIK_MAN)]

    # Their answers were kept: the same NIK is refused again at once (no foreign ticket),
    # and another NIK brings them straight back to their own summary, everything intact.
    again = second.say(NIK_MAN)
    assert "sudah punya usulan" in again and their_ticket not in again
    back = second.say("3204051708850005")  # the NIK they meant
    assert "Ringkasan usulan Anda" in back
    assert "Jl. Melati Gg. 2" in back and "Sri Wahyuni" in back
