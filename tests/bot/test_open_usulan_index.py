"""One open usulan per NIK, decided by the database (migration 0006), on SQLite and PostgreSQL.

The flow checks for an open usulan before filing; two chats submitting the same NIK at the
same moment both pass that check. The partial unique index makes the second insert fail,
and the loser is answered like any chat whose NIK was filed first: kindly, answers kept.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from bot.service import ChatService
from models.conversation_store import SqlConversationStore
from models.requests import NikHasOpenUsulan, create_request
from models.tables import Request
from tests.bot.test_service import Citizen, Clock, make_service
from tests.bot.test_usulan_race import reach_summary
from tests.conversations.transcript import NIK_MAN
from tests.models.factories import NIK_A, NOW, new_sanggahan, new_usulan


def test_the_database_refuses_a_second_open_usulan_for_one_nik(db_engine: Engine) -> None:
    with Session(db_engine) as session, session.begin():
        first = create_request(session, new_usulan(nik=NIK_A), now=NOW)
        with pytest.raises(NikHasOpenUsulan):
            create_request(session, new_usulan(nik=NIK_A, chat_id="2002"), now=NOW)
        # The refusal left the transaction usable, and a sanggahan by that person is fine.
        create_request(session, new_sanggahan(nik=NIK_A), now=NOW)
        first.closed_at = NOW + timedelta(days=30)
        session.add(first)
        session.flush()
        create_request(session, new_usulan(nik=NIK_A, chat_id="2002"), now=NOW)  # closed: ok
    with Session(db_engine) as session:
        kinds = sorted(r.kind for r in session.exec(select(Request)))
        assert kinds == ["sanggahan", "usulan", "usulan"]


def _wait_for_a_lock_wait(engine: Engine) -> None:
    """Until another session waits on a row lock (PostgreSQL): the index is being consulted."""
    if engine.dialect.name != "postgresql":
        return  # SQLite: the second writer waits for the whole database; nothing to observe
    deadline = time.monotonic() + 30
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
            conn.rollback()
            if waiting:
                return
            time.sleep(0.02)
    raise AssertionError("the second submit never reached the index")


def test_a_submit_racing_an_uncommitted_usulan_for_the_same_nik_is_refused_kindly(
    db_engine: Engine, tmp_path: Path
) -> None:
    service: ChatService = make_service(
        db_engine, SqlConversationStore(db_engine), tmp_path, Clock()
    )
    late = Citizen(service, sender="6282222222222")
    assert "Ringkasan" in reach_summary(late)

    answer: list[str] = []
    submit = threading.Thread(target=lambda: answer.append(late.say("ya")))
    with Session(db_engine) as other_chat, other_chat.begin():
        # Another chat's transaction has inserted the same NIK but not committed yet, so the
        # flow's check cannot see it: on PostgreSQL only the index can stop the second one.
        create_request(other_chat, new_usulan(nik=NIK_MAN, chat_id="other"), now=NOW)
        submit.start()
        _wait_for_a_lock_wait(db_engine)
    submit.join(timeout=60)

    refused = answer[0]
    assert "sudah kami terima" not in refused and "Kode tiket" not in refused
    assert "kantor desa/kelurahan" in refused
    with Session(db_engine) as session:
        filed = session.exec(select(Request).where(col(Request.nik_lookup) == NIK_MAN)).all()
        assert [r.reply_to for r in filed] == ["other"]


def test_chats_submitting_one_nik_at_the_same_moment_file_it_once(
    db_engine: Engine, tmp_path: Path
) -> None:
    store = SqlConversationStore(db_engine)
    # A service (and clock) each, as on several web workers: no chat waits for the others.
    citizens = [
        Citizen(make_service(db_engine, store, tmp_path, Clock()), sender=f"62811{i:08d}")
        for i in range(4)
    ]
    for citizen in citizens:  # every one proposes NIK_MAN and stops at the summary
        assert "Ringkasan" in reach_summary(citizen)
    start = threading.Barrier(len(citizens))
    answers: dict[str, str] = {}

    def submit(citizen: Citizen) -> None:
        start.wait()
        answers[citizen.sender] = citizen.say("ya")

    threads = [threading.Thread(target=submit, args=(c,)) for c in citizens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(answers) == len(citizens)
    filed = [sender for sender, said in answers.items() if "sudah kami terima" in said]
    assert len(filed) == 1, answers
    for sender, said in answers.items():
        if sender not in filed:
            assert "kantor desa/kelurahan" in said and "Kode tiket" not in said
    with Session(db_engine) as session:
        stored = session.exec(select(Request).where(col(Request.nik_lookup) == NIK_MAN)).all()
        assert [r.reply_to for r in stored] == filed
