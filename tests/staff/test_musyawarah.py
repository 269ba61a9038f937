"""The musyawarah from planning to closing, with every citizen told the meeting's decision."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from bot.worker import Worker
from conversations.catalogue import catalogue
from conversations.tickets import format_ticket
from models.staff import refused_attempts
from models.tables import (
    Musyawarah,
    MusyawarahItem,
    OutboxNotification,
    Request,
    StaffAccount,
    TransitionDocument,
)
from staff import musyawarah
from staff.documents import documents_of
from staff.minutes import MinutesRejected, MinutesStore
from staff.musyawarah import MeetingRefused
from staff.review import AccessRefused
from staff.workflow import Workflows, parse_workflow
from tests.bot.test_worker import FakeNotifier
from tests.conftest import TEST_KEYS
from tests.models.factories import JPEG, NOW, PDF
from tests.staff.test_review import (
    VILLAGES,
    WORKFLOWS,
    act,
    file_request,
    load,
    make_staff,
    outbox,
    staff_team,
)
from tests.staff.test_workflow import HAPPY_PATHS

HELD_ON = NOW + timedelta(days=7)


def staff_of(session: Session, staff_id: int) -> StaffAccount:
    staff = session.get(StaffAccount, staff_id)
    assert staff is not None
    return staff


def requests_of(session: Session, ids: list[int]) -> list[Request]:
    found = [session.get(Request, i) for i in ids]
    assert all(found)
    return [r for r in found if r is not None]


def plan(engine: Engine, staff_id: int, village: str) -> int:
    with Session(engine) as session, session.begin():
        meeting = musyawarah.plan(
            session,
            village_code=village,
            held_on=HELD_ON,
            place="Balai Desa",
            staff=staff_of(session, staff_id),
            at=NOW,
        )
        assert meeting.id is not None
        return meeting.id


def add(
    engine: Engine, meeting_id: int, staff_id: int, ids: list[int], workflows: Workflows = WORKFLOWS
) -> None:
    with Session(engine) as session, session.begin():
        meeting = session.get(Musyawarah, meeting_id)
        assert meeting is not None
        musyawarah.add_to_agenda(
            session,
            meeting,
            requests_of(session, ids),
            staff=staff_of(session, staff_id),
            workflows=workflows,
            at=NOW + timedelta(hours=1),
        )


def decide(
    engine: Engine, meeting_id: int, staff_id: int, decisions: dict[int, tuple[str, str | None]]
) -> None:
    with Session(engine) as session, session.begin():
        items = session.exec(
            select(MusyawarahItem).where(MusyawarahItem.musyawarah_id == meeting_id)
        ).all()
        for item in items:
            if item.request_id in decisions:
                decision, note = decisions[item.request_id]
                musyawarah.record_decision(
                    session,
                    item,
                    decision,
                    note,
                    staff=staff_of(session, staff_id),
                    at=HELD_ON,
                    workflows=WORKFLOWS,
                )


def everyone(workflows: Workflows, village: str) -> list[musyawarah.Participant]:
    """One person for each role the region lists, and someone else."""
    workflow = workflows.for_village(village)
    people = [
        musyawarah.Participant(f"Bapak/Ibu {role.label.get()}", role.id)
        for role in workflow.meeting.participant_roles
    ]
    return [*people, musyawarah.Participant("Ketua RT 03")]


def close(
    engine: Engine,
    meeting_id: int,
    staff_id: int,
    workflows: Workflows = WORKFLOWS,
    minutes: str | None = None,
    attendance: list[musyawarah.Participant] | None = None,
) -> None:
    with Session(engine) as session, session.begin():
        meeting = session.get(Musyawarah, meeting_id)
        assert meeting is not None
        musyawarah.close(
            session,
            meeting,
            berita_acara_number="140/12/DS/2025",
            berita_acara_date=date(2025, 11, 27),
            attendance=everyone(workflows, meeting.village_code)
            if attendance is None
            else attendance,
            minutes_ref=minutes,
            staff=staff_of(session, staff_id),
            workflows=workflows,
            at=HELD_ON + timedelta(hours=3),
        )


@pytest.mark.parametrize("workflow_id", sorted(VILLAGES))
def test_a_musyawarah_from_agenda_to_closing_tells_every_citizen(
    db_engine: Engine, workflow_id: str, tmp_path: Path
) -> None:
    village = VILLAGES[workflow_id]
    workflow = WORKFLOWS.for_village(village)
    team = staff_team(db_engine, village)
    operator, head = team["village_operator"], team["village_head"]
    fresh = file_request(db_engine, village, chat_id="111")  # one step before the meeting
    waiting = file_request(db_engine, village, chat_id="222")
    objection = file_request(
        db_engine, village, kind="sanggahan", language="en", chat_id="whatsapp:+628120000333"
    )
    # The moves before the village meeting (Bekasi: Dinas Sosial, then the kecamatan).
    before = HAPPY_PATHS[workflow_id][: [a for a, _ in HAPPY_PATHS[workflow_id]].index("layak")]
    for request_id in (waiting, objection):
        for action, role in before:
            act(db_engine, request_id, action, team[role])
    for action, role in before[:-1] if before[-1][0] == "agendakan" else before:
        act(db_engine, fresh, action, team[role])
    meeting_id = plan(db_engine, operator, village)
    add(db_engine, meeting_id, operator, [fresh, waiting, objection])
    deliberation = {s.id for s in workflow.stages if s.kind == "deliberation"}
    assert load(db_engine, fresh).status in deliberation  # moved there by being added
    assert (
        workflow.stage(load(db_engine, fresh).status).citizen.get()
        in outbox(db_engine, fresh)[-1].text
    )
    decide(
        db_engine,
        meeting_id,
        head,
        {
            fresh: ("layak", None),
            waiting: ("layak", "Rumah berlantai tanah"),
            objection: ("ditolak", "Penerima masih tinggal di alamat itu"),
        },
    )
    minutes = MinutesStore(tmp_path / "minutes", TEST_KEYS).put(PDF)
    close(db_engine, meeting_id, head, minutes=minutes.ref)

    with Session(db_engine) as session:
        meeting = session.get(Musyawarah, meeting_id)
        assert meeting is not None
        assert meeting.status == "closed" and meeting.closed_at is not None
        assert meeting.berita_acara_number == "140/12/DS/2025"
        assert musyawarah.participants(meeting) == everyone(WORKFLOWS, village)
        assert meeting.minutes_ref == minutes.ref
        # The Berita Acara is one document, shown with every request's move.
        for request_id in (fresh, waiting, objection):
            (shown,) = documents_of(session, request_id)
            assert (shown.kind, shown.number, shown.file_ref) == (
                "berita_acara",
                "140/12/DS/2025",
                minutes.ref,
            )
        assert session.exec(select(func.count()).select_from(TransitionDocument)).one() == 1
    for request_id in (fresh, waiting):
        assert workflow.stage(load(db_engine, request_id).status).kind == "verification"
    rejected = load(db_engine, objection)
    if workflow_id == "bekasi":
        # The kelurahan's "tidak layak" goes to Dinas Sosial, who decides (004 langkah 5).
        assert workflow.stage(rejected.status).kind == "verification"
        assert rejected.closed_at is None
        return
    assert workflow.stage(rejected.status).kind == "rejected" and rejected.closed_at is not None

    # The worker delivers through the channel doubles: one message per move, in order.
    telegram, whatsapp = FakeNotifier("telegram"), FakeNotifier("whatsapp")
    worker = Worker(db_engine, {"telegram": telegram, "whatsapp": whatsapp})
    while asyncio.run(worker.run_once(HELD_ON + timedelta(hours=4))):
        pass
    by_chat: dict[str, list[str]] = {}
    for chat_id, notification in telegram.sent + whatsapp.sent:
        by_chat.setdefault(chat_id, []).append(notification.text)
    assert set(by_chat) == {"111", "222", "whatsapp:+628120000333"}
    assert all(len(texts) == 2 for texts in by_chat.values())  # to the agenda, then the decision
    verified = next(s for s in workflow.stages if s.id == load(db_engine, fresh).status)
    assert (
        verified.citizen.get() in by_chat["111"][-1]
        and verified.citizen.get() in by_chat["222"][-1]
    )
    last_en = by_chat["whatsapp:+628120000333"][-1]
    # Told as an objection: rejected, the data stays; never the usulan's "apply again".
    assert catalogue("en").text("notify.sanggahan.decision.ditolak") in last_en
    assert workflow.stage(rejected.status).citizen.get("en") not in last_en
    assert "Reason: Penerima masih tinggal di alamat itu" in last_en
    assert catalogue("en").text("notify.can_do.sanggahan") in last_en
    assert format_ticket(rejected.ticket) in last_en
    with Session(db_engine) as session:
        assert {n.status for n in session.exec(select(OutboxNotification))} == {"sent"}


def test_closing_is_refused_while_a_decision_is_missing(db_engine: Engine) -> None:
    village = VILLAGES["national"]
    team = staff_team(db_engine, village)
    head = team["village_head"]
    first, second = file_request(db_engine, village), file_request(db_engine, village)
    meeting_id = plan(db_engine, head, village)
    add(db_engine, meeting_id, head, [first, second])
    decide(db_engine, meeting_id, head, {first: ("layak", None)})
    with pytest.raises(MeetingRefused) as refused:
        close(db_engine, meeting_id, head)
    assert refused.value.reason == "decision_missing"
    assert format_ticket(load(db_engine, second).ticket) in str(refused.value)
    assert load(db_engine, first).status == "musyawarah"  # nothing moved
    with Session(db_engine) as session:
        meeting = session.get(Musyawarah, meeting_id)
        assert meeting is not None and meeting.status == "planned"
        assert [a.detail.split(":")[0] for a in refused_attempts(session, head) if a.detail] == [
            "decision_missing"
        ]
    assert len(outbox(db_engine, first)) == 1  # only "to be discussed"


def test_not_eligible_needs_the_reason_the_citizen_will_read(db_engine: Engine) -> None:
    village = VILLAGES["national"]
    head = make_staff(db_engine, "village_head", [village])
    request_id = file_request(db_engine, village)
    meeting_id = plan(db_engine, head, village)
    add(db_engine, meeting_id, head, [request_id])
    with pytest.raises(MeetingRefused) as refused:
        decide(db_engine, meeting_id, head, {request_id: ("tidak_layak", "  ")})
    assert refused.value.reason == "note_required"
    with pytest.raises(MeetingRefused):
        decide(db_engine, meeting_id, head, {request_id: ("mungkin", None)})


def test_only_requests_of_the_village_waiting_for_it_go_on_the_agenda(db_engine: Engine) -> None:
    village, neighbour = "32.04.05.2004", "32.04.05.2001"
    team = staff_team(db_engine, village)
    two_villages = make_staff(db_engine, "village_operator", [village, neighbour], username="two")
    neighbours = file_request(db_engine, neighbour)
    meeting_id = plan(db_engine, two_villages, village)
    with pytest.raises(MeetingRefused) as other:
        add(db_engine, meeting_id, two_villages, [neighbours])
    assert other.value.reason == "other_village"
    with pytest.raises(AccessRefused):
        add(db_engine, meeting_id, team["village_operator"], [neighbours])
    later = file_request(db_engine, village)
    act(db_engine, later, "agendakan", team["village_operator"])
    act(db_engine, later, "layak", team["village_head"])
    with pytest.raises(MeetingRefused) as stage:
        add(db_engine, meeting_id, team["village_operator"], [later])
    assert stage.value.reason == "wrong_stage"
    # On one open agenda at a time; all or nothing per call.
    fresh = file_request(db_engine, village)
    other_meeting = plan(db_engine, team["village_operator"], village)
    add(db_engine, other_meeting, team["village_operator"], [fresh])
    waiting = file_request(db_engine, village)
    with pytest.raises(MeetingRefused) as twice:
        add(db_engine, meeting_id, team["village_operator"], [waiting, fresh])
    assert twice.value.reason == "on_other_agenda"
    assert load(db_engine, waiting).status == "diterima"
    with Session(db_engine) as session:
        assert (
            session.exec(
                select(MusyawarahItem).where(MusyawarahItem.musyawarah_id == meeting_id)
            ).all()
            == []
        )


def test_planning_outside_the_area_is_refused_and_logged(db_engine: Engine) -> None:
    operator = make_staff(db_engine, "village_operator", ["32.04.05.2004"])
    with pytest.raises(AccessRefused):
        plan(db_engine, operator, "32.04.05.2001")
    with Session(db_engine) as session:
        assert refused_attempts(session, operator)[0].action == "musyawarah.plan"


def test_only_village_staff_can_record_and_carry_out_the_decisions(db_engine: Engine) -> None:
    village = VILLAGES["national"]
    team = staff_team(db_engine, village)
    request_id = file_request(db_engine, village)
    meeting_id = plan(db_engine, team["village_operator"], village)
    add(db_engine, meeting_id, team["village_operator"], [request_id])
    with pytest.raises(MeetingRefused) as refused:
        decide(db_engine, meeting_id, team["kecamatan"], {request_id: ("layak", None)})
    assert refused.value.reason == "role_not_allowed"
    decide(db_engine, meeting_id, team["village_head"], {request_id: ("layak", None)})
    with pytest.raises(MeetingRefused) as closing:
        close(db_engine, meeting_id, team["kecamatan"])
    assert closing.value.reason == "role_not_allowed"
    assert load(db_engine, request_id).status == "musyawarah"


def test_a_region_whose_workflow_lacks_the_decision_actions_is_refused_clearly(
    db_engine: Engine,
) -> None:
    source = (Path(__file__).parents[2] / "staff" / "workflows" / "national.toml").read_text()
    renamed = source.replace('action = "layak"', 'action = "setuju"').replace(
        'action = "tidak_layak"', 'action = "tolak_musdes"'
    )
    custom = parse_workflow(renamed.replace('id = "national"', 'id = "lain"', 1), origin="lain")
    workflows = Workflows([custom])
    village = VILLAGES["national"]
    head = make_staff(db_engine, "village_head", [village])
    request_id = file_request(db_engine, village)
    meeting_id = plan(db_engine, head, village)
    add(db_engine, meeting_id, head, [request_id], workflows=workflows)
    with Session(db_engine) as session, session.begin():
        item = session.exec(select(MusyawarahItem)).one()
        musyawarah.record_decision(
            session, item, "layak", None, staff=staff_of(session, head), at=NOW
        )
    with pytest.raises(MeetingRefused) as refused:
        close(db_engine, meeting_id, head, workflows=workflows)
    assert refused.value.reason == "workflow_lacks_action"
    assert "lain" in str(refused.value) and "'layak'" in str(refused.value)


def test_signed_minutes_may_be_a_pdf_or_a_photo(tmp_path: Path) -> None:
    store = MinutesStore(tmp_path, TEST_KEYS)
    pdf, photo = store.put(PDF), store.put(JPEG)
    assert (pdf.content_type, photo.content_type) == ("application/pdf", "image/jpeg")
    assert store.get(pdf.ref) == PDF
    with pytest.raises(MinutesRejected):
        store.put(b"Berita Acara (teks biasa)")
    with pytest.raises(MinutesRejected):
        store.put(b"")


def test_a_kapuas_hulu_musdes_cannot_close_without_the_roles_of_the_circular(
    db_engine: Engine,
) -> None:
    """Surat Dinsos Kapuas Hulu 400.9.11.1/2100 angka 6 huruf b: the Musdes involves TKSK,
    Pendamping PKH, Babinsa, Babinkamtibmas, perangkat desa, RT, RW, Kepala Dusun, tokoh
    masyarakat and BPD."""
    village = VILLAGES["kapuas_hulu"]
    team = staff_team(db_engine, village)
    head = team["village_head"]
    request_id = file_request(db_engine, village)
    meeting_id = plan(db_engine, head, village)
    add(db_engine, meeting_id, head, [request_id])
    decide(db_engine, meeting_id, head, {request_id: ("layak", None)})
    without_babinsa = [p for p in everyone(WORKFLOWS, village) if p.role != "babinsa"]
    with pytest.raises(MeetingRefused) as refused:
        close(db_engine, meeting_id, head, attendance=without_babinsa)
    assert refused.value.reason == "quorum_missing" and "Babinsa" in str(refused.value)
    assert load(db_engine, request_id).status == "musyawarah"  # nothing moved
    with pytest.raises(MeetingRefused) as unknown:
        close(
            db_engine,
            meeting_id,
            head,
            attendance=[*everyone(WORKFLOWS, village), musyawarah.Participant("X", "camat")],
        )
    assert unknown.value.reason == "minutes_incomplete" and "camat" in str(unknown.value)
    close(db_engine, meeting_id, head)
    assert load(db_engine, request_id).status == "input_siks_desa"
    with Session(db_engine) as session:
        meeting = session.get(Musyawarah, meeting_id)
        assert meeting is not None and meeting.status == "closed"
        roles = {p.role for p in musyawarah.participants(meeting)}
        assert {"tksk", "pendamping_pkh", "babinsa", "babinkamtibmas", "bpd"} <= roles


def test_an_older_meeting_with_plain_names_reads_as_other_participants() -> None:
    meeting = Musyawarah(
        village_code="32.04.05.2004",
        held_on=NOW,
        place="Balai",
        attendance=["Kepala Desa", {"name": "Sri", "role": "psks"}],
        created_at=NOW,
    )
    assert musyawarah.participants(meeting) == [
        musyawarah.Participant("Kepala Desa", "lainnya"),
        musyawarah.Participant("Sri", "psks"),
    ]


def test_a_periodic_musdes_is_proposed_a_month_after_the_last() -> None:
    kapuas = WORKFLOWS.for_village(VILLAGES["kapuas_hulu"])
    today = date(2026, 3, 2)
    assert musyawarah.next_meeting_date(kapuas, None, today) == today
    assert musyawarah.next_meeting_date(kapuas, date(2026, 2, 20), today) == date(2026, 3, 20)
    assert musyawarah.next_meeting_date(kapuas, date(2025, 12, 31), today) == today
    assert musyawarah.next_meeting_date(kapuas, date(2026, 12, 10), today) == date(2027, 1, 10)
    bima = WORKFLOWS.for_village(VILLAGES["bima"])
    assert musyawarah.next_meeting_date(bima, date(2026, 2, 20), today) is None
