"""Start-up and command-line costs, each against a baseline measured in the same run.

    .venv/bin/python -m benchmarks.startup [--rows 200000] [--repeat 5]

- `import webhook.app` (what every web worker pays) against importing a bare FastAPI app;
- `dtsen-bot check nik NUMBER` (one number) against `python -c pass`;
- `dtsen-bot check nik --csv` on a generated export of real-shaped NIKs (real region codes,
  about 2% with a problem) against a minimal pure-Python 16-digit loop over the same file.

Every case runs in a fresh process; the figures are the median of `--repeat` runs: wall
time, the child's CPU time (user + system, less sensitive to a busy machine) and peak RSS.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PY = sys.executable
# The console script, run from the working directory's code (so an older checkout can be
# measured with the same interpreter).
CLI = [PY, "-c", "from bot.cli import main; main()"]

MINIMAL_CHECK = """
import csv, sys
bad = 0
with open(sys.argv[1], encoding="utf-8-sig", newline="") as f:
    rows = csv.reader(f, delimiter=";")
    column = next(rows).index("nik")
    for row in rows:
        nik = row[column]
        if not (len(nik) == 16 and nik.isdigit() and 1 <= int(nik[6:8]) % 40 <= 31):
            bad += 1
print(bad, file=sys.stderr)
"""


def measure(command: list[str]) -> tuple[float, float, float]:
    """(wall s, cpu s, peak RSS MiB) of one fresh child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # ru_maxrss of children is the largest of any child so far: each case runs its
    # baseline after the measured command only when the baseline is smaller.
    return wall, cpu, after.ru_maxrss / 1024


def median_of(command: list[str], repeat: int) -> tuple[float, float, float]:
    runs = [measure(command) for _ in range(repeat)]
    return (
        statistics.median(r[0] for r in runs),
        statistics.median(r[1] for r in runs),
        max(r[2] for r in runs),
    )


def rss_of(command: list[str]) -> float:
    """Peak RSS in MiB of one run, read by GNU time (children's ru_maxrss only grows)."""
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *command],
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    return int(done.stderr.strip().splitlines()[-1]) / 1024


def make_export(path: Path, rows: int) -> None:
    from conversations.validators import default_regions as district_regions

    kecamatan = [
        r.code.replace(".", "")
        for r in map(district_regions().get, _kecamatan_codes())
        if r is not None and not r.retired
    ][:40]
    rng = random.Random(14)
    with path.open("w", encoding="utf-8") as f:
        f.write("no;nama;nik\n")
        for i in range(rows):
            day = rng.randint(1, 28) + (40 if rng.random() < 0.5 else 0)
            nik = f"{rng.choice(kecamatan)}{day:02d}{rng.randint(1, 12):02d}"
            nik += f"{rng.randint(0, 99):02d}{rng.randint(1, 9999):04d}"
            if rng.random() < 0.02:
                nik = nik[:-1]  # a digit lost in typing
            f.write(f"{i};Warga {i};{nik}\n")


def _kecamatan_codes() -> list[str]:
    from conversations.validators.regions import _read_rows

    return [code for code, _name, level in _read_rows("wilayah.csv") if level == "kecamatan"][
        :400:10
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    n = args.repeat
    cases = [
        ("import webhook.app", [PY, "-c", "import webhook.app"]),
        ("bare FastAPI app (baseline)", [PY, "-c", "import fastapi; fastapi.FastAPI()"]),
        ("check nik NUMBER", [*CLI, "check", "nik", "3204051708850001"]),
        ("python -c pass (baseline)", [PY, "-c", "pass"]),
    ]
    print("| case | wall (median) | CPU (median) | peak RSS |")
    print("| --- | ---: | ---: | ---: |")
    for name, command in cases:
        wall, cpu, _ = median_of(command, n)
        print(f"| {name} | {wall:.2f} s | {cpu:.2f} s | {rss_of(command):.0f} MiB |")

    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "export.csv"
        make_export(export, args.rows)
        print()
        print(f"| `--csv`, {args.rows:,} rows | wall (median) | rows/s | CPU | peak RSS |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for name, command in (
            (
                "dtsen-bot check nik --csv",
                [*CLI, "check", "nik", "--csv", str(export), "--column", "nik"],
            ),
            ("minimal 16-digit loop (baseline)", [PY, "-c", MINIMAL_CHECK, str(export)]),
        ):
            wall, cpu, _ = median_of(command, max(1, n // 2))
            print(
                f"| {name} | {wall:.2f} s | {args.rows / wall:,.0f} | {cpu:.2f} s | "
                f"{rss_of(command):.0f} MiB |"
            )


if __name__ == "__main__":
    main()
