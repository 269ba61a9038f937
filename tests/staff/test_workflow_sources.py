"""Every number in a shipped workflow file has a source, and every quote is in its seed.

A stage, role, action, deadline, document, meeting rule or extra holiday cites a seed
document and its step ("001 langkah 5") or says it is the region's own choice ("kebijakan
daerah"). The SOPs are in ../shared/seeds/ beside the repository (CI lays them there);
the quotes in the files must be found in them, word for word (spacing and case aside).
"""

from __future__ import annotations

import os
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from staff.workflow import REGIONAL_CHOICE, SEEDS

WORKFLOWS_DIR = Path(__file__).parents[2] / "staff" / "workflows"
SHIPPED = sorted(WORKFLOWS_DIR.glob("*.toml"))
# shared/ lies beside the repository (CI, /work/main) or beside its worktrees' folder.
_ROOT = Path(__file__).parents[2]
SEEDS_DIR = next(
    (
        p / "shared" / "seeds"
        for p in (_ROOT.parent, _ROOT.parent.parent)
        if (p / "shared" / "seeds").is_dir()
    ),
    _ROOT.parent / "shared" / "seeds",
)
# Tables that must carry a source wherever they appear.
CITED = ("stages", "transitions", "roles", "documents", "participant_roles", "extra_holidays")


def numbers_without_source(node: Any, path: str, cited: bool) -> list[str]:
    """Paths of integers and dates that are not inside a table with a `source`."""
    if isinstance(node, dict):
        here = cited or "source" in node
        return [
            problem
            for key, value in node.items()
            for problem in numbers_without_source(value, f"{path}.{key}", here)
        ]
    if isinstance(node, list):
        return [
            problem
            for index, value in enumerate(node)
            for problem in numbers_without_source(value, f"{path}[{index}]", cited)
        ]
    if isinstance(node, bool):
        return []
    if isinstance(node, int | date) and not cited:
        return [f"{path} = {node}"]
    return []


def tables(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        found.append((path, node))
        for key, value in node.items():
            found += tables(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += tables(value, f"{path}[{index}]")
    return found


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_number_in_a_shipped_file_has_a_source(path: Path) -> None:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    # Top-level values are the file's own identity, not rules; rules live in tables.
    problems = [
        problem
        for key, value in data.items()
        if isinstance(value, dict | list)
        for problem in numbers_without_source(value, key, cited=False)
    ]
    assert problems == []


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_stage_role_action_and_document_cites_a_seed_or_the_region(path: Path) -> None:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    for where, table in tables(data):
        if not where:
            continue  # the file's own title
        leaf = where.rsplit(".", 1)[-1].split("[", 1)[0]
        if leaf in CITED and "[" in where.rsplit(".", 1)[-1]:
            assert "source" in table, where
        if "source" not in table:
            continue
        source = " ".join(str(table["source"]).split())
        assert source[:3] in SEEDS or source.lower().startswith(REGIONAL_CHOICE), (where, source)
        if isinstance(table.get("deadline"), dict):
            assert "source" in table["deadline"], where


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_quote_is_in_the_seed_it_cites(path: Path) -> None:
    if not SEEDS_DIR.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the seed documents are missing: {SEEDS_DIR}")
        pytest.skip(f"no seed documents at {SEEDS_DIR}")
    seeds = {
        seed.name[:3]: _normal(seed.read_text(encoding="utf-8")) for seed in SEEDS_DIR.iterdir()
    }
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    checked = 0
    for where, table in tables(data):
        quote, source = table.get("quote"), str(table.get("source", ""))
        if not quote:
            continue
        cited = source[:3]
        assert cited in seeds, (where, source)
        assert _normal(quote) in seeds[cited], (where, quote)
        checked += 1
    assert checked > 0


def test_each_deadline_quotes_the_sops_words_for_its_time() -> None:
    for path in SHIPPED:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for stage in data["stages"]:
            deadline = stage.get("deadline")
            if deadline is None or deadline["source"].startswith(REGIONAL_CHOICE):
                continue
            quote = deadline.get("quote", "")
            assert quote, (path.stem, stage["id"])
            minggu = quote.lower().endswith("minggu")
            days = int(quote.split()[0]) * (7 if minggu else 1)
            assert days == deadline["days"], (path.stem, stage["id"])
            working = "kerja" in quote.lower()
            assert (deadline["count"] == "working") == working, (path.stem, stage["id"])


def test_docs_workflows_md_holds_the_tables_of_the_shipped_files() -> None:
    from staff.workflow_docs import tables

    docs = (Path(__file__).parents[2] / "docs" / "workflows.md").read_text(encoding="utf-8")
    assert tables() in docs, "docs/workflows.md is out of date: python -m staff.workflow_docs"
