"""Benchmark: the BNBA export of 100,000 people from PostgreSQL, streamed vs. naive.

Creates a throwaway database next to BENCH_POSTGRES_URL's (default: the local `test`
database), fills it with 25,000 usulan of 4 people each (proposed person + 3 members) in a
few villages of one kabupaten, plus sanggahan that must not be exported, then exports the
whole kabupaten as XLSX and CSV with `staff.bnba` (write-only openpyxl, server-side cursor)
and, as the baseline, the naive way: every row loaded into a list, then a normal openpyxl
Workbook (or csv.writer). The database is dropped at the end.

Each case runs in a fresh Python process, twice: once for wall time and the ru_maxrss
growth during the export (no tracing), once under tracemalloc for the peak of Python
allocations. Run from the repository root:

    .venv/bin/python -m benchmarks.bnba_export [--requests 25000] [--members 3]

Not a test: nothing is asserted beyond the row counts.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from benchmarks.throwaway_db import (
    CopyRows,
    admin_url,
    create_database,
    drop_database,
    keyed_engine,
)

KABUPATEN = "32.04"  # Kabupaten Bandung
KECAMATAN = ("32.04.05", "32.04.10", "32.04.11", "32.04.13")
VILLAGES_PER_KECAMATAN = 3
SANGGAHAN_PER_USULAN = 0.1
CASES = ("xlsx-stream", "xlsx-naive", "csv-stream", "csv-naive")
RELATIONSHIPS = ("istri_suami", "anak", "anak", "orang_tua", "cucu", "famili_lain")
FIRST = ("Siti", "Budi", "Asep", "Dewi", "Ujang", "Euis", "Agus", "Nining", "Dadang", "Rina")
LAST = ("Aminah", "Santoso", "Sunarya", "Lestari", "Hidayat", "Rahayu", "Kurnia", "Permana")


# --- synthetic data ----------------------------------------------------------------------------


def _person(rng: random.Random, kecamatan: str, serial: int) -> tuple[str, date]:
    """A NIK (birth dates spread over 80 years, half women) and the birth date in it."""
    born = date(1940, 1, 1) + timedelta(days=rng.randrange(80 * 365))
    day = born.day + (40 if rng.random() < 0.5 else 0)
    return f"{kecamatan.replace('.', '')}{day:02d}{born:%m%y}{serial % 9999 + 1:04d}", born


def _nik(rng: random.Random, kecamatan: str, serial: int) -> str:
    return _person(rng, kecamatan, serial)[0]


def _villages(kecamatan: str) -> list[str]:
    from conversations.validators import default_regions

    found = default_regions().villages_in_kecamatan(kecamatan)
    return [v.code for v in found[:VILLAGES_PER_KECAMATAN]]


def _copy_rows(requests: int, members: int, seed: int = 5) -> Iterator[tuple[str, Any]]:
    """("request"|"member", row) in insertion order, with explicit request ids."""
    rng = random.Random(seed)
    villages = [v for k in KECAMATAN for v in _villages(k)]
    now = datetime(2026, 11, 1, tzinfo=UTC)
    sanggahan_every = round(1 / SANGGAHAN_PER_USULAN)
    request_id = 0
    for n in range(requests):
        village = villages[n % len(villages)]
        kecamatan = village[:8]
        request_id += 1
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        answers = {
            "birth_place": "Bandung",
            "mother_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            "relationship": "kepala_keluarga",
            "dusun": f"Dusun {rng.randint(1, 6)}",
            "rt": f"{rng.randint(1, 12):03d}",
            "rw": f"{rng.randint(1, 8):03d}",
            "street": f"Jl. Melati Gg. {rng.randint(1, 40)} No. {rng.randint(1, 200)}",
            "floor": "tanah",
            "programmes": ["pkh", "bpnt"],
        }
        nik, born = _person(rng, kecamatan, 4 * n)
        answers["birth_date"] = born.isoformat()
        kk = f"{kecamatan.replace('.', '')}0101{rng.randint(10, 25)}{n % 9999 + 1:04d}"
        yield (
            "request",
            (
                request_id,
                f"U{n:07d}",
                "usulan",
                "family",
                "diterima",
                "telegram",
                str(100000 + n),
                village,
                nik,
                nik,
                kk,
                name,
                None,
                None,
                None,
                answers,
                [],
                "id",
                now,
                now,
                None,
            ),
        )
        for position in range(1, members + 1):
            member_nik, member_born = _person(rng, kecamatan, 4 * n + position)
            member = (
                request_id,
                position,
                member_nik,
                member_nik,
                rng.choice(FIRST),
                rng.choice(RELATIONSHIPS),
                "P" if int(member_nik[6:8]) > 40 else "L",
                member_born,
                "Bandung",
                f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            )
            yield ("member", member)
        if n % sanggahan_every == 0:
            request_id += 1
            objector = _nik(rng, kecamatan, 4 * n + 9)
            subject = _nik(rng, kecamatan, 4 * n + 10)
            yield (
                "request",
                (
                    request_id,
                    f"S{n:07d}",
                    "sanggahan",
                    "recipient_not_eligible",
                    "diterima",
                    "whatsapp",
                    str(500000 + n),
                    village,
                    objector,
                    objector,
                    None,
                    "Pelapor",
                    subject,
                    subject,
                    "Orang Mampu",
                    {"alasan": "sudah_mampu"},
                    [],
                    "id",
                    now,
                    now,
                    None,
                ),
            )


# In clear here; `CopyRows` seals and hashes them as the app would (a *_lookup column is
# given the NIK it stands for).
REQUEST_COLUMNS = (
    "id", "ticket", "kind", "subtype", "status", "channel", "chat_id", "village_code", "nik",
    "nik_lookup", "kk", "name", "subject_nik", "subject_nik_lookup", "subject_name", "answers",
    "flags", "language", "created_at", "updated_at", "closed_at",
)  # fmt: skip
MEMBER_COLUMNS = (
    "request_id", "position", "nik", "nik_lookup", "name", "relationship", "sex", "birth_date",
    "birth_place", "mother_name",
)  # fmt: skip


def fill(url: str, requests: int, members: int) -> float:
    """COPY the synthetic rows in; returns the seconds it took."""
    import psycopg
    from sqlalchemy.engine import make_url

    started = time.perf_counter()
    engine = keyed_engine(url)
    request_row = CopyRows(engine, "request", REQUEST_COLUMNS)
    member_row = CopyRows(engine, "household_member", MEMBER_COLUMNS)
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain) as conn:
        with conn.cursor() as cur:
            rows = _copy_rows(requests, members)
            # Two COPY streams cannot be open at once on one connection: requests first
            # (members are kept aside, a few small tuples each, tens of MB at this size).
            held: list[Any] = []
            with cur.copy(f"COPY request ({request_row.columns}) FROM STDIN") as copy:
                for table, row in rows:
                    if table == "request":
                        copy.write_row(request_row(row))
                    else:
                        held.append(row)
            with cur.copy(f"COPY household_member ({member_row.columns}) FROM STDIN") as copy:
                for row in held:
                    copy.write_row(member_row(row))
            cur.execute("SELECT setval('request_id_seq', (SELECT max(id) FROM request))")
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE request")
        conn.execute("VACUUM ANALYZE household_member")
    engine.dispose()
    return time.perf_counter() - started


# --- one case, in a child process ---------------------------------------------------------------


def _maxrss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def _reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark to the current RSS (Linux >= 4.0), so that the
    ru_maxrss growth is the export's own and not what loading the region list left."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def run_case(case: str, url: str, out_dir: Path, trace: bool) -> dict[str, Any]:
    from sqlalchemy import text

    from conversations.validators import default_regions
    from staff.bnba import BnbaSelection, ExportFormat, bnba_rows, write_bnba, write_csv

    regions = default_regions()
    engine = keyed_engine(url)
    with engine.connect() as conn:  # connect (and import the driver) before measuring
        conn.execute(text("SELECT 1"))
    selection = BnbaSelection(KABUPATEN)
    fmt, approach = case.split("-")
    export_format = cast(ExportFormat, fmt)
    path = out_dir / f"{case}.{fmt}"
    today = date(2026, 11, 23)
    gc.collect()
    reset = _reset_peak_rss()
    rss_before = _maxrss_bytes()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    if approach == "stream":
        rows = write_bnba(engine, selection, path, export_format, regions=regions, today=today)
    else:
        with engine.connect() as conn:
            everything = list(bnba_rows(conn, selection, regions=regions, today=today))
        rows = len(everything)
        with path.open("wb") as handle:
            if fmt == "csv":
                write_csv(everything, handle)
            else:
                _naive_xlsx(everything, handle)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if trace else None
    if trace:
        tracemalloc.stop()
    maxrss_delta = _maxrss_bytes() - rss_before
    engine.dispose()
    return {
        "case": case,
        "rows": rows,
        "seconds": seconds,
        "tracemalloc_peak": peak,
        "maxrss_delta": maxrss_delta,
        "peak_reset": reset,
        "file_bytes": path.stat().st_size,
    }


def _naive_xlsx(rows: list[tuple[str, ...]], handle: io.BufferedWriter) -> None:
    """What one writes first: a normal Workbook, every cell in memory until save."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from staff.bnba import BNBA_COLUMNS, TEXT_COLUMNS

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "BNBA"
    sheet.append(BNBA_COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    text_columns = [i for i, title in enumerate(BNBA_COLUMNS, 1) if title in TEXT_COLUMNS]
    for row_index, row in enumerate(rows, start=2):
        sheet.append([value or None for value in row])
        for column in text_columns:
            sheet.cell(row_index, column).number_format = "@"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:Q{len(rows) + 1}"
    workbook.save(handle)


def _child(*args: str) -> str:
    """Run this module in a fresh process (its own peak memory); returns its last line."""
    root = Path(__file__).resolve().parents[1]
    command = [sys.executable, "-m", "benchmarks.bnba_export", *args]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=root)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[:2])} failed:\n{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def _case(case: str, url: str, out_dir: Path, trace: bool) -> dict[str, Any]:
    args = ["--case", case, "--url", url, "--out-dir", str(out_dir)]
    result: dict[str, Any] = json.loads(_child(*args, *(["--trace"] if trace else [])))
    return result


# --- report -----------------------------------------------------------------------------------


def _mb(value: float | None) -> str:
    return "-" if value is None else f"{value / 1e6:,.1f} MB"


def report(results: dict[str, dict[str, Any]], people: int) -> str:
    lines = [
        f"BNBA export of kabupaten {KABUPATEN}: {people:,} people, PostgreSQL",
        "",
        f"{'case':<12} {'rows':>8} {'wall':>8} {'rows/s':>9} {'tracemalloc peak':>17} "
        f"{'ru_maxrss Δ':>12} {'file':>10}",
    ]
    for case in CASES:
        r = results[case]
        lines.append(
            f"{case:<12} {r['rows']:>8,} {r['seconds']:>7.2f}s {r['rows'] / r['seconds']:>9,.0f} "
            f"{_mb(r['tracemalloc_peak']):>17} {_mb(r['maxrss_delta']):>12} "
            f"{_mb(r['file_bytes']):>10}"
        )
    lines.append("")
    lines.append("naive / streamed (higher: streaming is better)")
    for fmt in ("xlsx", "csv"):
        stream, naive = results[f"{fmt}-stream"], results[f"{fmt}-naive"]
        time_ratio = naive["seconds"] / stream["seconds"]
        peak_ratio = naive["tracemalloc_peak"] / max(stream["tracemalloc_peak"], 1)
        # A streamed export may not raise the peak RSS at all: compare against 1 MB then.
        rss_ratio = naive["maxrss_delta"] / max(stream["maxrss_delta"], 1_000_000)
        floor = "≥" if stream["maxrss_delta"] < 1_000_000 else ""
        lines.append(
            f"{fmt:<5} wall x{time_ratio:.2f}   tracemalloc peak x{peak_ratio:.1f}   "
            f"ru_maxrss Δ {floor}x{rss_ratio:.1f}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=25_000)
    parser.add_argument("--members", type=int, default=3)
    parser.add_argument("--case", choices=CASES, help=argparse.SUPPRESS)
    parser.add_argument("--fill", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--out-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    # Child runs. The parent stays small: a child's ru_maxrss starts at its parent's peak.
    if args.case:
        print(json.dumps(run_case(args.case, args.url, args.out_dir, args.trace)))
        return
    if args.fill:
        print(fill(args.url, args.requests, args.members))
        return
    people = args.requests * (1 + args.members)
    print(f"creating a throwaway database from {admin_url()} ...", flush=True)
    url = create_database("bnba_bench")
    try:
        counts = ["--requests", str(args.requests), "--members", str(args.members)]
        seconds = float(_child("--fill", "--url", url, *counts))
        print(f"filled {people:,} people ({args.requests:,} usulan) in {seconds:.1f}s", flush=True)
        results: dict[str, dict[str, Any]] = {}
        with tempfile.TemporaryDirectory(prefix="bnba-bench-") as out:
            # Every timed run first, then the (much slower) traced ones.
            for case in CASES:
                timed = _case(case, url, Path(out), trace=False)
                if timed["rows"] != people:
                    raise SystemExit(f"{case}: {timed['rows']} rows, expected {people}")
                results[case] = timed
                print(f"  {case}: {timed['seconds']:.1f}s", flush=True)
            for case in CASES:
                traced = _case(case, url, Path(out), trace=True)
                results[case]["tracemalloc_peak"] = traced["tracemalloc_peak"]
                peak = traced["tracemalloc_peak"] / 1e6
                print(f"  {case} under tracemalloc: {traced['seconds']:.1f}s, peak {peak:.1f} MB")
        print()
        print(report(results, people))
    finally:
        drop_database(url)


if __name__ == "__main__":
    main()
