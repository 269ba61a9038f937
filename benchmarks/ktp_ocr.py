"""Benchmark: reading generated KTP photos with each local OCR engine, same photos, same run.

Photos come from `benchmarks.ktp_cards`: KTP-like cards with valid NIKs from the shipped
Kemendagri list, photographed with random damage (perspective, rotation up to 15 degrees,
uneven light, motion blur, a finger over a corner in 30%, phone resolutions, JPEG quality
30-70). Each photo goes through the same quality checks as in the bot; the ones the checks
accept are the "readable" cards, and each engine reads those same straightened cards.

Per engine it reports, over readable cards:
- NIK exact: the NIK offered to the citizen is the printed one;
- NIK wrong but valid (the dangerous case): a NIK was offered and it is not the printed one;
- NIK read raw: the 16 digits OCR produced equal the printed ones (before any check);
- name, birth date, birth place, address (street, RT/RW, desa code), marital, occupation:
  the value offered equals the printed one;
- time per photo: wall and CPU (the whole reading: quality checks, straightening, OCR,
  parsing), median and 95th percentile; the load of the engine is not counted;
- peak memory: the maximum resident set size of a fresh process that ran that engine.
It also reports, for photos made deliberately bad (too small, too dark, overexposed,
blurred, no card, card cut off, a photo of a screen), the share refused with the right
reason.

Run from the repository root (Tesseract needs Debian's tesseract-ocr-ind):

    .venv/bin/python -m benchmarks.ktp_ocr [--photos 200] [--bad 10] [--engines tesseract,rapidocr]

Not a test: nothing is asserted. The machine's other load shows in wall times; CPU times
are steadier.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks import ktp_cards

TODAY = date(2026, 12, 1)
FIELDS = (
    "name",
    "birth_date",
    "birth_place",
    "street",
    "rt_rw",
    "village",
    "marital",
    "occupation",
)


def make_photos(folder: Path, count: int, bad_each: int, seed: int) -> None:
    truth: list[dict[str, Any]] = []
    for i in range(count):
        rng = random.Random(seed * 100_003 + i)
        person = ktp_cards.make_person(rng)
        damage = ktp_cards.random_damage(rng)
        data = ktp_cards.photograph(ktp_cards.render_card(person, rng), damage, rng)
        name = f"photo{i:04d}.jpg"
        (folder / name).write_bytes(data)
        truth.append({"file": name, "person": person.as_dict(), "damage": repr(damage)})
    bad: list[dict[str, str]] = []
    for kind in ktp_cards.BAD_KINDS:
        for i in range(bad_each):
            rng = random.Random(seed * 7 + i)
            card = ktp_cards.render_card(ktp_cards.make_person(rng), rng)
            name = f"bad-{kind}-{i}.jpg"
            (folder / name).write_bytes(ktp_cards.bad_photo(kind, card, rng))
            bad.append({"file": name, "kind": kind})
    (folder / "truth.json").write_text(json.dumps({"photos": truth, "bad": bad}))


def run_engine(engine_name: str, folder: str, out: Any) -> None:
    """In a fresh process: read every photo with one engine; send the scores back."""
    from bot.photos.engines import make_engine
    from bot.photos.ktp import nik_digits
    from bot.photos.reader import PhotoReader
    from conversations.validators import default_regions

    regions = default_regions()
    reader = PhotoReader(make_engine(engine_name), regions)
    truth = json.loads((Path(folder) / "truth.json").read_text())
    warm = Path(folder) / truth["photos"][0]["file"]
    reader.read(warm.read_bytes(), "ktp", today=TODAY)  # loads the model
    rows = []
    for item in truth["photos"]:
        data = (Path(folder) / item["file"]).read_bytes()
        wall, cpu = time.perf_counter(), time.process_time()
        reading = reader.read(data, "ktp", today=TODAY)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        person = item["person"]
        values = reading.values
        raw = nik_digits(reading.text.fields.get("nik", "")) if reading.text else None
        rows.append(
            {
                "problem": reading.problem,
                "wall": wall,
                "cpu": cpu,
                "nik": values.get("nik"),
                "nik_truth": person["nik"],
                "nik_raw_exact": raw == person["nik"],
                "nik_refused": reading.refused.get("nik"),
                "fields": {f: _field_right(f, values, person) for f in FIELDS},
            }
        )
    bad = []
    for item in truth["bad"]:
        reading = reader.read((Path(folder) / item["file"]).read_bytes(), "ktp", today=TODAY)
        bad.append({"kind": item["kind"], "problem": reading.problem})
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.send({"engine": engine_name, "rows": rows, "bad": bad, "peak_mb": peak_mb})


def _field_right(name: str, values: dict[str, Any], person: dict[str, str]) -> bool:
    if name == "name":
        return str(values.get("name", "")).upper() == person["name"]
    if name == "birth_place":
        return str(values.get("birth_place", "")).upper() == person["birth_place"]
    if name == "rt_rw":
        return (values.get("rt"), values.get("rw")) == (person["rt"], person["rw"])
    return bool(values.get(name) == person[name])


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def summarise(result: dict[str, Any]) -> dict[str, Any]:
    rows = result["rows"]
    readable = [r for r in rows if r["problem"] is None]
    n = len(readable)
    exact = sum(r["nik"] == r["nik_truth"] for r in readable)
    wrong = sum(r["nik"] is not None and r["nik"] != r["nik_truth"] for r in readable)
    walls = sorted(r["wall"] for r in readable) or [0.0]
    cpus = sorted(r["cpu"] for r in readable) or [0.0]
    summary = {
        "engine": result["engine"],
        "photos": len(rows),
        "readable": n,
        "nik_exact": _share(exact, n),
        "nik_wrong_valid": _share(wrong, n),
        "nik_raw_exact": _share(sum(r["nik_raw_exact"] for r in readable), n),
        "nik_not_offered": dict(Counter(r["nik_refused"] for r in readable if r["nik"] is None)),
        "fields": {f: _share(sum(r["fields"][f] for r in readable), n) for f in FIELDS},
        "wall_median": statistics.median(walls),
        "wall_p95": walls[min(len(walls) - 1, int(0.95 * len(walls)))],
        "cpu_median": statistics.median(cpus),
        "cpu_p95": cpus[min(len(cpus) - 1, int(0.95 * len(cpus)))],
        "peak_mb": result["peak_mb"],
        "refused": dict(Counter(r["problem"] for r in rows if r["problem"])),
    }
    kinds: dict[str, list[str | None]] = {}
    for item in result["bad"]:
        kinds.setdefault(item["kind"], []).append(item["problem"])
    summary["bad"] = {
        kind: (sum(p == kind for p in found), sum(p is not None for p in found), len(found))
        for kind, found in kinds.items()
    }
    return summary


def print_table(summaries: list[dict[str, Any]]) -> None:
    engines = [s["engine"] for s in summaries]
    print("| measure | " + " | ".join(engines) + " |")
    print("|---|" + "---|" * len(engines))

    def line(label: str, cells: list[str]) -> None:
        print(f"| {label} | " + " | ".join(cells) + " |")

    line(
        "photos / readable (passed the checks)",
        [f"{s['photos']} / {s['readable']}" for s in summaries],
    )
    line("**NIK exact** (offered = printed)", [s["nik_exact"] for s in summaries])
    line("**NIK wrong but valid** (dangerous)", [s["nik_wrong_valid"] for s in summaries])
    line("NIK digits read exactly (before checks)", [s["nik_raw_exact"] for s in summaries])
    for field in FIELDS:
        line(field.replace("_", " "), [s["fields"][field] for s in summaries])
    line(
        "wall s/photo, median (p95)",
        [f"{s['wall_median']:.2f} ({s['wall_p95']:.2f})" for s in summaries],
    )
    line(
        "CPU s/photo, median (p95)",
        [f"{s['cpu_median']:.2f} ({s['cpu_p95']:.2f})" for s in summaries],
    )
    line("peak memory (max RSS of the process)", [f"{s['peak_mb']:.0f} MB" for s in summaries])
    print()
    print("Refused among the ordinary photos:", summaries[0]["refused"])
    print("NIK not offered (reason):", {s["engine"]: s["nik_not_offered"] for s in summaries})
    print()
    print("| bad photo | refused with this reason | refused at all |")
    print("|---|---|---|")
    for kind, (right, refused, total) in summaries[0]["bad"].items():
        print(f"| {kind} | {right}/{total} | {refused}/{total} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--bad", type=int, default=10, help="bad photos of each kind")
    parser.add_argument("--engines", default="tesseract,rapidocr")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the summaries here")
    args = parser.parse_args(argv)
    context = multiprocessing.get_context("spawn")
    summaries = []
    with tempfile.TemporaryDirectory(prefix="ktp_ocr_") as folder:
        started = time.perf_counter()
        make_photos(Path(folder), args.photos, args.bad, args.seed)
        print(
            f"generated {args.photos} photos in {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )
        for name in args.engines.split(","):
            receive, send = context.Pipe(duplex=False)
            process = context.Process(target=run_engine, args=(name, folder, send))
            started = time.perf_counter()
            process.start()
            result = receive.recv()
            process.join()
            print(f"{name}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
            summaries.append(summarise(result))
    print_table(summaries)
    if args.json:
        args.json.write_text(json.dumps(summaries, indent=2))


if __name__ == "__main__":
    main()
