"""The staff summary (ringkasan): what is new, what waits, what is late, what comes next.

This module counts (the queries and the `Digest` they fill); `staff.digest_render` turns a
`Digest` into chat lines, `staff.digest_schedule` decides who gets one and when.

For an area (desa, kecamatan, kabupaten/kota, province or "*"):
- new requests since the last summary, by kind, and by dusun (a desa) or by desa (larger);
- how many wait for the next musyawarah (in a deliberation stage of the region's workflow);
- which are OVERDUE against the workflow's time standard: working days (Monday-Friday minus
  the workflow's holidays) counted from the request's last status change;
- the next planned musyawarah, and planned ones whose date has passed without closing;
- open requests whose citizen withdrew consent (processing must stop within 3x24 hours);
- the days left to the DTSEN monthly cut-off.
Kecamatan and Dinas Sosial (any area larger than a desa) read the overdue part first.

Counting happens in the database, with GROUP BY, never by loading requests:
- one query counts open requests per (desa, status), with how many are overdue and how
  many have consent withdrawn in the same pass. "Overdue" becomes a plain comparison per
  stage: for today's date and a stage's time standard there is a last entry date that is
  already late, so `status = s AND updated_at < threshold(s)`;
- one query per distinct "since" counts new requests per (desa, kind, dusun);
- one query lists the most overdue requests, at most `OVERDUE_SHOWN` per (desa, status)
  (a window function); within one status of one region the oldest are the latest, so the
  area's most overdue are always among them, whatever the area;
- one query for planned meetings.
`digest_many` answers many areas with these same few queries (the daily run over every
desa), rolling the per-desa rows up into each area in Python.

A request's last status change is `request.updated_at`: `change_status` and filing set it.
(Withdrawing consent also sets it; such requests are counted on their own line.)
Working days and "today" are counted in Asia/Jakarta time, like the chat's dates (the
date differs from WITA/WIT only for an hour or two at night); the times a summary shows,
and the hour a staff member's daily summary is sent, are those of the area's own zone
(WIB, WITA or WIT, from the province code).
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any, Final, Literal

from sqlalchemy import Text, and_, case, func, not_, or_
from sqlalchemy import cast as sql_cast
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from conversations.flows.common import cutoff_date
from conversations.kinds import NAMES as KIND_NAMES
from conversations.labels import Label
from conversations.timezones import NATIONAL
from conversations.validators import RegionIndex, default_regions
from models.tables import (
    Musyawarah,
    MusyawarahItem,
    Request,
)
from staff.access import EVERYWHERE
from staff.review import area_condition, is_area_code
from staff.workflow import Workflow, Workflows

Level = Literal["village", "kecamatan", "kabupaten", "province", "all"]

LOCAL_ZONE: Final = NATIONAL
OVERDUE_SHOWN: Final = 5  # overdue requests listed by name (village); more areas: 2x
GROUPS_SHOWN: Final = 8  # dusun or desa lines in the "new" part
DEFAULT_SINCE: Final = timedelta(days=1)
# Above this many kecamatan/kabupaten/province areas in one run, scanning the whole table
# beats OR-ing their prefixes (desa codes go into one IN list, served by the index).
SCAN_ALL_ABOVE: Final = 50

_LEVELS: Final[dict[int, Level]] = {0: "province", 1: "kabupaten", 2: "kecamatan", 3: "village"}


def level_of(area: str) -> Level:
    return "all" if area == EVERYWHERE else _LEVELS[area.count(".")]


# -- the result ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupCount:
    name: str
    by_kind: Mapping[str, int] = field(default_factory=dict)  # request kind -> new ones

    def count(self, kind: str) -> int:
        return self.by_kind.get(kind, 0)

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())


@dataclass(frozen=True)
class OverdueItem:
    ticket: str
    village_code: str
    village_name: str
    status: str
    stage: Label
    entered: date
    entered_at: datetime
    days_over: int
    count: str = "working"  # how the stage counts days: "working" or "calendar"


@dataclass(frozen=True)
class MeetingInfo:
    id: int
    village_code: str
    village_name: str
    held_on: datetime
    place: str
    agenda: int


@dataclass(frozen=True)
class Digest:
    area_code: str
    area_name: str
    level: Level
    now: datetime
    today: date
    since: datetime
    new_by_kind: dict[str, int]
    new_groups: list[GroupCount]  # by dusun (a desa) or by desa, most first
    new_groups_more: int
    open_total: int
    waiting: int  # in a deliberation stage: for the next musyawarah
    overdue_total: int
    overdue: list[OverdueItem]  # most overdue first
    withdrawn: int
    next_meeting: MeetingInfo | None
    unclosed_meetings: int
    cutoff: date
    cutoff_days: int
    by_status: dict[str, int] = field(default_factory=dict)
    # Open requests in a stage whose SOP sets no time limit: never counted as late.
    no_deadline: int = 0
    # A village whose region holds the musyawarah periodically (Kapuas Hulu) with none
    # planned: the source of the rule, for the reminder; None otherwise.
    periodic_rule: str | None = None

    @property
    def new_total(self) -> int:
        return sum(self.new_by_kind.values())

    @property
    def overdue_first(self) -> bool:
        """Kecamatan and Dinas Sosial read what is late before anything else."""
        return self.level != "village"


# -- time standards -----------------------------------------------------------------------------


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LOCAL_ZONE).astimezone(UTC)


def late_threshold(workflow: Workflow, stage_id: str, today: date) -> datetime | None:
    """Requests that entered this stage before the returned moment are overdue today
    (`Workflow.first_entry_on_time`); None when the stage has no deadline in its SOP."""
    first = workflow.first_entry_on_time(stage_id, today)
    return None if first is None else _local_midnight(first)


def working_days_late(workflow: Workflow, stage_id: str, entered: date, today: date) -> int:
    """Days past the deadline, counted as the stage counts them (working or calendar)."""
    return workflow.overdue_days(stage_id, entered, today)


def _region_condition(workflow: Workflow, workflows: Workflows) -> Any:
    village = col(Request.village_code)
    if workflow.region is not None:
        return village.like(workflow.region + ".%")
    regional = [w.region for w in workflows.all() if w.region is not None]
    if not regional:
        return None
    return not_(or_(*[village.like(region + ".%") for region in regional]))


def overdue_condition(
    workflows: Workflows, today: date, *, areas: Sequence[str] | None = None
) -> Any:
    """SQL: an open request past its stage's time standard today.

    With `areas` (the query is limited to them), only their regions' workflows are
    written out, and no region test at all when that is a single workflow."""
    relevant = workflows.all()
    if areas is not None and all(a != EVERYWHERE and a.count(".") >= 1 for a in areas):
        ids = {workflows.for_village(a).id for a in areas}
        relevant = [w for w in relevant if w.id in ids]
    per_workflow = []
    for workflow in relevant:
        late = []
        for stage in workflow.stages:
            threshold = late_threshold(workflow, stage.id, today)
            if threshold is not None and not stage.terminal:
                late.append(
                    and_(col(Request.status) == stage.id, col(Request.updated_at) < threshold)
                )
        if not late:
            continue
        region = _region_condition(workflow, workflows) if len(relevant) > 1 else None
        either = or_(*late)
        per_workflow.append(either if region is None else and_(region, either))
    return or_(*per_workflow) if per_workflow else None


# -- collecting ---------------------------------------------------------------------------------


@dataclass
class _Totals:
    open_total: int = 0
    waiting: int = 0
    overdue: int = 0
    withdrawn: int = 0
    no_deadline: int = 0
    by_status: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    new: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    overdue_rows: list[tuple[str, str, str, datetime]] = field(default_factory=list)
    meetings: list[MeetingInfo] = field(default_factory=list)
    unclosed: int = 0


def _ancestors(village_code: str) -> tuple[str, ...]:
    """The areas a desa lies in, itself included: desa, kecamatan, kabupaten, province, *."""
    return (village_code, village_code[:8], village_code[:5], village_code[:2], EVERYWHERE)


def _withdrawn_flag() -> Any:
    return sql_cast(col(Request.flags), Text).like('%"consent_withdrawn"%')


def _dusun() -> Any:
    answers: Any = col(Request.answers)
    return func.lower(func.trim(answers["dusun"].as_string()))


def digest(
    session: Session,
    *,
    area_code: str,
    workflows: Workflows,
    now: datetime,
    since: datetime | None = None,
    cutoff_day: int,
    regions: RegionIndex | None = None,
) -> Digest:
    """The summary for one area; `since` defaults to a day before `now`."""
    return digest_many(
        session,
        [(area_code, since)],
        workflows=workflows,
        now=now,
        cutoff_day=cutoff_day,
        regions=regions,
    )[0]


@dataclass
class _Scan:
    """One run of the counting queries: the areas asked for, and the per-desa rows rolled
    up into each of them."""

    wanted: set[str]
    scan_all: bool
    by_area: dict[str, _Totals]
    requests_in_scope: Any  # SQL: the request lies in one of the areas (None: all do)

    @classmethod
    def of(cls, areas: set[str]) -> _Scan:
        larger = [area for area in areas if level_of(area) != "village"]
        scan_all = EVERYWHERE in areas or len(larger) > SCAN_ALL_ABOVE
        return cls(
            wanted=areas,
            scan_all=scan_all,
            by_area={area: _Totals() for area in areas},
            requests_in_scope=None if scan_all else area_condition(sorted(areas)),
        )

    def scoped(self, *conditions: Any) -> list[Any]:
        """These conditions on requests, within the areas."""
        return [c for c in (self.requests_in_scope, *conditions) if c is not None]

    def covering(self, village_code: str) -> list[_Totals]:
        return [self.by_area[a] for a in _ancestors(village_code) if a in self.by_area]


def digest_many(
    session: Session,
    areas: Sequence[tuple[str, datetime | None]],
    *,
    workflows: Workflows,
    now: datetime,
    cutoff_day: int,
    regions: RegionIndex | None = None,
) -> list[Digest]:
    """Summaries for many (area, since) pairs with a handful of queries; same order."""
    if not areas:
        return []
    for area, _since in areas:
        if not is_area_code(area):
            raise ValueError(f"not an area code: {area!r}")
    regions = regions or default_regions()
    known = regions

    @cache
    def village_names(code: str) -> str:
        return _village_name(known, code)

    today = now.astimezone(LOCAL_ZONE).date()
    resolved = [(area, since or now - DEFAULT_SINCE) for area, since in areas]
    scan = _Scan.of({area for area, _ in resolved})
    late = overdue_condition(workflows, today, areas=None if scan.scan_all else sorted(scan.wanted))
    _count_open(session, scan, workflows, late)
    new = _count_new(session, scan, resolved)
    if late is not None:
        _list_most_overdue(session, scan, late)
    _planned_meetings(session, scan, today, village_names)

    cutoff = cutoff_date(today, cutoff_day)
    late_memo: dict[tuple[str, str, date], int] = {}
    return [
        _assemble(
            area,
            since,
            scan.by_area[area],
            new.get((area, since), _Totals()).new,
            workflows=workflows,
            regions=regions,
            now=now,
            today=today,
            cutoff=cutoff,
            late_memo=late_memo,
            village_names=village_names,
        )
        for area, since in resolved
    ]


def _count_open(session: Session, scan: _Scan, workflows: Workflows, late: Any) -> None:
    """Open requests per (desa, status): totals, overdue and withdrawn in one pass."""
    late_count = func.sum(case((late, 1), else_=0)) if late is not None else func.sum(0)
    rows = session.execute(
        sa_select(
            col(Request.village_code),
            col(Request.status),
            func.count(),
            late_count,
            func.sum(case((_withdrawn_flag(), 1), else_=0)),
        )
        .where(*scan.scoped(col(Request.closed_at).is_(None)))
        .group_by(col(Request.village_code), col(Request.status))
    )
    deliberation: dict[str, set[str]] = {}
    unlimited: dict[str, set[str]] = {}
    for village_code, status, count, overdue, withdrawn in rows:
        workflow = workflows.for_village(village_code)
        stages = deliberation.setdefault(
            workflow.id, {s.id for s in workflow.stages if s.kind == "deliberation"}
        )
        no_limit = unlimited.setdefault(
            workflow.id,
            {s.id for s in workflow.stages if s.deadline is None and not s.terminal},
        )
        for bucket in scan.covering(village_code):
            if status in no_limit:
                bucket.no_deadline += count
            bucket.open_total += count
            bucket.overdue += int(overdue or 0)
            bucket.withdrawn += int(withdrawn or 0)
            bucket.by_status[status] += count
            if status in stages:
                bucket.waiting += count


def _count_new(
    session: Session, scan: _Scan, resolved: Sequence[tuple[str, datetime]]
) -> dict[tuple[str, datetime], _Totals]:
    """New requests per (desa, kind, dusun), once per distinct "since"."""
    totals: dict[tuple[str, datetime], _Totals] = {}
    for since in sorted({s for _, s in resolved}):
        areas_here = {area for area, s in resolved if s == since}
        # The dusun expression is computed in a subquery and grouped by name: PostgreSQL
        # would not see two renderings of it (each with its own parameter) as the same.
        fresh = (
            sa_select(
                col(Request.village_code).label("village_code"),
                col(Request.kind).label("kind"),
                _dusun().label("dusun"),
            )
            .where(*scan.scoped(col(Request.created_at) >= since))
            .subquery()
        )
        rows = session.execute(
            sa_select(fresh.c.village_code, fresh.c.kind, fresh.c.dusun, func.count()).group_by(
                fresh.c.village_code, fresh.c.kind, fresh.c.dusun
            )
        )
        for village_code, kind, dusun, count in rows:
            for area in _ancestors(village_code):
                if area in areas_here:
                    key = (dusun or "") if level_of(area) == "village" else village_code
                    totals.setdefault((area, since), _Totals()).new[(key, kind)] += count
    return totals


def _list_most_overdue(session: Session, scan: _Scan, late: Any) -> None:
    """The most overdue: the oldest few per (desa, status), each exact within its stage."""
    # One area: per kabupaten/kota (one workflow, so one time standard per status) is
    # exact and lists fewer rows. Several areas in one run: per desa, exact for each.
    single = len(scan.wanted) == 1
    partition = (
        func.substr(col(Request.village_code), 1, 5) if single else col(Request.village_code)
    )
    rank = (
        func.row_number()
        .over(
            partition_by=(partition, col(Request.status)),
            order_by=(col(Request.updated_at), col(Request.ticket)),
        )
        .label("rank")
    )
    ranked = (
        sa_select(
            col(Request.ticket),
            col(Request.village_code),
            col(Request.status),
            col(Request.updated_at),
            rank,
        )
        .where(*scan.scoped(col(Request.closed_at).is_(None), late))
        .subquery()
    )
    villages_only = all(level_of(a) == "village" for a in scan.wanted)
    shown = OVERDUE_SHOWN if villages_only else 2 * OVERDUE_SHOWN
    for ticket, village_code, status, updated_at, _rank in session.execute(
        sa_select(ranked).where(ranked.c.rank <= shown)
    ):
        for bucket in scan.covering(village_code):
            bucket.overdue_rows.append((ticket, village_code, status, updated_at))


def _planned_meetings(
    session: Session, scan: _Scan, today: date, village_names: Callable[[str], str]
) -> None:
    """Planned meetings: the next one, and past ones not closed."""
    start_of_today = _local_midnight(today)
    agenda_size = (
        select(func.count())
        .select_from(MusyawarahItem)
        .where(col(MusyawarahItem.musyawarah_id) == col(Musyawarah.id))
        .scalar_subquery()
    )
    village = col(Musyawarah.village_code)
    meeting_scope = None if scan.scan_all else area_condition(sorted(scan.wanted), village)
    conditions = [c for c in (meeting_scope, col(Musyawarah.status) == "planned") if c is not None]
    for meeting_id, village_code, held_on, place, size in session.execute(
        sa_select(
            col(Musyawarah.id),
            col(Musyawarah.village_code),
            col(Musyawarah.held_on),
            col(Musyawarah.place),
            agenda_size,
        ).where(*conditions)
    ):
        for bucket in scan.covering(village_code):
            if held_on < start_of_today:
                bucket.unclosed += 1
            else:
                bucket.meetings.append(
                    MeetingInfo(
                        id=meeting_id,
                        village_code=village_code,
                        village_name=village_names(village_code),
                        held_on=held_on,
                        place=place,
                        agenda=int(size or 0),
                    )
                )


def overdue_order(item: OverdueItem) -> tuple[int, datetime, str]:
    """Most working days late first; then the longest in its stage; then the ticket.

    Within one stage of one region, an earlier entry is never less late, so this order
    agrees with the SQL window's (updated_at, ticket): the few it lists per stage hold
    the area's most overdue, whatever the area."""
    return (-item.days_over, item.entered_at, item.ticket)


