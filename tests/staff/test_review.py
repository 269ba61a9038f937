"""Moving requests through each region's workflow: area checks, roles, audit, notifications."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from conversations.catalogue import catalogue
from conversations.tickets import format_ticket
from models.requests import create_request, status_history
from models.staff import add_staff, disable_staff, refused_attempts
from models.tables import AccessLog, OutboxNotification, Request, StaffAccount
from staff.documents import documents_of, record_document
from staff.review import AccessRefused, QueueFilters, forward_many, move_request, queue_for
from staff.workflow import TransitionRefused, Workflows
from tests.models.factories import NOW, fresh_nik, new_sanggahan, new_usulan
from tests.staff.test_workflow import HAPPY_PATHS  # from "diterima" to accepted

WORKFLOWS = Workflows.load()

# A real desa in each shipped workflow's region (national: Cinunuk, Kab. Bandung).
VILLAGES = {
    "national": "32.04.05.2004",
    "bungo": "15.08.01.2001",
    "bima": "52.72.01.1001",
    "bekasi": "32.75.01.1001",
    "kapuas_hulu": "61.06.01.2004",
}
ELSEWHERE = "32.04.05.2001"  # Cileunyi Kulon: same kecamatan as Cinunuk, another desa

# Up to the first stage a request can be returned from, and who returns it.
RETURNS = {
    "national": (2, "kecamatan"),
    "bungo": (6, "dinsos_verifier"),  # 000 A langkah 6: data returned after the upload
    "bima": (6, "dinsos_verifier"),  # 001 langkah 6: rejected by SIKS-NG at input
    "bekasi": (5, "dinsos_verifier"),  # returned by the Ministry (002 Pasal 12 ayat 6)
    "kapuas_hulu": (5, "dinsos_verifier"),
}
AREA_PARTS = {
    "village_operator": 4,
    "village_head": 4,
    "siks_operator": 4,
    "tksk": 3,
    "kecamatan": 3,
    "dinsos_verifier": 2,
    "dinsos_head": 2,
}


def area_for(role: str, village_code: str) -> str:
    return "*" if role == "admin" else ".".join(village_code.split(".")[: AREA_PARTS[role]])


def make_staff(
    engine: Engine, role: str, areas: Sequence[str], *, username: str | None = None
) -> int:
    with Session(engine) as session, session.begin():
        account = add_staff(
            session,
            username=username or f"{role}-{'-'.join(areas)}",
            display_name=role,
            role=role,
            areas=areas,
            at=NOW,
        )
        assert account.id is not None
        return account.id


def staff_team(engine: Engine, village_code: str) -> dict[str, int]:
    """One account per role, each covering the village at its own level."""
    return {role: make_staff(engine, role, [area_for(role, village_code)]) for role in AREA_PARTS}


def file_request(
    engine: Engine, village_code: str, *, at: datetime = NOW, **overrides: object
) -> int:
    kind = overrides.pop("kind", "usulan")
    build = new_usulan if kind == "usulan" else new_sanggahan
    if kind == "usulan":
        overrides.setdefault("nik", fresh_nik())  # one open usulan per NIK
    with Session(engine) as session, session.begin():
        request = create_request(session, build(village_code=village_code, **overrides), now=at)
        assert request.id is not None
        return request.id


def act(
    engine: Engine,
    request_id: int,
    action: str,
    staff_id: int,
    *,
    note: str | None = None,
    at: datetime = NOW,
    paperwork: bool = True,
) -> Request:
    """Move a request as this account; with `paperwork`, the documents the action needs
    (an SK Wali Kota, a Berita Acara...) are recorded first, as staff would."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        request = session.get(Request, request_id)
        staff = session.get(StaffAccount, staff_id)
        assert request is not None and staff is not None
        documents = []
        transition = WORKFLOWS.for_village(request.village_code).transition(request.status, action)
        if paperwork and transition is not None:
            documents = [
                record_document(
                    session,
                    kind=kind,
                    number=f"{kind.upper()}/{request_id}/2026",
                    issued_on=at.date(),
                    area_code=request.village_code[:5],
                    staff=staff,
                    at=at,
                )
                for kind in transition.documents
            ]
        move_request(
            session,
            request,
            action,
            staff=staff,
            workflows=WORKFLOWS,
            note=note,
            documents=documents,
            at=at,
        )
        return request


