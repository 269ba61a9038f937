"""A region that set its own time standards (kebijakan daerah), for tests about deadlines.

The shipped national default has no deadlines (Permensos 3/2021 sets none), so tests that
need overdue requests outside Bima and Bekasi give Kabupaten Bandung (32.04) a file of
its own: the national stages with working-day limits the region chose, said as such.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from staff.workflow import Workflow, Workflows, parse_workflow, shipped_workflows

WORKFLOWS_DIR = Path(__file__).parents[2] / "staff" / "workflows"
OWN_CHOICE = "kebijakan daerah: batas waktu pilihan Dinas Sosial (uji)"
BANDUNG_DEADLINES = {
    "diterima": 5,
    "musyawarah": 20,
    "verifikasi_kecamatan": 5,
    "verifikasi_dinsos": 10,
}


def own_region_toml(
    *,
    region: str = "32.04",
    deadlines: dict[str, int] | None = None,
    holidays: tuple[date, ...] = (),
) -> str:
    text = (WORKFLOWS_DIR / "national.toml").read_text(encoding="utf-8")
    text = text.replace('id = "national"', f'id = "bandung_uji"\nregion = "{region}"', 1)
    for stage, days in (BANDUNG_DEADLINES if deadlines is None else deadlines).items():
        line = f'[[stages]]\nid = "{stage}"\n'
        deadline = f'deadline = {{ days = {days}, count = "working", source = "{OWN_CHOICE}" }}\n'
        text = text.replace(line, line + deadline, 1)
    for day in holidays:
        text += f'\n[[extra_holidays]]\ndate = {day.isoformat()}\nname = "Libur daerah"\n'
        text += f'source = "{OWN_CHOICE}"\n'
    return text


def own_region(**kwargs: object) -> Workflow:
    return parse_workflow(own_region_toml(**kwargs), origin="bandung_uji.toml")  # type: ignore[arg-type]


def own_region_dir(folder: Path, **kwargs: object) -> Path:
    """A WORKFLOWS_DIR holding the region's file."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bandung_uji.toml").write_text(own_region_toml(**kwargs), encoding="utf-8")  # type: ignore[arg-type]
    return folder


def with_own_region(**kwargs: object) -> Workflows:
    return Workflows([*shipped_workflows(), own_region(**kwargs)])