def _village_name(regions: RegionIndex, code: str) -> str:
    village = regions.village(code)
    return village.name if village else code


def _area_name(regions: RegionIndex, area: str) -> str:
    if area == EVERYWHERE:
        return "Indonesia"
    region = regions.get(area)
    return region.name if region else area


def _assemble(
    area: str,
    since: datetime,
    base: _Totals,
    new: Mapping[tuple[str, str], int],
    *,
    workflows: Workflows,
    regions: RegionIndex,
    now: datetime,
    today: date,
    cutoff: date,
    late_memo: dict[tuple[str, str, date], int],
    village_names: Callable[[str], str],
) -> Digest:
    level = level_of(area)
    by_kind: dict[str, int] = dict.fromkeys(KIND_NAMES, 0)
    groups: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(KIND_NAMES, 0))
    for (key, kind), count in new.items():
        by_kind[kind] = by_kind.get(kind, 0) + count
        groups[key][kind] = groups[key].get(kind, 0) + count
    named = [
        GroupCount(name=_group_name(regions, key, level), by_kind=counts)
        for key, counts in groups.items()
    ]
    named.sort(key=lambda g: (-g.total, g.name.casefold()))

    def late_days(workflow: Workflow, status: str, entered: date) -> int:
        key = (workflow.id, status, entered)
        if key not in late_memo:
            late_memo[key] = working_days_late(workflow, status, entered, today)
        return late_memo[key]

    # Exact days for every candidate, items (with names) only for the few shown.
    limit = OVERDUE_SHOWN if level == "village" else OVERDUE_SHOWN * 2
    ranked = []
    for ticket, village_code, status, updated_at in base.overdue_rows:
        workflow = workflows.for_village(village_code)
        entered = updated_at.astimezone(LOCAL_ZONE).date()
        days = late_days(workflow, status, entered)
        ranked.append((-days, updated_at, ticket, village_code, status, entered, workflow))
    overdue = []
    for minus_days, updated_at, ticket, village_code, status, entered, workflow in heapq.nsmallest(
        limit, ranked, key=lambda row: row[:3]
    ):
        try:
            stage = workflow.stage(status)
        except ValueError:
            continue  # a status the workflow no longer has
        overdue.append(
            OverdueItem(
                ticket=ticket,
                village_code=village_code,
                village_name=village_names(village_code),
                status=status,
                stage=stage.label,
                entered=entered,
                entered_at=updated_at,
                days_over=-minus_days,
                count=workflow.count(status),
            )
        )
    meetings = sorted(base.meetings, key=lambda m: (m.held_on, m.id))
    return Digest(
        area_code=area,
        area_name=_area_name(regions, area),
        level=level,
        now=now,
        today=today,
        since=since,
        new_by_kind=by_kind,
        new_groups=named[:GROUPS_SHOWN],
        new_groups_more=max(0, len(named) - GROUPS_SHOWN),
        open_total=base.open_total,
        waiting=base.waiting,
        overdue_total=base.overdue,
        overdue=overdue,
        withdrawn=base.withdrawn,
        next_meeting=meetings[0] if meetings else None,
        unclosed_meetings=base.unclosed,
        cutoff=cutoff,
        cutoff_days=(cutoff - today).days,
        by_status=dict(base.by_status),
        no_deadline=base.no_deadline,
        periodic_rule=_periodic_rule(workflows, area, meetings),
    )


def _periodic_rule(workflows: Workflows, area: str, meetings: Sequence[MeetingInfo]) -> str | None:
    if level_of(area) != "village" or meetings:
        return None
    schedule = workflows.for_village(area).meeting.schedule
    return schedule.source if schedule is not None else None


def _group_name(regions: RegionIndex, key: str, level: Level) -> str:
    """A dusun (a desa's digest), a desa (a kecamatan's), or a desa with its kecamatan
    (larger areas: one kabupaten can have two desa of the same name)."""
    if level == "village":
        return key.title() if key else ""
    village = regions.village(key)
    if village is None:
        return key
    return village.name if level == "kecamatan" else f"{village.name} ({village.kecamatan})"