def outbox(engine: Engine, request_id: int) -> list[OutboxNotification]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(OutboxNotification)
                .where(OutboxNotification.request_id == request_id)
                .order_by(col(OutboxNotification.id))
            )
        )


def load(engine: Engine, request_id: int) -> Request:
    with Session(engine) as session:
        request = session.get(Request, request_id)
        assert request is not None
        return request


# -- each shipped workflow, walked with real accounts -------------------------------------------


@pytest.mark.parametrize("workflow_id", sorted(HAPPY_PATHS))
def test_each_workflow_walks_to_accepted_and_tells_the_citizen_at_every_move(
    db_engine: Engine, workflow_id: str
) -> None:
    village = VILLAGES[workflow_id]
    workflow = WORKFLOWS.for_village(village)
    assert workflow.id == workflow_id
    language = "en" if workflow_id in ("bima", "bekasi") else "id"
    team = staff_team(db_engine, village)
    request_id = file_request(db_engine, village, language=language, chat_id=f"chat-{workflow_id}")
    at = NOW
    for step, (action, role) in enumerate(HAPPY_PATHS[workflow_id], start=1):
        at += timedelta(days=1)
        request = act(db_engine, request_id, action, team[role], at=at)
        stage = workflow.stage(request.status)
        notes = outbox(db_engine, request_id)
        assert len(notes) == step
        latest = notes[-1]
        assert latest.kind == "status_changed" and latest.status == "pending"
        assert latest.channel == "telegram" and latest.recipient == f"chat-{workflow_id}"
        assert stage.citizen.get(language) in latest.text
        assert format_ticket(request.ticket) in latest.text
        assert request.nik not in latest.text
        # Going forward is never told as "returned" (Bekasi: kecamatan -> kelurahan meeting).
        assert catalogue(language).text("notify.returned") not in latest.text
        assert latest.variables == {
            "1": format_ticket(request.ticket),
            "2": stage.citizen.get(language),
        }
    final = load(db_engine, request_id)
    assert workflow.stage(final.status).kind == "accepted"
    assert final.closed_at is not None
    assert (
        catalogue(language).text("notify.next.accepted") in outbox(db_engine, request_id)[-1].text
    )
    with Session(db_engine) as session:
        history = status_history(session, request_id)
        assert history[0].to_status == "diterima"
        assert len(history) == len(HAPPY_PATHS[workflow_id]) + 1
        assert {h.actor for h in history[1:]} <= {f"staff:{i}" for i in team.values()}
        allowed = session.exec(select(AccessLog).where(col(AccessLog.allowed).is_(True))).all()
        assert len(allowed) == len(HAPPY_PATHS[workflow_id])


@pytest.mark.parametrize("workflow_id", sorted(HAPPY_PATHS))
def test_each_workflow_returns_a_request_to_the_village_and_says_so(
    db_engine: Engine, workflow_id: str
) -> None:
    village = VILLAGES[workflow_id]
    workflow = WORKFLOWS.for_village(village)
    team = staff_team(db_engine, village)
    request_id = file_request(db_engine, village)
    steps, returner = RETURNS[workflow_id]
    for action, role in HAPPY_PATHS[workflow_id][:steps]:
        act(db_engine, request_id, action, team[role])
    with pytest.raises(TransitionRefused) as refused:
        act(db_engine, request_id, "kembalikan", team[returner])
    assert refused.value.reason == "note_required"
    back = act(db_engine, request_id, "kembalikan", team[returner], note="KK belum padan")
    stage = workflow.stage(back.status)
    assert stage.kind == "deliberation" and stage.level == "village"
    message = outbox(db_engine, request_id)[-1].text
    assert catalogue("id").text("notify.returned") in message
    assert stage.citizen.get() in message
    # Back at the village, the meeting can decide again and the request goes on.
    again = act(db_engine, request_id, "layak", team["village_head"])
    assert workflow.stage(again.status).kind == "verification"


