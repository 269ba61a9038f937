"""Village search, as the citizen types part of a name: time per query and load time.

    .venv/bin/python -m benchmarks.village_search

Compared in the same run with a naive baseline: lower-casing every one of the 83,762
village names and testing the query as a substring, per query (what a first version would
do). Numbers are CPU time, so other load on the machine matters less.
"""

from __future__ import annotations

import csv
import time
from importlib import resources
from statistics import median

from conversations.validators import RegionIndex

QUERIES = [
    "sukamaju",
    "desa sukamaju",
    "sukamju",  # a typo
    "suka",
    "ang",
    "tanjung sarri",  # a typo, the slowest kind
    "xyzzy",  # nothing
]
ROUNDS = 5


def _cpu_ms(action: object) -> float:
    start = time.process_time()
    action()  # type: ignore[operator]
    return (time.process_time() - start) * 1000


def main() -> None:
    load_ms = _cpu_ms(RegionIndex.load)
    regions = RegionIndex.load()
    regions.search_villages("warm up the lazy typo tables")
    names = _current_villages()

    def naive(query: str) -> list[str]:
        wanted = query.lower().removeprefix("desa ").strip()
        return [code for code, name in names if wanted in name.lower()][:8]

    print(f"region data load: {load_ms:.0f} ms CPU ({len(names):,} villages)")
    print(f"{'query':<16} {'search ms':>10} {'naive ms':>10} {'naive/search':>13} {'found':>10}")
    for query in QUERIES:
        ours = median(_cpu_ms(lambda q=query: regions.search_villages(q)) for _ in range(ROUNDS))
        base = median(_cpu_ms(lambda q=query: naive(q)) for _ in range(ROUNDS))
        found = f"{len(regions.search_villages(query))}/{len(naive(query))}"
        ratio = base / max(ours, 1e-6)
        print(f"{query:<16} {ours:>10.2f} {base:>10.2f} {ratio:>12.1f}x {found:>10}")
    print("found: villages offered by the search / by the naive scan (at most 8 each)")


def _current_villages() -> list[tuple[str, str]]:
    text = (resources.files("conversations") / "data" / "wilayah.csv").read_text("utf-8")
    rows = csv.DictReader(text.splitlines())
    return [(row["code"], row["name"]) for row in rows if row["level"] == "desa"]


if __name__ == "__main__":
    main()
