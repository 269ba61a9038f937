"""The access trail read back for those who answer for the data: a Kepala Dinas Sosial
reads what happened to their kabupaten's citizens and what their own staff did, and
nothing of another kabupaten; the administrator reads everything (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from models.requests import create_request
from models.staff import add_staff, log_access
from models.tables import ExportLog, Musyawarah
from staff.audit import TrailQuery, audit_trail
from staff.review import log_refusal
from tests.models.factories import fresh_nik, new_usulan

BANDUNG = "32.04"
CINUNUK = "32.04.05.2004"  # Kab. Bandung
KEPANJEN = "35.07.21.2003"  # Kab. Malang: another kabupaten, another province
T0 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)


def _staff(session: Session, username: str, role: str, areas: list[str]) -> int:
    account = add_staff(
        session,
        username=username,
        display_name=username.title(),
        role=role,
        areas=areas,
        password_hash="-",
        at=T0,
    )
    assert account.id is not None
    return account.id


def _log(
    session: Session, staff_id: int | None, action: str, target: str, at: datetime, ok: bool = True
) -> None:
    if ok:
        log_access(session, staff_id=staff_id, action=action, target=target, allowed=True, at=at)
    else:
        log_refusal(session, staff_id=staff_id, action=action, target=target, at=at, detail="x")


def _export(
    session: Session, staff_id: int | None, area: str, at: datetime, rows: int = 3, **more: str
) -> None:
    session.add(
        ExportLog(staff_id=staff_id, at=at, area_code=area, file_format="csv", rows=rows, **more)
    )


def _ticket(session: Session, village: str) -> str:
    request = create_request(
        session, new_usulan(village_code=village, nik=fresh_nik()), now=T0 - timedelta(days=1)
    )
    return request.ticket


def test_a_kepala_dinas_reads_their_kabupaten_and_the_administrator_reads_everything(
    db_engine: Engine,
) -> None:
    with Session(db_engine) as session, session.begin():
        sri = _staff(session, "sri", "village_operator", [CINUNUK])
        joko = _staff(session, "joko", "village_operator", [KEPANJEN])
        ours, theirs = _ticket(session, CINUNUK), _ticket(session, KEPANJEN)
        meeting = Musyawarah(village_code=CINUNUK, held_on=T0, place="Balai desa", created_at=T0)
        session.add(meeting)
        session.flush()
        agenda = f"musyawarah:{meeting.id}"
        at = iter(T0 + timedelta(minutes=i) for i in range(100))
        _log(session, sri, "view", f"request:{ours}", next(at))
        _log(session, joko, "view", f"request:{theirs}", next(at))
        # Joko of Malang tries a Bandung ticket: Bandung's head must see it.
        _log(session, joko, "view", f"request:{ours}", next(at), ok=False)
        _log(session, sri, "musyawarah.agenda_print", agenda, next(at))
        _export(session, sri, CINUNUK, next(at))
        _export(session, None, "35.07", next(at))  # from the command line
        _export(session, None, BANDUNG, next(at), list_name="sanggahan")
        _log(session, None, "login", "sri", next(at), ok=False)
        _log(session, None, "login", "nobody", next(at), ok=False)
        _log(session, sri, "login", "sri", next(at))

    def trail(areas: list[str], view: str = "data") -> list[tuple[object, ...]]:
        with Session(db_engine) as session:
            page = audit_trail(session, areas, TrailQuery(view=view))  # type: ignore[arg-type]
        return [(e.staff_id, e.action, e.target, e.allowed) for e in page.entries]

    assert trail([BANDUNG]) == [  # newest first; exports and page views in one trail
        (None, "export", f"area:{BANDUNG}", True),
        (sri, "export", f"area:{CINUNUK}", True),
        (sri, "musyawarah.agenda_print", agenda, True),
        (sri, "view", f"request:{ours}", True),
    ]
    assert trail([BANDUNG], "ditolak") == [(joko, "view", f"request:{ours}", False)]
    assert trail([BANDUNG], "masuk") == [  # attempts on Sri's username; not "nobody"
        (sri, "login", "sri", True),
        (None, "login", "sri", False),
    ]
    assert trail(["35.07"]) == [
        (None, "export", "area:35.07", True),
        (joko, "view", f"request:{theirs}", True),
    ]
    everything = trail(["*"], "semua")
    assert len(everything) == 10 and (None, "login", "nobody", False) in everything
    assert trail([]) == []


def test_the_trail_is_read_a_page_at_a_time_newest_first_and_by_staff_member(
    db_engine: Engine,
) -> None:
    with Session(db_engine) as session, session.begin():
        sri = _staff(session, "sri", "village_operator", [CINUNUK])
        budi = _staff(session, "budi", "village_operator", [CINUNUK])
        ticket = _ticket(session, CINUNUK)
        for i in range(130):
            who = sri if i % 2 else budi
            _log(session, who, "view", f"request:{ticket}", T0 + timedelta(minutes=i))
        for i in range(30):
            _export(session, sri, CINUNUK, T0 + timedelta(minutes=i, seconds=30), rows=i)
    with Session(db_engine) as session:
        first = audit_trail(session, [BANDUNG], TrailQuery(), size=100)
        second = audit_trail(session, [BANDUNG], TrailQuery(offset=100), size=100)
        only_sri = audit_trail(session, [BANDUNG], TrailQuery(staff_id=sri), size=500)
        one_hour = audit_trail(
            session,
            [BANDUNG],
            TrailQuery(since=T0 + timedelta(minutes=60), until=T0 + timedelta(minutes=120)),
            size=500,
        )
    moments = [e.at for e in first.entries + second.entries]
    assert len(first.entries) == 100 and first.more
    assert len(second.entries) == 60 and not second.more
    assert moments == sorted(moments, reverse=True) and len(set(moments)) == 160
    assert len(only_sri.entries) == 65 + 30
    assert {e.staff_id for e in only_sri.entries} == {sri}
    assert len(one_hour.entries) == 60 and budi in {e.staff_id for e in one_hour.entries}
