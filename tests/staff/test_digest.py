"""The staff summary: counts, overdue against each region's time standard, meetings, cut-off."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from conversations.tickets import format_ticket
from models.requests import change_status, create_request
from models.staff import add_staff, link_chat
from models.tables import Musyawarah, MusyawarahItem, OutboxNotification, StaffAccount
from staff.digest import digest, digest_many, late_threshold, working_days_late
from staff.digest_render import render
from staff.digest_schedule import digest_for_staff, due_digests, send_due_digests
from staff.workflow import Workflow, shipped_workflows
from tests.models.factories import (
    fresh_nik,
    new_perbaikan,
    new_perubahan,
    new_sanggahan,
    new_usulan,
)
from tests.staff.regional import own_region, with_own_region

# Kabupaten Bandung (Cinunuk, Cileunyi) with time standards of its own choosing.
WORKFLOWS = with_own_region()

# Wednesday 10 December 2025, 10:00 in Jakarta.
NOW = datetime(2025, 12, 10, 3, 0, tzinfo=UTC)
SINCE = datetime(2025, 12, 9, 0, 0, tzinfo=UTC)
CINUNUK, KULON, KECAMATAN = "32.04.05.2004", "32.04.05.2001", "32.04.05"


def at(day: str, hour: int = 2) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def file(
    session: Session,
    village: str,
    filed: datetime,
    *moves: tuple[str, datetime],
    kind: str = "usulan",
    dusun: str | None = None,
    flags: list[str] | None = None,
    final: bool = False,
) -> str:
    answers = {"dusun": dusun} if dusun is not None else {}
    if kind == "usulan":
        built = new_usulan(
            village_code=village, answers=answers, flags=flags or [], nik=fresh_nik()
        )
    else:
        build = {"perubahan": new_perubahan, "perbaikan": new_perbaikan}.get(kind, new_sanggahan)
        built = build(village_code=village, answers=answers, flags=flags or [])
    request = create_request(session, built, now=filed)
    for index, (status, moved) in enumerate(moves):
        last = index == len(moves) - 1
        change_status(session, request, status, actor="staff:1", at=moved, final=final and last)
    return request.ticket


@pytest.fixture
def village_data(db_engine: Engine) -> dict[str, str]:
    """Cinunuk with requests in several states, and one late request next door."""
    with Session(db_engine) as session, session.begin():
        tickets = {
            "new_krajan_u": file(session, CINUNUK, at("2025-12-09"), dusun="Krajan"),
            "new_krajan_s": file(
                session, CINUNUK, at("2025-12-09", 3), kind="sanggahan", dusun="krajan "
            ),
            "new_sukamaju": file(session, CINUNUK, at("2025-12-09", 4), dusun="Sukamaju"),
            "new_krajan_m": file(
                session, CINUNUK, at("2025-12-09", 3), kind="perubahan", dusun="Krajan"
            ),
            "new_no_dusun": file(session, CINUNUK, at("2025-12-09", 5)),
            # Received 20 Nov (Thu): 5 working days -> due 27 Nov; 9 working days late.
            "late_received": file(session, CINUNUK, at("2025-11-20"), dusun="Krajan"),
            # On the musyawarah since 21 Nov: due 19 Dec, on time.
            "waiting": file(session, CINUNUK, at("2025-11-20"), ("musyawarah", at("2025-11-21"))),
            # On the musyawarah since 4 Nov: due 2 Dec, 6 working days late.
            "late_waiting": file(
                session, CINUNUK, at("2025-11-03"), ("musyawarah", at("2025-11-04"))
            ),
            "at_kecamatan": file(
                session,
                CINUNUK,
                at("2025-11-01"),
                ("musyawarah", at("2025-11-03")),
                ("verifikasi_kecamatan", at("2025-12-08")),
            ),
            "closed": file(
                session,
                CINUNUK,
                at("2025-10-01"),
                ("musyawarah", at("2025-10-02")),
                ("tidak_layak", at("2025-10-20")),
                final=True,
            ),
            "withdrawn": file(session, CINUNUK, at("2025-12-05"), flags=["consent_withdrawn"]),
            # Next door, at the kecamatan since 19 Nov: due 26 Nov, 10 working days late.
            "late_next_door": file(
                session,
                KULON,
                at("2025-11-01"),
                ("musyawarah", at("2025-11-03")),
                ("verifikasi_kecamatan", at("2025-11-19")),
            ),
            "new_next_door": file(session, KULON, at("2025-12-09", 6), kind="sanggahan"),
        }
        upcoming = Musyawarah(
            village_code=CINUNUK,
            held_on=at("2025-12-12", 1),
            place="Balai Desa Cinunuk",
            created_at=NOW,
        )
        forgotten = Musyawarah(
            village_code=CINUNUK, held_on=at("2025-12-01"), place="Balai Desa", created_at=NOW
        )
        done = Musyawarah(
            village_code=CINUNUK,
            held_on=at("2025-10-20"),
            place="Balai Desa",
            status="closed",
            created_at=NOW,
        )
        session.add_all([upcoming, forgotten, done])
        session.flush()
        from models.tables import Request

        for position, key in enumerate(("waiting", "late_waiting"), start=1):
            request = session.exec(select(Request).where(Request.ticket == tickets[key])).one()
            assert upcoming.id is not None and request.id is not None
            session.add(
                MusyawarahItem(musyawarah_id=upcoming.id, request_id=request.id, position=position)
            )
    return tickets


def test_a_village_digest_counts_new_waiting_overdue_meetings_and_cutoff(
    db_engine: Engine, village_data: dict[str, str]
) -> None:
    with Session(db_engine) as session:
        result = digest(
            session, area_code=CINUNUK, workflows=WORKFLOWS, now=NOW, since=SINCE, cutoff_day=17
        )
    assert result.area_name == "Cinunuk" and result.level == "village"
    assert result.new_by_kind == {"usulan": 3, "sanggahan": 1, "perbaikan": 0, "perubahan": 1}
    counts = [
        (g.name, *(g.count(k) for k in ("usulan", "sanggahan", "perubahan")))
        for g in result.new_groups
    ]
    assert counts == [
        ("Krajan", 1, 1, 1),
        ("", 1, 0, 0),
        ("Sukamaju", 1, 0, 0),
    ]
    assert result.waiting == 2
    assert result.open_total == 10
    assert result.withdrawn == 1
    assert result.overdue_total == 2
    assert [(i.ticket, i.days_over, i.status) for i in result.overdue] == [
        (village_data["late_received"], 9, "diterima"),
        (village_data["late_waiting"], 6, "musyawarah"),
    ]
    assert result.next_meeting is not None
    assert result.next_meeting.agenda == 2 and result.next_meeting.place == "Balai Desa Cinunuk"
    assert result.unclosed_meetings == 1
    assert (result.cutoff, result.cutoff_days) == (date(2025, 12, 17), 7)
    assert not result.overdue_first

    text = render(result)
    lines = text.splitlines()
    assert lines[0] == "Ringkasan DTSEN · Cinunuk"
    assert (
        "Baru sejak 9 Desember 2025 07:00: 5 (usulan 3, sanggahan 1, perbaikan 0, perubahan 1)"
        in lines
    )
    assert "• Krajan: usulan 1, sanggahan 1, perbaikan 0, perubahan 1" in lines
    assert "• (dusun tidak diisi): usulan 1, sanggahan 0, perbaikan 0, perubahan 0" in lines
    assert "Menunggu musyawarah: 2" in lines
    assert (
        "Musyawarah berikutnya: 12 Desember 2025 08:00, Balai Desa Cinunuk (Cinunuk); "
        "di agenda: 2" in lines
    )
    assert "Musyawarah yang sudah lewat tetapi belum ditutup: 1" in lines
    assert "Lewat waktu standar: 2" in lines
    late = format_ticket(village_data["late_received"])
    assert f"• {late} · Diterima · lewat 9 hari kerja · Cinunuk" in lines
    assert "Persetujuan ditarik, harus dihentikan (3×24 jam): 1" in lines
    assert lines[-1] == "Batas kirim DTSEN: 17 Desember 2025 (7 hari lagi)"
    assert text.index("Baru sejak") < text.index("Lewat waktu standar")
    assert all(len(line) <= 100 for line in lines)
    english = render(result, "en")
    assert english.startswith("DTSEN summary · Cinunuk")
    assert "Past the time standard: 2" in english


def test_a_kecamatan_digest_puts_overdue_first_and_counts_by_village(
    db_engine: Engine, village_data: dict[str, str]
) -> None:
    with Session(db_engine) as session:
        result = digest(
            session, area_code=KECAMATAN, workflows=WORKFLOWS, now=NOW, since=SINCE, cutoff_day=17
        )
    assert result.area_name == "Cileunyi" and result.overdue_first
    assert result.overdue_total == 3
    assert [i.ticket for i in result.overdue] == [
        village_data["late_next_door"],
        village_data["late_received"],
        village_data["late_waiting"],
    ]
    assert result.overdue[0].days_over == 10 and result.overdue[0].village_name == "Cileunyi Kulon"
    assert [(g.name, g.total) for g in result.new_groups] == [
        ("Cinunuk", 5),
        ("Cileunyi Kulon", 1),
    ]
    text = render(result)
    assert text.index("Lewat waktu standar: 3") < text.index("Baru sejak")
    assert "Per desa/kelurahan:" in text
    assert "Cileunyi Kulon" in text.splitlines()[4]  # the most overdue comes first of all


def test_the_same_counts_come_out_for_many_areas_at_once(
    db_engine: Engine, village_data: dict[str, str]
) -> None:
    areas = [(CINUNUK, SINCE), (KULON, SINCE), (KECAMATAN, SINCE), ("32.04", None), ("*", SINCE)]
    with Session(db_engine) as session:
        together = digest_many(session, areas, workflows=WORKFLOWS, now=NOW, cutoff_day=17)
        alone = [
            digest(session, area_code=a, workflows=WORKFLOWS, now=NOW, since=s, cutoff_day=17)
            for a, s in areas
        ]
    assert together == alone
    assert together[-1].overdue_total == 3 and together[-1].area_name == "Indonesia"


def with_holidays() -> Workflow:
    return own_region(holidays=(date(2025, 12, 29), date(2026, 3, 25)))


def test_the_overdue_threshold_matches_the_day_rule_for_every_stage() -> None:
    assert date(2025, 12, 29) in with_holidays().holidays
    for workflow in [*shipped_workflows(), with_holidays()]:
        for stage in workflow.stages:
            if stage.deadline is None:
                assert late_threshold(workflow, stage.id, date(2026, 3, 25)) is None
                continue
            for today in (
                date(2025, 12, 10),
                date(2025, 12, 29),
                date(2026, 1, 5),
                date(2026, 1, 17),
                date(2026, 3, 25),  # the day after the 2026 Lebaran week off
            ):
                threshold = late_threshold(workflow, stage.id, today)
                assert threshold is not None
                for back in range(0, 120):
                    entered = today - timedelta(days=back)
                    moment = datetime(entered.year, entered.month, entered.day, 5, tzinfo=UTC)
                    days = workflow.overdue_days(stage.id, entered, today)
                    assert (moment < threshold) == (days > 0), (workflow.id, stage.id, entered)
                    assert working_days_late(workflow, stage.id, entered, today) == days


def add_linked_staff(
    session: Session, username: str, role: str, area: str, chat: str
) -> StaffAccount:
    account = add_staff(
        session, username=username, display_name=username, role=role, areas=[area], at=NOW
    )
    assert account.id is not None
    link_chat(session, account.id, "telegram", chat, at=NOW)
    return account


def test_daily_digests_go_to_linked_chats_at_the_hour_once_a_day(
    db_engine: Engine, village_data: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("staff.digest_schedule.DAILY_CHUNK", 2)  # three staff: two rounds
    with Session(db_engine) as session, session.begin():
        add_linked_staff(session, "sri", "village_operator", CINUNUK, "501")
        add_linked_staff(session, "camat", "kecamatan", KECAMATAN, "502")
        add_linked_staff(session, "bima", "dinsos_verifier", "52.72", "503")
        add_staff(
            session,
            username="unlinked",
            display_name="x",
            role="kecamatan",
            areas=[KECAMATAN],
            at=NOW,
        )
    seven_wib = datetime(2025, 12, 10, 0, 0, tzinfo=UTC)  # 07:00 WIB, 08:00 WITA
    with Session(db_engine) as session:
        before = due_digests(session, seven_wib - timedelta(hours=1, minutes=1), hour=7)
        assert [s.username for s in before] == []  # 05:59 WIB, 06:59 WITA
        bima_first = due_digests(session, seven_wib - timedelta(minutes=59), hour=7)
        assert [s.username for s in bima_first] == ["bima"]  # 07:01 WITA
    with Session(db_engine) as session, session.begin():
        count = send_due_digests(session, now=seven_wib, hour=7, workflows=WORKFLOWS, cutoff_day=17)
    assert count == 3
    with Session(db_engine) as session:
        rows = session.exec(select(OutboxNotification)).all()
        assert sorted(r.chat_id for r in rows) == ["501", "502", "503"]
        assert {r.kind for r in rows} == {"digest"}
        by_chat = {r.chat_id: r.text for r in rows}
        assert by_chat["501"].startswith("Ringkasan DTSEN · Cinunuk")
        assert by_chat["502"].startswith("Ringkasan DTSEN · Cileunyi")
        assert "Kota Bima" in by_chat["503"]
        assert "pukul 08:00" in by_chat["503"]  # WITA: the reader's own clock
        assert "pukul 07:00" in by_chat["501"]
        # Sent today: not again until tomorrow's hour.
        assert due_digests(session, seven_wib + timedelta(hours=5), hour=7) == []
        tomorrow = due_digests(session, seven_wib + timedelta(days=1), hour=7)
        assert sorted(s.username for s in tomorrow) == ["bima", "camat", "sri"]
        # With no first summary, "new" covered the last day.
        assert "Baru sejak 9 Desember 2025 07:00" in by_chat["501"]


def test_ringkasan_on_demand_counts_since_the_last_summary(
    db_engine: Engine, village_data: dict[str, str]
) -> None:
    with Session(db_engine) as session, session.begin():
        sri = add_linked_staff(session, "sri", "village_operator", CINUNUK, "501")
        sri.last_digest_at = at("2025-12-09", 4)  # after three of the four new ones
        text = digest_for_staff(
            session, sri, workflows=WORKFLOWS, now=NOW, cutoff_day=17, language="id"
        )
        assert sri.last_digest_at == NOW
    assert (
        "Baru sejak 9 Desember 2025 11:00: 2 (usulan 2, sanggahan 0, perbaikan 0, perubahan 0)"
        in text
    )
    with Session(db_engine) as session:
        staff = session.exec(select(StaffAccount).where(StaffAccount.username == "sri")).one()
        assert staff.last_digest_at == NOW


def test_an_area_code_is_checked(db_engine: Engine) -> None:
    with Session(db_engine) as session, pytest.raises(ValueError):
        digest(session, area_code="32.4", workflows=WORKFLOWS, now=NOW, cutoff_day=17)


def test_a_kapuas_hulu_village_is_reminded_of_its_periodic_musdes(db_engine: Engine) -> None:
    kapuas = "61.06.01.2004"
    with Session(db_engine) as session, session.begin():
        file(session, kapuas, at("2025-12-09"))
    with Session(db_engine) as session:
        result = digest(session, area_code=kapuas, workflows=WORKFLOWS, now=NOW, cutoff_day=17)
        bandung = digest(session, area_code=CINUNUK, workflows=WORKFLOWS, now=NOW, cutoff_day=17)
    assert result.periodic_rule is not None and "secara berkala" in result.periodic_rule
    assert "diadakan berkala: jadwalkan" in render(result)
    assert result.no_deadline == 1 and "Tanpa batas waktu di SOP" in render(result)
    assert bandung.periodic_rule is None


def test_a_perbaikan_is_counted_as_its_own_kind_under_its_dusun(db_engine: Engine) -> None:
    with Session(db_engine) as session, session.begin():
        file(session, CINUNUK, at("2025-12-09"), kind="perbaikan", dusun="Krajan")
        file(session, CINUNUK, at("2025-12-09", 3), dusun="Krajan")
    with Session(db_engine) as session:
        result = digest(
            session, area_code=CINUNUK, workflows=WORKFLOWS, now=NOW, since=SINCE, cutoff_day=17
        )
    assert result.new_by_kind == {"usulan": 1, "sanggahan": 0, "perbaikan": 1, "perubahan": 0}
    lines = render(result).splitlines()
    assert "• Krajan: usulan 1, sanggahan 0, perbaikan 1, perubahan 0" in lines
