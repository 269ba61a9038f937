"""Who gets the staff summary, and when: on demand ("ringkasan" in a staff member's chat)
and daily, at a set hour of each staff member's own zone, written to the outbox for every
linked chat. What it counts is `staff.digest`'s; how it reads, `staff.digest_render`'s."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, time
from typing import Final

from sqlalchemy import update
from sqlmodel import Session, col, select

from conversations.catalogue import Language
from conversations.timezones import zone_for_area
from models.staff import staff_areas
from models.tables import StaffAccount, StaffArea, StaffChat
from staff.digest import digest_many
from staff.digest_render import render
from staff.outbox import NewNotification, enqueue_many
from staff.workflow import Workflows

DIGEST: Final = "digest"
# The daily run counts this many staff members' areas at a time: memory stays bounded
# (about 15 MB) however many desa there are, at the cost of one set of queries per chunk.
DAILY_CHUNK: Final = 1000


def digest_for_staff(
    session: Session,
    staff: StaffAccount,
    *,
    workflows: Workflows,
    now: datetime,
    cutoff_day: int,
    language: Language = "id",
    mark: bool = True,
) -> str:
    """The summary of each of the staff member's areas ("ringkasan" in the chat).

    New requests are counted since their last summary (a day back for the first one);
    with `mark`, this summary becomes the last one (`last_digest_at = now`, caller commits).
    """
    assert staff.id is not None
    areas = staff_areas(session, staff.id)
    if not areas:
        return ""
    since = staff.last_digest_at
    digests = digest_many(
        session,
        [(area, since) for area in areas],
        workflows=workflows,
        now=now,
        cutoff_day=cutoff_day,
    )
    if mark:
        staff.last_digest_at = now
        session.add(staff)
        session.flush()
    return "\n\n---\n\n".join(render(d, language) for d in digests)


def due_digests(
    session: Session, now: datetime, hour: int, *, lock: bool = False
) -> list[StaffAccount]:
    """Active staff with a linked chat whose daily summary is due: it is `hour` o'clock or
    later in their zone today, and none was sent since that moment. With `lock`, their
    rows are locked (PostgreSQL) so a concurrent run skips them."""
    if not 0 <= hour <= 23:
        raise ValueError("the digest hour is 0-23")
    linked = select(StaffChat.staff_id).distinct()
    statement = select(StaffAccount).where(
        col(StaffAccount.disabled_at).is_(None), col(StaffAccount.id).in_(linked)
    )
    if lock and session.get_bind().dialect.name == "postgresql":
        # Two workers running the daily summaries at once: each takes other staff members
        # (SQLite: one writer at a time already). The lock lasts until the caller commits.
        statement = statement.with_for_update(skip_locked=True, of=StaffAccount)
    candidates = session.exec(statement).all()
    areas_of = _areas_by_staff(session)
    due = []
    for staff in candidates:
        assert staff.id is not None
        areas = areas_of.get(staff.id, [])
        if not areas:
            continue
        zone = zone_for_area(areas[0])
        local = now.astimezone(zone)
        moment = datetime.combine(local.date(), time(hour), tzinfo=zone)
        if local < moment:
            continue
        last = staff.last_digest_at
        if last is None or last < moment:
            due.append(staff)
    return due


def send_due_digests(
    session: Session,
    *,
    now: datetime,
    hour: int,
    workflows: Workflows,
    cutoff_day: int,
    language: Language = "id",
) -> int:
    """Write each due staff member's summary to the outbox, to each of their linked chats,
    and mark it sent (`last_digest_at`). Returns how many staff members got one.

    All areas of all due staff are counted with one `digest_many` (the same few queries
    whether 1 or 10,000 desa). The caller commits: the summary and `last_digest_at` are
    stored together, and the worker delivers the outbox rows.
    """
    staff_list = due_digests(session, now, hour, lock=True)
    if not staff_list:
        return 0
    areas_of = _areas_by_staff(session)
    chats = _chats_by_staff(session)
    for start in range(0, len(staff_list), DAILY_CHUNK):
        _send_digests(
            session,
            staff_list[start : start + DAILY_CHUNK],
            areas_of,
            chats,
            now=now,
            workflows=workflows,
            cutoff_day=cutoff_day,
            language=language,
        )
    return len(staff_list)


def _send_digests(
    session: Session,
    staff_list: Sequence[StaffAccount],
    areas_of: Mapping[int, list[str]],
    chats: Mapping[int, list[tuple[str, str]]],
    *,
    now: datetime,
    workflows: Workflows,
    cutoff_day: int,
    language: Language,
) -> None:
    pairs: list[tuple[str, datetime | None]] = []
    for staff in staff_list:
        assert staff.id is not None
        pairs.extend((area, staff.last_digest_at) for area in areas_of[staff.id])
    unique = list(dict.fromkeys(pairs))
    results = dict(
        zip(
            unique,
            digest_many(session, unique, workflows=workflows, now=now, cutoff_day=cutoff_day),
            strict=True,
        )
    )
    rows = []
    for staff in staff_list:
        assert staff.id is not None
        text = "\n\n---\n\n".join(
            render(results[(area, staff.last_digest_at)], language) for area in areas_of[staff.id]
        )
        for channel, chat_id in chats.get(staff.id, []):
            rows.append(
                NewNotification(
                    channel=channel,
                    chat_id=chat_id,
                    kind=DIGEST,
                    text=text,
                    variables={"1": ", ".join(areas_of[staff.id])},
                )
            )
    enqueue_many(session, rows, at=now)
    ids = [staff.id for staff in staff_list if staff.id is not None]
    for start in range(0, len(ids), 5000):
        session.execute(
            update(StaffAccount)
            .where(col(StaffAccount.id).in_(ids[start : start + 5000]))
            .values(last_digest_at=now)
            # The loaded accounts keep their old value in memory until the commit expires
            # them; matching 10,000 of them in Python costs more than the UPDATE itself.
            .execution_options(synchronize_session=False)
        )


def _areas_by_staff(session: Session) -> dict[int, list[str]]:
    """Every staff member's areas in one query (the daily run covers all of them)."""
    areas: dict[int, list[str]] = defaultdict(list)
    for staff_id, area in session.exec(
        select(StaffArea.staff_id, StaffArea.area_code).order_by(
            col(StaffArea.staff_id), col(StaffArea.area_code)
        )
    ):
        areas[staff_id].append(area)
    return areas


def _chats_by_staff(session: Session) -> dict[int, list[tuple[str, str]]]:
    chats: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for staff_id, channel, chat_id in session.exec(
        select(StaffChat.staff_id, StaffChat.channel, StaffChat.recipient).order_by(
            col(StaffChat.id)
        )
    ):
        chats[staff_id].append((channel, chat_id))
    return chats