def test_not_eligible_tells_the_reason_and_what_the_citizen_can_do(db_engine: Engine) -> None:
    village = VILLAGES["national"]
    team = staff_team(db_engine, village)
    usulan = file_request(db_engine, village)
    sanggahan = file_request(db_engine, village, kind="sanggahan", language="en")
    for request_id in (usulan, sanggahan):
        act(db_engine, request_id, "agendakan", team["village_operator"])
        act(db_engine, request_id, "tidak_layak", team["village_head"], note="Rumah layak huni")
    cat_id, cat_en = catalogue("id"), catalogue("en")
    text = outbox(db_engine, usulan)[-1].text
    assert "Alasan: Rumah layak huni" in text
    assert cat_id.text("notify.can_do.usulan") in text
    text_en = outbox(db_engine, sanggahan)[-1].text
    assert "Reason: Rumah layak huni" in text_en
    assert cat_en.text("notify.can_do.sanggahan") in text_en
    assert load(db_engine, usulan).closed_at is not None


# -- refusals: area, role, account --------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(AREA_PARTS))
def test_every_role_is_refused_outside_its_area_and_the_attempt_is_kept_in_the_log(
    db_engine: Engine, role: str
) -> None:
    village = VILLAGES["national"]
    team = staff_team(db_engine, village)
    request_id = file_request(db_engine, village)
    act(db_engine, request_id, "agendakan", team["village_operator"])
    # An account of the same role, for another desa / kecamatan / kabupaten.
    elsewhere = {4: "32.04.05.2001", 3: "32.04.06", 2: "32.73"}[AREA_PARTS[role]]
    outsider = make_staff(db_engine, role, [elsewhere], username=f"outsider-{role}")
    with pytest.raises(AccessRefused) as refused:
        act(db_engine, request_id, "layak", outsider)
    assert refused.value.reason == "outside_area"
    assert load(db_engine, request_id).status == "musyawarah"
    assert len(outbox(db_engine, request_id)) == 1  # only the agendakan notice
    with Session(db_engine) as session:
        (attempt,) = refused_attempts(session, outsider)
        assert attempt.action == "move:layak"
        assert attempt.target.startswith("request:")
        assert attempt.detail is not None and "outside area" in attempt.detail


def test_the_wrong_role_is_refused_with_a_reason_and_logged(db_engine: Engine) -> None:
    village = VILLAGES["national"]
    team = staff_team(db_engine, village)
    request_id = file_request(db_engine, village)
    act(db_engine, request_id, "agendakan", team["village_operator"])
    act(db_engine, request_id, "layak", team["village_head"])
    # In the area, but forwarding to Dinas Sosial is the kecamatan's job.
    with pytest.raises(TransitionRefused) as refused:
        act(db_engine, request_id, "teruskan", team["village_head"])
    assert refused.value.reason == "role_not_allowed"
    with pytest.raises(TransitionRefused) as unknown:
        act(db_engine, request_id, "masuk_dtsen", team["dinsos_head"])
    assert unknown.value.reason == "unknown_action"
    with Session(db_engine) as session:
        assert [
            a.detail.split(":")[0]
            for a in refused_attempts(session, team["village_head"])
            if a.detail
        ] == ["role_not_allowed"]
        assert len(refused_attempts(session, team["dinsos_head"])) == 1
    assert load(db_engine, request_id).status == "verifikasi_kecamatan"


