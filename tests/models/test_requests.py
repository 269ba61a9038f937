"""Filing requests and the queries the chat needs, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from conversations.tickets import ALPHABET as TICKET_ALPHABET
from conversations.tickets import generate as generate_ticket
from models.attachments import AttachmentNotAvailable, attachments_of, save_attachment
from models.blobs import StoredBlob
from models.consent import consents_for_chat, withdraw_consents
from models.requests import (
    MAX_TICKET_ATTEMPTS,
    NewMember,
    TicketSpaceExhausted,
    create_request,
    find_members_in_open_usulan,
    find_open_usulan_by_nik,
    get_request_by_ticket,
    list_requests_for_chat,
    members_of,
    status_history,
)
from models.tables import ConsentRecord, LookupAttempt, Request, StatusChange
from tests.models.factories import NIK_A, NIK_B, NIK_C, NIK_D, NOW, new_sanggahan, new_usulan


def _blob(n: int) -> StoredBlob:
    return StoredBlob(ref=f"{n:032x}", content_type="image/jpeg", size=100 + n, sha256="0" * 64)


def test_create_usulan_stores_everything(db_engine: Engine) -> None:
    with Session(db_engine) as session:
        request = create_request(session, new_usulan(flags=["nik_kecamatan_unconfirmed"]), now=NOW)
        session.commit()
        request_id = request.id
        ticket = request.ticket
    assert request_id is not None
    with Session(db_engine) as session:
        stored = session.get(Request, request_id)
        assert stored is not None
        assert (stored.kind, stored.subtype, stored.status) == ("usulan", "family", "diterima")
        assert stored.answers["program"] == ["PKH", "BPNT"]
        assert stored.flags == ["nik_kecamatan_unconfirmed"]
        assert stored.created_at == stored.updated_at == NOW
        assert stored.closed_at is None
        assert [(m.position, m.nik, m.relationship) for m in members_of(session, request_id)] == [
            (1, NIK_B, "suami"),
            (2, None, "anak"),
        ]
        history = status_history(session, request_id)
        assert [(h.from_status, h.to_status, h.actor) for h in history] == [
            (None, "diterima", "citizen:telegram")
        ]
        consent = session.exec(select(ConsentRecord)).one()
        assert (consent.request_id, consent.purpose, consent.text_version) == (
            request_id,
            "usulan",
            "usulan-2025-11",
        )
        assert get_request_by_ticket(session, ticket) == stored


def test_tickets_are_unique_and_from_the_alphabet(db_engine: Engine) -> None:
    with Session(db_engine) as session:
        tickets = [
            create_request(session, new_usulan(nik=f"32040141019{n:05d}"), now=NOW).ticket
            for n in range(20)
        ]
        tickets.append(create_request(session, new_sanggahan(), now=NOW).ticket)
        session.commit()
    assert len(set(tickets)) == len(tickets)
    for ticket in tickets:
        assert len(ticket) == 7 and set(ticket[1:]) <= set(TICKET_ALPHABET)
    assert {t[0] for t in tickets} == {"U", "S"}


def test_ticket_collision_is_retried_and_the_outer_transaction_survives(db_engine: Engine) -> None:
    repeat = random.Random(1)
    expected_first = generate_ticket("usulan", repeat)
    expected_retry = generate_ticket("usulan", repeat)
    with Session(db_engine) as session:
        assert create_request(session, new_usulan(), now=NOW, rng=random.Random(1)).ticket == (
            expected_first
        )
        session.commit()
    with Session(db_engine) as session:
        session.add(LookupAttempt(chat_key="before", at=NOW, succeeded=True))
        session.flush()
        # Same seed: the first ticket drawn is taken, the second is used.
        second = create_request(session, new_usulan(nik=NIK_C), now=NOW, rng=random.Random(1))
        assert second.ticket == expected_retry
        session.commit()
    with Session(db_engine) as session:
        # Work done before the failed insert in the same transaction was kept.
        kept = session.exec(select(LookupAttempt).where(LookupAttempt.chat_key == "before"))
        assert len(kept.all()) == 1
        assert sorted(r.ticket for r in session.exec(select(Request))) == sorted(
            [expected_first, expected_retry]
        )


def test_ticket_space_exhaustion_is_reported(db_engine: Engine) -> None:
    class Stuck(random.Random):
        """Always draws the same ticket (choice() always picks the first element)."""

        def getrandbits(self, k: int, /) -> int:
            return 0

    with Session(db_engine) as session:
        create_request(session, new_usulan(), now=NOW, rng=Stuck())
        with pytest.raises(TicketSpaceExhausted):
            create_request(session, new_usulan(nik=NIK_C), now=NOW, rng=Stuck())
    assert MAX_TICKET_ATTEMPTS > 1


def test_get_request_by_ticket_accepts_typed_forms(db_engine: Engine) -> None:
    with Session(db_engine) as session:
        request = create_request(session, new_usulan(), now=NOW)
        typed = f" {request.ticket[0].lower()}-{request.ticket[1:4]} {request.ticket[4:]} "
        assert get_request_by_ticket(session, typed) == request
        assert get_request_by_ticket(session, "U-222222") is None
        assert get_request_by_ticket(session, "not a ticket") is None


def test_open_usulan_lookup_ignores_closed_ones_and_sanggahan(db_engine: Engine) -> None:
    with Session(db_engine) as session:
        closed = create_request(session, new_usulan(), now=NOW)
        closed.closed_at = NOW + timedelta(days=1)
        closed.status = "ditolak"
        session.add(closed)
        create_request(session, new_sanggahan(nik=NIK_A), now=NOW)
        session.flush()
        assert find_open_usulan_by_nik(session, NIK_A) is None
        reopened = create_request(session, new_usulan(), now=NOW + timedelta(days=2))
        assert find_open_usulan_by_nik(session, NIK_A) == reopened
        assert find_open_usulan_by_nik(session, NIK_D) is None


def test_member_overlap_finds_main_persons_and_members_of_other_open_usulan(
    db_engine: Engine,
) -> None:
    with Session(db_engine) as session:
        first = create_request(session, new_usulan(), now=NOW)  # main NIK_A, member NIK_B
        closed = create_request(
            session,
            new_usulan(nik=NIK_D, members=[NewMember(nik=NIK_C, name="C", relationship="anak")]),
            now=NOW,
        )
        closed.closed_at = NOW
        session.add(closed)
        create_request(session, new_sanggahan(nik=NIK_C, subject_nik=NIK_D), now=NOW)
        session.flush()

        found = find_members_in_open_usulan(session, [NIK_A, NIK_B, NIK_C, NIK_D, ""])
        assert found == {NIK_A: first.ticket, NIK_B: first.ticket}
        assert first.id is not None
        assert (
            find_members_in_open_usulan(session, [NIK_A, NIK_B], exclude_request_id=first.id) == {}
        )
        assert find_members_in_open_usulan(session, []) == {}


def test_member_overlap_reports_the_oldest_usulan(db_engine: Engine) -> None:
    with Session(db_engine) as session:
        older = create_request(session, new_usulan(nik=NIK_C), now=NOW)
        create_request(session, new_usulan(nik=NIK_D), now=NOW + timedelta(hours=1))
        assert find_members_in_open_usulan(session, [NIK_B]) == {NIK_B: older.ticket}


def test_list_requests_for_chat_newest_first(db_engine: Engine) -> None:
    with Session(db_engine) as session:
        a = create_request(session, new_usulan(), now=NOW)
        b = create_request(session, new_usulan(nik=NIK_C), now=NOW + timedelta(days=1))
        create_request(session, new_usulan(nik=NIK_D, chat_id="other"), now=NOW)
        assert list_requests_for_chat(session, "telegram", "1001") == [b, a]
        assert list_requests_for_chat(session, "whatsapp", "1001") == []


def test_status_history_oldest_first(db_engine: Engine) -> None:
    with Session(db_engine) as session:
        request = create_request(session, new_usulan(), now=NOW)
        assert request.id is not None
        # Inserted out of order on purpose.
        for hours, (old, new) in ((5, ("musdes", "diverifikasi")), (2, ("diterima", "musdes"))):
            session.add(
                StatusChange(
                    request_id=request.id,
                    at=NOW + timedelta(hours=hours),
                    actor="staff:1",
                    from_status=old,
                    to_status=new,
                )
            )
        session.flush()
        assert [h.to_status for h in status_history(session, request.id)] == [
            "diterima",
            "musdes",
            "diverifikasi",
        ]


def test_attachments_are_linked_by_ref(db_engine: Engine) -> None:
    with Session(db_engine) as session:
        for n in (1, 2):
            save_attachment(session, _blob(n), channel="telegram", chat_id="1001", now=NOW)
        request = create_request(
            session,
            new_usulan(attachments=[(_blob(1).ref, "ktp"), (_blob(2).ref, "house_front")]),
            now=NOW,
        )
        session.commit()
        assert request.id is not None
        linked = attachments_of(session, request.id)
    assert [(a.ref, a.purpose, a.size) for a in linked] == [
        (_blob(1).ref, "ktp", 101),
        (_blob(2).ref, "house_front", 102),
    ]


@pytest.mark.parametrize("problem", ["unknown", "other_chat", "already_linked"])
def test_attachments_from_elsewhere_are_refused(db_engine: Engine, problem: str) -> None:
    with Session(db_engine) as session:
        chat = "someone-else" if problem == "other_chat" else "1001"
        save_attachment(session, _blob(1), channel="telegram", chat_id=chat, now=NOW)
        if problem == "already_linked":
            create_request(session, new_usulan(attachments=[(_blob(1).ref, "ktp")]), now=NOW)
        ref = _blob(9).ref if problem == "unknown" else _blob(1).ref
        with pytest.raises(AttachmentNotAvailable) as refused:
            create_request(session, new_usulan(nik=NIK_C, attachments=[(ref, "ktp")]), now=NOW)
        assert refused.value.ref == ref


def test_new_request_validates_kind_subtype_and_purpose() -> None:
    with pytest.raises(ValueError, match="kind"):
        new_usulan(kind="keluhan")
    with pytest.raises(ValueError, match="subtype"):
        new_usulan(subtype="recipient_not_eligible")
    with pytest.raises(ValueError, match="purpose"):
        new_usulan(attachments=[("x", "selfie")])


def test_withdraw_consents(db_engine: Engine) -> None:
    later = NOW + timedelta(days=3)
    with Session(db_engine) as session:
        create_request(session, new_usulan(), now=NOW)
        create_request(session, new_usulan(nik=NIK_C), now=NOW)
        assert withdraw_consents(session, "telegram", "1001", at=later) == 2
        assert withdraw_consents(session, "telegram", "1001", at=later + timedelta(days=1)) == 0
        session.commit()
        records = consents_for_chat(session, "telegram", "1001")
    assert [r.withdrawn_at for r in records] == [later, later]
