"""Benchmark: staff digests over 10,000 villages and 1,000,000 requests in PostgreSQL.

Creates a throwaway database beside BENCH_POSTGRES_URL's (default: the local `test`
database), migrates it, and bulk-loads with COPY (psycopg 3 `cursor.copy`):
- 10,000 real desa codes (every desa of the shipped regional workflows: Kab. Bungo, Kota
  Bima, Kota Bekasi, then the first desa of the Kemendagri list: Aceh, national workflow);
- 100 requests per desa (1,000,000) in various states: received, on the musyawarah, at
  the kecamatan, at Dinas Sosial, at SIKS-NG, accepted or rejected (closed), filed over
  the last 200 days, a few percent within the last day, 1% with consent withdrawn;
- a planned musyawarah with 5 requests on its agenda in every second desa, and an
  unclosed past one in every twentieth;
- one village operator per desa with a linked Telegram chat (10,000 staff).

Then it times, against a naive baseline measured in the same run (load the area's
requests into Python with the ORM and count there, one area at a time):
- `staff.digest.digest` for one desa, one kecamatan and one kabupaten (the largest);
- the full daily run, `send_due_digests` (10,000 summaries written to the outbox, rolled
  back afterwards), against the naive digest of each desa in turn.
Times are the best of `--repeat` runs; peak memory is the tracemalloc peak of Python
allocations during one further run of each case; ru_maxrss is reported at the end. The
counts of both approaches are compared. The database is dropped at the end (`--keep`
keeps it and prints its URL).

Run from the repository root:

    .venv/bin/python -m benchmarks.digest [--villages 10000] [--per-village 100]

Not a test: nothing is asserted; the output says whether both approaches agree.
"""

from __future__ import annotations

import argparse
import csv
import gc
import random
import resource
import sys
import time
import tracemalloc
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.throwaway_db import CopyRows, create_database, drop_database, keyed_engine

REGIONAL = ("15.08", "52.72", "32.75")  # Bungo, Kota Bima, Kota Bekasi
NOW = datetime(2025, 12, 10, 3, 0, tzinfo=UTC)  # Wednesday, 10:00 WIB
SINCE = NOW - timedelta(days=1)
CUTOFF_DAY = 17
DUSUN = ("Krajan", "Sukamaju", "Sidomulyo", "Karanganyar", "Mekarsari", "Tanjung")
# (workflow kind of stage, share): the status is the workflow's stage of that kind.
STATE_MIX = (
    ("received", 0.22),
    ("deliberation", 0.23),
    ("verification_1", 0.12),
    ("verification_2", 0.10),
    ("submitted", 0.10),
    ("accepted", 0.13),
    ("rejected", 0.10),
)


# --- the data --------------------------------------------------------------------------------