def test_a_disabled_account_cannot_move_anything(db_engine: Engine) -> None:
    village = VILLAGES["national"]
    operator = make_staff(db_engine, "village_operator", [village])
    request_id = file_request(db_engine, village)
    with Session(db_engine) as session, session.begin():
        disable_staff(session, f"village_operator-{village}", at=NOW)
    with pytest.raises(AccessRefused) as refused:
        act(db_engine, request_id, "agendakan", operator)
    assert refused.value.reason == "disabled"
    with Session(db_engine) as session:
        assert refused_attempts(session, operator)[0].detail == "disabled"


def test_a_move_and_its_notification_are_stored_together_or_not_at_all(db_engine: Engine) -> None:
    village = VILLAGES["national"]
    operator = make_staff(db_engine, "village_operator", [village])
    request_id = file_request(db_engine, village)
    with pytest.raises(RuntimeError), Session(db_engine) as session, session.begin():
        request = session.get(Request, request_id)
        staff = session.get(StaffAccount, operator)
        assert request is not None and staff is not None
        move_request(session, request, "agendakan", staff=staff, workflows=WORKFLOWS, at=NOW)
        raise RuntimeError("the server died before the commit")
    assert load(db_engine, request_id).status == "diterima"
    assert outbox(db_engine, request_id) == []


def test_a_request_whose_citizen_withdrew_consent_may_only_be_closed(db_engine: Engine) -> None:
    village = VILLAGES["national"]
    operator = make_staff(db_engine, "village_operator", [village])
    request_id = file_request(db_engine, village, flags=["consent_withdrawn"])
    with pytest.raises(TransitionRefused) as refused:
        act(db_engine, request_id, "agendakan", operator)
    assert refused.value.reason == "consent_withdrawn"
    closed = act(db_engine, request_id, "tutup", operator, note="Persetujuan ditarik")
    assert closed.closed_at is not None


# -- bulk forwarding ----------------------------------------------------------------------------


def test_forwarding_in_bulk_moves_what_it_may_and_reports_the_rest(db_engine: Engine) -> None:
    village = VILLAGES["national"]
    team = staff_team(db_engine, village)
    ready = [file_request(db_engine, village) for _ in range(3)]
    for request_id in ready:
        act(db_engine, request_id, "agendakan", team["village_operator"])
        act(db_engine, request_id, "layak", team["village_head"])
    not_yet = file_request(db_engine, village)  # still "diterima"
    other_kecamatan = file_request(db_engine, "32.04.06.2001")
    kecamatan = team["kecamatan"]
    with Session(db_engine) as session, session.begin():
        staff = session.get(StaffAccount, kecamatan)
        assert staff is not None
        requests = [session.get(Request, i) for i in [*ready, not_yet, other_kecamatan]]
        report = forward_many(
            session,
            [r for r in requests if r is not None],
            "teruskan",
            staff=staff,
            workflows=WORKFLOWS,
            at=NOW,
        )
        tickets = {
            i: r.ticket
            for i, r in zip([*ready, not_yet, other_kecamatan], requests, strict=True)
            if r
        }
    assert [ticket for ticket, _change in report.moved] == [tickets[i] for i in ready]
    assert [(ticket, reason) for ticket, reason, _message in report.refused] == [
        (tickets[not_yet], "unknown_action"),
        (tickets[other_kecamatan], "outside_area"),
    ]
    assert not report.ok
    for request_id in ready:
        assert load(db_engine, request_id).status == "verifikasi_dinsos"
    with Session(db_engine) as session:
        assert len(refused_attempts(session, kecamatan)) == 2


# -- the queue ----------------------------------------------------------------------------------


