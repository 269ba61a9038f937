"""The "Jejak akses" page's query (`staff.audit.audit_trail`) on a large access log: how long
a Kepala Dinas Sosial waits for a page of their kabupaten's trail, against the newest page
of the whole log (what the administrator reads) measured in the same run.

    .venv/bin/python -m benchmarks.audit_trail [--kabupaten 50] [--requests 50000]
        [--accesses 1000000] [--repeat 5]

A throwaway PostgreSQL database (`benchmarks.throwaway_db`) gets `--requests` requests
spread over `--kabupaten` kabupaten (one village each), a village operator per kabupaten,
and `--accesses` access-log rows (request pages opened, one in twenty refused), spread
evenly over the requests and over the last 90 days; then, per case, the median of
`--repeat` readings of the first page and of page 10.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, text
from sqlmodel import Session

from benchmarks.throwaway_db import create_database, drop_database, keyed_engine

CHUNK = 20_000


def fill(engine: Engine, kabupaten: int, requests: int, accesses: int) -> list[str]:
    """Returns the kabupaten codes (two parts)."""
    from models.staff import add_staff

    codes = [f"{11 + k // 90:02d}.{1 + k % 90:02d}" for k in range(kabupaten)]
    now = datetime.now(UTC)
    with engine.begin() as conn:
        # Plain SQL: the rows' personal columns do not matter to this query.
        conn.execute(
            text(
                "INSERT INTO request (ticket, kind, subtype, status, channel, chat_id, reply_to,"
                " village_code, nik, nik_lookup, name, answers, flags, language, created_at,"
                " updated_at) SELECT 'U' || lpad(g::text, 6, '0'), 'usulan', 'self', 'diterima',"
                " 'telegram', md5(g::text), '',"
                " (CAST(:prefix AS text[]))[1 + g % :k] || '.01.2001', 'x', md5(g::text),"
                " 'x', '{}', '[]', 'id', :now, :now FROM generate_series(1, :n) g"
            ),
            {"prefix": codes, "k": kabupaten, "n": requests, "now": now},
        )
    with Session(engine) as session, session.begin():
        for code in codes:
            add_staff(
                session,
                username=f"op{code}",
                display_name=f"Operator {code}",
                role="village_operator",
                areas=[f"{code}.01.2001"],
                at=now,
            )
    rng = random.Random(3)
    with engine.begin() as conn:
        staff = dict(conn.execute(text("SELECT area_code, staff_id FROM staff_area")).all())
        for start in range(0, accesses, CHUNK):
            rows = []
            for _ in range(min(CHUNK, accesses - start)):
                g = rng.randint(1, requests)
                village = f"{codes[g % kabupaten]}.01.2001"
                rows.append(
                    {
                        "staff_id": staff[village],
                        "at": now - timedelta(seconds=rng.randint(0, 90 * 86_400)),
                        "action": "view",
                        "target": f"request:U{g:06d}",
                        "allowed": rng.random() > 0.05,
                    }
                )
            conn.execute(
                text(
                    "INSERT INTO access_log (staff_id, at, action, target, allowed)"
                    " VALUES (:staff_id, :at, :action, :target, :allowed)"
                ),
                rows,
            )
        conn.execute(text("ANALYZE"))
    return codes


def timed(engine: Engine, areas: list[str], view: str, offset: int, repeat: int) -> float:
    from staff.audit import TrailQuery, audit_trail

    seconds = []
    for _ in range(repeat):
        with Session(engine) as session:
            started = time.perf_counter()
            page = audit_trail(session, areas, TrailQuery(view=view, offset=offset))  # type: ignore[arg-type]
            seconds.append(time.perf_counter() - started)
        assert page.entries, (areas, view, offset)
    return statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kabupaten", type=int, default=50)
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--accesses", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    url = create_database("audit_bench")
    engine = keyed_engine(url)
    try:
        started = time.perf_counter()
        codes = fill(engine, args.kabupaten, args.requests, args.accesses)
        print(
            f"Filled {args.requests:,} requests in {args.kabupaten} kabupaten and "
            f"{args.accesses:,} access-log rows in {time.perf_counter() - started:.1f} s"
        )
        print("| case | page 1 | page 10 | page 1 vs the whole log's |")
        print("|---|---:|---:|---:|")
        base = timed(engine, ["*"], "data", 0, args.repeat)
        cases = (
            ("administrator, whole log (baseline)", ["*"], "data"),
            ("Kepala Dinas of one kabupaten", [codes[0]], "data"),
            ("Kepala Dinas, refused attempts only", [codes[0]], "ditolak"),
        )
        for label, areas, view in cases:
            first = timed(engine, areas, view, 0, args.repeat)
            tenth = timed(engine, areas, view, 900, args.repeat)
            print(
                f"| {label} | {first * 1000:.0f} ms | {tenth * 1000:.0f} ms | {first / base:.1f}x |"
            )
    finally:
        engine.dispose()
        drop_database(url)


if __name__ == "__main__":
    main()