def pick_villages(count: int) -> list[str]:
    path = Path(__file__).resolve().parents[1] / "conversations" / "data" / "wilayah.csv"
    with path.open(encoding="utf-8", newline="") as file:
        desa = [row[0] for row in csv.reader(file) if len(row) == 3 and row[2] == "desa"]
    regional = [code for code in desa if code[:5] in REGIONAL]
    rest = [code for code in desa if code[:5] not in REGIONAL]
    # Every regional village (their workflows) up to half the count, then the national
    # rest: the run's village digest needs a village of the national workflow.
    return sorted((regional[: count // 2] + rest)[:count])


def ticket(kind: str, number: int) -> str:
    from conversations import tickets
    from conversations.kinds import request_kind

    body = []
    for _ in range(tickets.BODY_LENGTH):
        number, digit = divmod(number, len(tickets.ALPHABET))
        body.append(tickets.ALPHABET[digit])
    return request_kind(kind).letter + "".join(body)


@dataclass
class Loaded:
    villages: list[str]
    requests: int
    meetings: int
    items: int
    staff: int
    seconds: float


def stage_ids(workflows: Any) -> dict[str, dict[str, str]]:
    """Per workflow id: a stage id for each entry of STATE_MIX."""
    chosen: dict[str, dict[str, str]] = {}
    for workflow in workflows.all():
        by_kind: dict[str, list[str]] = defaultdict(list)
        for stage in workflow.stages:
            by_kind[stage.kind].append(stage.id)
        verification = by_kind["verification"]
        chosen[workflow.id] = {
            "received": by_kind["received"][0],
            "deliberation": by_kind["deliberation"][0],
            "verification_1": verification[0],
            "verification_2": verification[min(1, len(verification) - 1)],
            "submitted": by_kind["submitted"][0],
            "accepted": by_kind["accepted"][0],
            "rejected": by_kind["rejected"][0],
        }
    return chosen


def load(url: str, villages: list[str], per_village: int, seed: int = 5) -> Loaded:
    import psycopg

    from staff.workflow import Workflows

    started = time.perf_counter()
    rng = random.Random(seed)
    workflows = Workflows.load()
    stages = stage_ids(workflows)
    shares = [share for _kind, share in STATE_MIX]
    kinds = [kind for kind, _share in STATE_MIX]
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    deliberating: dict[str, list[int]] = defaultdict(list)
    number = 0
    engine = keyed_engine(url)
    request_row = CopyRows(
        engine,
        "request",
        (
            "ticket", "kind", "subtype", "status", "channel", "chat_id", "village_code", "nik",
            "nik_lookup", "name", "answers", "flags", "language", "created_at", "updated_at",
            "closed_at",
        ),
    )  # fmt: skip
    # A staff chat as the app links it: the id hashed, and sealed where digests go.
    staff_chat_row = CopyRows(
        engine, "staff_chat", ("staff_id", "channel", "chat_id", "recipient", "linked_at")
    )
    engine.dispose()
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        with cur.copy(f"COPY request ({request_row.columns}) FROM STDIN") as copy:
            for village in villages:
                workflow = workflows.for_village(village)
                prefix = village.replace(".", "")[:6]
                for _ in range(per_village):
                    number += 1
                    kind = "usulan" if rng.random() < 0.8 else "sanggahan"
                    state = rng.choices(kinds, shares)[0]
                    status = stages[workflow.id][state]
                    if rng.random() < 0.03:
                        created = NOW - timedelta(hours=rng.uniform(0.5, 23))
                    else:
                        created = NOW - timedelta(days=rng.uniform(1, 200))
                    since_created = (NOW - created).total_seconds()
                    updated = created + timedelta(seconds=rng.uniform(0, since_created))
                    if state == "received":
                        updated = created
                    closed = updated if state in ("accepted", "rejected") else None
                    answers = {
                        "dusun": rng.choice(DUSUN),
                        "rt": f"{rng.randint(1, 12):03d}",
                        "rw": f"{rng.randint(1, 6):03d}",
                    }
                    flags = ["consent_withdrawn"] if rng.random() < 0.01 else []
                    if state == "deliberation":
                        deliberating[village].append(number)  # ids follow the COPY order
                    # One open usulan per NIK (the unique index): a serial of 4 digits
                    # and a birth day from the rest, unique within a kecamatan up to 280,000.
                    day = 1 + (number // 10_000) % 28
                    nik = f"{prefix}{day:02d}0190{number % 10_000:04d}"
                    copy.write_row(
                        request_row(
                            (
                                ticket(kind, number),
                                kind,
                                "self" if kind == "usulan" else "recipient_not_eligible",
                                status,
                                "telegram",
                                str(100000 + number),
                                village,
                                nik,
                                nik,
                                f"Warga {number}",
                                answers,
                                flags,
                                "id",
                                created,
                                updated,
                                closed,
                            )
                        )
                    )
        cur.execute("SELECT min(id), max(id), count(*) FROM request")
        low, high, count = cur.fetchone()  # type: ignore[misc]
        assert (low, high, count) == (1, number, number), "request ids must follow the COPY"

        meetings = items = 0
        meeting_rows: list[tuple[Any, ...]] = []
        agenda: list[tuple[int, list[int]]] = []
        for index, village in enumerate(villages):
            if index % 2 == 0:
                held = NOW + timedelta(days=rng.randint(1, 20), hours=1)
                meeting_rows.append((village, held, "Balai Desa", "planned", "[]", NOW))
                agenda.append((len(meeting_rows), deliberating[village][:5]))
            if index % 20 == 0:
                held = NOW - timedelta(days=rng.randint(3, 30))
                meeting_rows.append((village, held, "Balai Desa", "planned", "[]", NOW))
        with cur.copy(
            "COPY musyawarah (village_code, held_on, place, status, attendance, created_at) "
            "FROM STDIN"
        ) as copy:
            for row in meeting_rows:
                copy.write_row(row)
        meetings = len(meeting_rows)
        with cur.copy(
            "COPY musyawarah_item (musyawarah_id, request_id, position) FROM STDIN"
        ) as copy:
            for meeting_id, request_ids in agenda:
                for position, request_id in enumerate(request_ids, start=1):
                    copy.write_row((meeting_id, request_id, position))
                    items += 1

        with cur.copy(
            "COPY staff_account (username, display_name, role, created_at) FROM STDIN"
        ) as copy:
            for index, village in enumerate(villages):
                copy.write_row((f"operator{index}", f"Operator {village}", "village_operator", NOW))
        with cur.copy("COPY staff_area (staff_id, area_code) FROM STDIN") as copy:
            for index, village in enumerate(villages):
                copy.write_row((index + 1, village))
        with cur.copy(f"COPY staff_chat ({staff_chat_row.columns}) FROM STDIN") as copy:
            for index in range(len(villages)):
                chat = str(900000 + index)
                copy.write_row(staff_chat_row((index + 1, "telegram", chat, chat, NOW)))
        conn.commit()
        conn.autocommit = True
        cur.execute("VACUUM ANALYZE")
    return Loaded(villages, number, meetings, items, len(villages), time.perf_counter() - started)


# --- the naive baseline ----------------------------------------------------------------------


def naive_digest(session: Any, area: str, workflows: Any, since: datetime) -> Any:
    """Load every request of the area, count in Python (what the SQL replaces)."""
    from sqlmodel import col, select

    from conversations.flows.common import cutoff_date
    from conversations.kinds import NAMES as KIND_NAMES
    from conversations.validators import default_regions
    from models.tables import Musyawarah, MusyawarahItem, Request
    from staff.digest import LOCAL_ZONE, Digest, GroupCount, OverdueItem, level_of, overdue_order
    from staff.review import area_condition

    regions = default_regions()

    def name_of(code: str) -> str:
        village = regions.village(code)
        return village.name if village else code

    def group_name(key: str) -> str:
        village = regions.village(key)
        if level == "village" or village is None:
            return key
        return village.name if level == "kecamatan" else f"{village.name} ({village.kecamatan})"

    today = NOW.astimezone(LOCAL_ZONE).date()
    requests = session.exec(select(Request).where(area_condition([area]))).all()
    level = level_of(area)
    by_kind: Counter[str] = Counter()
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    open_total = waiting = withdrawn = 0
    overdue: list[OverdueItem] = []
    for request in requests:
        workflow = workflows.for_village(request.village_code)
        if request.created_at >= since:
            by_kind[request.kind] += 1
            key = (
                str(request.answers.get("dusun") or "").strip().lower().title()
                if level == "village"
                else request.village_code
            )
            groups[key][request.kind] += 1
        if request.closed_at is not None:
            continue
        open_total += 1
        stage = workflow.stage(request.status)
        if stage.kind == "deliberation":
            waiting += 1
        if "consent_withdrawn" in request.flags:
            withdrawn += 1
        entered = request.updated_at.astimezone(LOCAL_ZONE).date()
        late = workflow.overdue_days(request.status, entered, today)
        if late:
            overdue.append(
                OverdueItem(
                    request.ticket,
                    request.village_code,
                    name_of(request.village_code),
                    request.status,
                    stage.label,
                    entered,
                    request.updated_at,
                    late,
                )
            )
    overdue.sort(key=overdue_order)
    meetings = session.exec(
        select(Musyawarah).where(
            area_condition([area], col(Musyawarah.village_code)), Musyawarah.status == "planned"
        )
    ).all()
    start = datetime.combine(today, datetime.min.time(), tzinfo=LOCAL_ZONE)
    upcoming = sorted((m for m in meetings if m.held_on >= start), key=lambda m: m.held_on)
    next_meeting = None
    if upcoming:
        from staff.digest import MeetingInfo

        first = upcoming[0]
        size = len(
            session.exec(
                select(MusyawarahItem).where(MusyawarahItem.musyawarah_id == first.id)
            ).all()
        )
        next_meeting = MeetingInfo(
            first.id,
            first.village_code,
            name_of(first.village_code),
            first.held_on,
            first.place,
            size,
        )
    cutoff = cutoff_date(today, CUTOFF_DAY)
    named = [GroupCount(group_name(key), dict(c)) for key, c in groups.items()]
    named.sort(key=lambda g: (-g.total, g.name.casefold()))
    return Digest(
        area_code=area,
        area_name=area,
        level=level,
        now=NOW,
        today=today,
        since=since,
        # Every kind, counted or not, as the digest does (0 for the kinds not filled here).
        new_by_kind={kind: by_kind[kind] for kind in KIND_NAMES},
        new_groups=named[:8],
        new_groups_more=max(0, len(named) - 8),
        open_total=open_total,
        waiting=waiting,
        overdue_total=len(overdue),
        overdue=overdue[: 5 if level == "village" else 10],
        withdrawn=withdrawn,
        next_meeting=next_meeting,
        unclosed_meetings=sum(1 for m in meetings if m.held_on < start),
        cutoff=cutoff,
        cutoff_days=(cutoff - today).days,
    )


def naive_daily(session: Any, workflows: Any, limit: int | None = None) -> int:
    """The daily run the naive way: each staff member's areas, one naive digest each."""
    from sqlmodel import col, select

    from models.tables import StaffAccount, StaffArea, StaffChat
    from staff.digest_render import render
    from staff.digest_schedule import DIGEST
    from staff.outbox import enqueue

    count = 0
    for staff in session.exec(
        select(StaffAccount).order_by(col(StaffAccount.id)).limit(limit)
    ).all():
        areas = session.exec(select(StaffArea).where(StaffArea.staff_id == staff.id)).all()
        chats = session.exec(select(StaffChat).where(StaffChat.staff_id == staff.id)).all()
        since = staff.last_digest_at or SINCE
        text = "\n\n".join(
            render(naive_digest(session, a.area_code, workflows, since)) for a in areas
        )
        for chat in chats:
            enqueue(
                session,
                channel=chat.channel,
                chat_id=chat.recipient,
                kind=DIGEST,
                text=text,
                at=NOW,
            )
        staff.last_digest_at = NOW
        session.add(staff)
        count += 1
    session.flush()
    return count


# --- measuring -------------------------------------------------------------------------------


@dataclass
class Measure:
    seconds: float
    peak_mb: float
    result: Any


def measure(
    run: Callable[[], Any], repeat: int, traced: Callable[[], Any] | None = None
) -> Measure:
    """Best time of `repeat` runs; then the tracemalloc peak of one run of `traced`
    (default: the same run; tracing makes it several times slower)."""
    best = float("inf")
    result = None
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - started)
    gc.collect()
    tracemalloc.start()
    (traced or run)()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return Measure(best, peak / 1024 / 1024, result)


def summary_of(d: Any) -> tuple[Any, ...]:
    return (
        d.new_by_kind,
        [(g.name, g.count("usulan"), g.count("sanggahan")) for g in d.new_groups],
        d.open_total,
        d.waiting,
        d.overdue_total,
        [(i.ticket, i.days_over) for i in d.overdue],
        d.withdrawn,
        d.next_meeting.held_on if d.next_meeting else None,
        d.next_meeting.agenda if d.next_meeting else None,
        d.unclosed_meetings,
        d.cutoff_days,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--villages", type=int, default=10_000)
    parser.add_argument("--per-village", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="Keep the database at the end.")
    parser.add_argument(
        "--naive-peak-sample",
        type=int,
        default=1000,
        help="Villages in the traced naive daily run (its time is always over all of them).",
    )
    args = parser.parse_args()

    from sqlmodel import Session

    from staff.digest import digest
    from staff.digest_schedule import send_due_digests
    from staff.workflow import Workflows

    url = create_database("digest_bench")
    print(f"database: {url.rsplit('/', 1)[-1]}", flush=True)
    engine = keyed_engine(url)
    try:
        villages = pick_villages(args.villages)
        loaded = load(url, villages, args.per_village)
        print(
            f"loaded {loaded.requests:,} requests in {len(villages):,} villages, "
            f"{loaded.meetings:,} meetings ({loaded.items:,} agenda items), "
            f"{loaded.staff:,} staff with linked chats, in {loaded.seconds:.1f} s",
            flush=True,
        )
        workflows = Workflows.load()
        village = next(v for v in villages if v[:5] not in REGIONAL)
        kabupaten = Counter(v[:5] for v in villages).most_common(1)[0][0]
        kecamatan = village[:8]
        areas = {"village": village, "kecamatan": kecamatan, "kabupaten": kabupaten}
        sizes = Counter()
        for code in villages:
            for name, area in areas.items():
                if code == area or code.startswith(area + "."):
                    sizes[name] += args.per_village
        from staff.digest_render import render

        rows = []
        for name, area in areas.items():
            with Session(engine) as session:

                def fast(area: str = area, session: Session = session) -> Any:
                    return digest(
                        session,
                        area_code=area,
                        workflows=workflows,
                        now=NOW,
                        since=SINCE,
                        cutoff_day=CUTOFF_DAY,
                    )

                def slow(area: str = area, session: Session = session) -> Any:
                    session.expunge_all()
                    return naive_digest(session, area, workflows, SINCE)

                fast()  # the region list and caches, once
                optimised = measure(fast, args.repeat)
                naive = measure(slow, args.repeat)
                agree = summary_of(optimised.result) == summary_of(naive.result)
                render(optimised.result)
            rows.append((f"{name} {area} ({sizes[name]:,} requests)", optimised, naive, agree))
            print(f"  {name} done", flush=True)

        def daily_fast() -> Any:
            with Session(engine) as session:
                try:
                    return send_due_digests(
                        session, now=NOW, hour=7, workflows=workflows, cutoff_day=CUTOFF_DAY
                    )
                finally:
                    session.rollback()  # the next run finds everyone due again

        def daily_naive(limit: int | None = None) -> Any:
            with Session(engine) as session:
                try:
                    return naive_daily(session, workflows, limit)
                finally:
                    session.rollback()

        sample = min(args.naive_peak_sample, len(villages))

        daily = measure(daily_fast, 1)
        print("  daily done", flush=True)
        daily_baseline = measure(daily_naive, 1, lambda: daily_naive(sample))
        rows.append(
            (
                f"daily run, {len(villages):,} village digests",
                daily,
                daily_baseline,
                daily.result == daily_baseline.result == len(villages),
            )
        )
        print()
        print(
            f"{'case':<52} {'digest s':>9} {'peak MB':>8} {'naive s':>9} {'peak MB':>8} "
            f"{'speed-up':>9}  agree"
        )
        for label, fast_m, slow_m, agree in rows:
            ratio = slow_m.seconds / fast_m.seconds if fast_m.seconds else float("inf")
            print(
                f"{label:<52} {fast_m.seconds:>9.3f} {fast_m.peak_mb:>8.1f} "
                f"{slow_m.seconds:>9.3f} {slow_m.peak_mb:>8.1f} {ratio:>8.1f}x  "
                f"{'yes' if agree else 'NO'}"
            )
        if sample < len(villages):
            print(
                f"(the naive daily run's peak memory is over its first {sample:,} villages: "
                "tracing all of them takes half an hour)"
            )
        usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"\nprocess peak RSS (ru_maxrss): {usage:.0f} MB; Python {sys.version.split()[0]}")
        print(f"as of {NOW.isoformat()} (today {date(2025, 12, 10)} WIB), cut-off day {CUTOFF_DAY}")
    finally:
        engine.dispose()
        if args.keep:
            print(f"kept: {url}")
        else:
            drop_database(url)


if __name__ == "__main__":
    main()