def test_the_queue_shows_only_the_area_newest_first_with_filters(db_engine: Engine) -> None:
    cinunuk, kulon, other_kabupaten = "32.04.05.2004", "32.04.05.2001", "32.73.01.1001"
    first = file_request(
        db_engine, cinunuk, answers={"dusun": "Krajan", "rt": "003", "rw": "001"}, at=NOW
    )
    second = file_request(
        db_engine,
        cinunuk,
        kind="sanggahan",
        answers={"dusun": "Sukamaju", "rt": "004", "rw": "001"},
        flags=["nik_region_unconfirmed"],
        at=NOW + timedelta(hours=1),
    )
    third = file_request(
        db_engine,
        kulon,
        answers={"dusun": "krajan", "rt": "003", "rw": "002"},
        at=NOW + timedelta(hours=2),
    )
    file_request(db_engine, other_kabupaten, at=NOW + timedelta(hours=3))
    village = make_staff(db_engine, "village_operator", [cinunuk])
    kecamatan = make_staff(db_engine, "kecamatan", ["32.04.05"])
    dinsos = make_staff(db_engine, "dinsos_verifier", ["32.04"])
    admin = make_staff(db_engine, "admin", ["*"])

    def ids(
        staff_id: int,
        filters: QueueFilters | None = None,
        *,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[int | None]:
        with Session(db_engine) as session:
            staff = session.get(StaffAccount, staff_id)
            assert staff is not None
            found = queue_for(
                session,
                staff,
                filters or QueueFilters(),
                workflows=WORKFLOWS,
                limit=limit,
                offset=offset,
            )
            return [r.id for r in found]

    assert ids(village) == [second, first]
    assert ids(kecamatan) == [third, second, first]
    assert ids(dinsos) == [third, second, first]
    assert len(ids(admin)) == 4
    assert ids(kecamatan, QueueFilters(kind="usulan")) == [third, first]
    assert ids(kecamatan, QueueFilters(dusun="KRAJAN")) == [third, first]
    assert ids(kecamatan, QueueFilters(rt="3")) == [third, first]
    assert ids(kecamatan, QueueFilters(rt="3", rw="2")) == [third]
    assert ids(kecamatan, QueueFilters(flag="nik_region_unconfirmed")) == [second]
    assert ids(kecamatan, QueueFilters(status="diterima"), limit=2) == [third, second]
    assert ids(kecamatan, limit=2, offset=2) == [first]
    # "My work": kecamatan staff have nothing to do while requests wait for the village.
    assert ids(kecamatan, QueueFilters(mine=True)) == []
    assert ids(village, QueueFilters(mine=True)) == [second, first]


def test_a_disabled_account_sees_no_queue(db_engine: Engine) -> None:
    staff_id = make_staff(db_engine, "kecamatan", ["32.04.05"])
    with Session(db_engine) as session, session.begin():
        disable_staff(session, "kecamatan-32.04.05", at=NOW)
    with Session(db_engine) as session:
        staff = session.get(StaffAccount, staff_id)
        assert staff is not None
        with pytest.raises(AccessRefused):
            queue_for(session, staff, at=NOW)
        session.commit()
    with Session(db_engine) as session:
        assert refused_attempts(session, staff_id)[0].action == "queue"


def test_a_move_that_needs_a_document_is_refused_without_it_and_shows_it_after(
    db_engine: Engine,
) -> None:
    """Bima: the SK Wali Kota is a requirement of the SIKS-NG input (001 langkah 5)."""
    village = VILLAGES["bima"]
    team = staff_team(db_engine, village)
    request_id = file_request(db_engine, village)
    path = HAPPY_PATHS["bima"]
    before_input = [action for action, _ in path].index("setujui")
    for action, role in path[:before_input]:
        act(db_engine, request_id, action, team[role])
    with pytest.raises(TransitionRefused) as refused:
        act(db_engine, request_id, "setujui", team["dinsos_head"], paperwork=False)
    assert refused.value.reason == "document_required" and "SK Wali Kota" in str(refused.value)
    assert load(db_engine, request_id).status == "hasil_kabid"
    act(db_engine, request_id, "setujui", team["dinsos_head"])
    with Session(db_engine) as session:
        shown = documents_of(session, request_id)
        assert [d.kind for d in shown] == ["berita_acara", "sptjm", "sk_walikota"]
        (change,) = [h for h in status_history(session, request_id) if h.to_status == "input_siks"]
        assert shown[-1].status_change_id == change.id


# -- the Minister's penetapan -------------------------------------------------------------------


def test_a_bima_citizen_is_told_masuk_dtsen_only_after_the_penetapan_and_never_overdue(
    db_engine: Engine,
) -> None:
    from staff.penetapan import Decision, record_penetapan, waiting_for_penetapan

    village = VILLAGES["bima"]
    workflow = WORKFLOWS.for_village(village)
    team = staff_team(db_engine, village)
    accepted, refused = (file_request(db_engine, village, chat_id=c) for c in ("a", "b"))
    at = NOW
    for request_id in (accepted, refused):
        for action, role in HAPPY_PATHS["bima"][:-1]:
            at += timedelta(hours=1)
            act(db_engine, request_id, action, team[role], at=at)
        assert load(db_engine, request_id).status == "menunggu_penetapan"
        # Months later, waiting for the Minister is not "late" for anyone.
        entered = at.date()
        assert workflow.overdue_days("menunggu_penetapan", entered, entered + timedelta(400)) == 0
        assert all("masuk DTSEN" not in n.text for n in outbox(db_engine, request_id))
    with Session(db_engine, expire_on_commit=False) as session, session.begin():
        head = session.get(StaffAccount, team["dinsos_head"])
        assert head is not None
        waiting = waiting_for_penetapan(session, head, WORKFLOWS)
        assert {r.id for r in waiting} == {accepted, refused}
        tickets = {r.id: r.ticket for r in waiting}
        report = record_penetapan(
            session,
            [
                Decision(tickets[accepted], "ditetapkan"),
                Decision(tickets[refused], "tidak_ditetapkan"),
                Decision("U2345678", "ditetapkan"),
            ],
            month="2026-03",
            number="Penetapan DTSEN Maret 2026",
            issued_on=(NOW + timedelta(days=30)).date(),
            file_ref=None,
            staff=head,
            workflows=WORKFLOWS,
            at=at + timedelta(days=30),
            month_name="Maret 2026",
        )
    assert sorted(d for _t, d in report.moved) == ["ditetapkan", "tidak_ditetapkan"]
    assert report.refused == [("U2345678", "not_found")]
    yes, no = load(db_engine, accepted), load(db_engine, refused)
    assert workflow.stage(yes.status).kind == "accepted" and yes.closed_at is not None
    assert workflow.stage(no.status).kind == "rejected" and no.closed_at is not None
    assert "masuk DTSEN" in outbox(db_engine, accepted)[-1].text
    told = outbox(db_engine, refused)[-1].text
    assert "masuk DTSEN" not in told.replace("Tidak ditetapkan masuk DTSEN", "")
    assert "Tidak termasuk penetapan Menteri Sosial bulan Maret 2026" in told
    with Session(db_engine) as session:
        (paper,) = [d for d in documents_of(session, accepted) if d.kind == "penetapan"]
        assert paper.number == "Penetapan DTSEN Maret 2026"


def test_the_penetapan_list_is_read_from_a_csv_with_kind_errors() -> None:
    from staff.penetapan import Decision, PenetapanProblem, parse_list

    text = "Tiket;Keputusan;Alasan\nu-7kq4m9;Ditetapkan\nS-7KQ4MA; tidak  ditetapkan ;NIK ganda\n\n"
    assert parse_list(text) == [
        Decision("U7KQ4M9", "ditetapkan"),
        Decision("S7KQ4MA", "tidak_ditetapkan", "NIK ganda"),
    ]
    with pytest.raises(PenetapanProblem, match="Baris 2"):
        parse_list("tiket,keputusan\nU-7KQ4M9,mungkin\n")
    with pytest.raises(PenetapanProblem, match="kosong"):
        parse_list("tiket,keputusan\n")
