"""Cek status explains every stage from the region's file, and the earliest penetapan month
follows the region's path and time limits (holidays counted)."""

from __future__ import annotations

from datetime import date

import pytest

from staff.explain import earliest_penetapan_month, earliest_submission, explain_stage
from staff.workflow import shipped_workflows


def shipped(workflow_id: str):  # type: ignore[no-untyped-def]
    return next(w for w in shipped_workflows() if w.id == workflow_id)


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_stage_of_every_region_says_who_what_next_and_whom_to_ask(language: str) -> None:
    for workflow in shipped_workflows():
        for stage in workflow.stages:
            text = explain_stage(
                workflow, stage.id, entered=date(2026, 3, 2), ticket="U-7KQ4M9", language=language
            )
            assert stage.who.get(language) in text, (workflow.id, stage.id)
            assert stage.ask.get(language) in text and "U-7KQ4M9" in text
            following = workflow.next_stage(stage.id)
            if following is not None:
                assert following.citizen.get(language) in text, (workflow.id, stage.id)
            assert len(text) <= 600


def test_a_stage_with_a_deadline_gives_its_date_and_one_without_says_so() -> None:
    bima = shipped("bima")
    with_deadline = explain_stage(
        bima, "input_siks", entered=date(2026, 3, 17), ticket="U-7KQ4M9", language="id"
    )
    assert "Target tahap ini selesai: 30 Maret 2026." in with_deadline  # Lebaran skipped
    assert "Wali Kota" in with_deadline  # what comes next: the mayor's letter
    waiting = explain_stage(
        bima, "menunggu_penetapan", entered=date(2026, 3, 17), ticket="U-7KQ4M9", language="id"
    )
    assert "SOP daerah tidak menetapkan batas waktu untuk tahap ini." in waiting
    assert "masuk DTSEN" in waiting  # what comes next, once the Minister decides
    bungo = explain_stage(
        shipped("bungo"), "daftar_usulan", entered=date(2026, 3, 2), ticket="U-1", language="id"
    )
    assert "Yang mengerjakan: Rio/Lurah." in bungo and "Target" not in bungo


def test_the_earliest_penetapan_month_follows_the_regions_time_limits() -> None:
    bima = shipped("bima")
    # 1 + 1 + 4 + 1 + 4 working days from the meeting to SIKS-NG (001 langkah 1-5).
    assert earliest_submission(bima, date(2026, 3, 2)) == date(2026, 3, 17)
    assert earliest_penetapan_month(bima, date(2026, 3, 2), 17) == date(2026, 3, 1)
    # A day later the Lebaran week (18-24 March) pushes it past the cut-off.
    assert earliest_submission(bima, date(2026, 3, 3)) == date(2026, 3, 25)
    assert earliest_penetapan_month(bima, date(2026, 3, 3), 17) == date(2026, 4, 1)
    # Bekasi: 2 + 1 + 21 + 1 + 5 calendar days (004 langkah 1-5).
    assert earliest_submission(shipped("bekasi"), date(2026, 3, 2)) == date(2026, 4, 1)
    # No time limits in Bungo's SOP: nothing can be said beyond "this month at the earliest".
    assert earliest_submission(shipped("bungo"), date(2026, 3, 2)) == date(2026, 3, 2)
    assert earliest_penetapan_month(shipped("bungo"), date(2026, 12, 20), 17) == date(2027, 1, 1)
