"""Regional workflows: walked end to end, refused when they must be, checked at load."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from staff.workflow import (
    TransitionRefused,
    Workflow,
    WorkflowError,
    Workflows,
    parse_workflow,
    shipped_workflows,
)

# (workflow, the actions and roles from "diterima" to acceptance)
HAPPY_PATHS = {
    "national": [
        ("agendakan", "village_operator"),
        ("layak", "village_head"),
        ("teruskan", "kecamatan"),
        ("kirim_siks", "dinsos_verifier"),
        ("masuk_dtsen", "dinsos_head"),
    ],
    "bungo": [
        ("agendakan", "village_operator"),
        ("layak", "village_head"),
        ("kirim_kecamatan", "village_head"),
        ("sahkan", "kecamatan"),
        ("unggah_siks", "dinsos_verifier"),
        ("masuk_dtsen", "dinsos_verifier"),
    ],
    "bima": [
        ("agendakan", "village_operator"),
        ("layak", "village_head"),
        ("terima_berkas", "dinsos_verifier"),
        ("mulai_verval", "dinsos_verifier"),
        ("laporkan", "dinsos_verifier"),
        ("setujui", "dinsos_head"),
        ("disahkan", "dinsos_head"),
    ],
    "bekasi": [
        ("agendakan", "village_operator"),
        ("layak", "village_head"),
        ("teruskan", "kecamatan"),
        ("setujui", "dinsos_verifier"),
        ("masuk_dtsen", "dinsos_head"),
    ],
}


def shipped(workflow_id: str) -> Workflow:
    return next(w for w in shipped_workflows() if w.id == workflow_id)


def walk(workflow: Workflow, steps: list[tuple[str, str]], start: str = "diterima") -> str:
    stage = start
    for action, role in steps:
        stage = workflow.move(stage, action, role, note="catatan").id  # type: ignore[arg-type]
    return stage


@pytest.mark.parametrize("workflow_id", sorted(HAPPY_PATHS))
def test_each_shipped_workflow_goes_from_received_to_accepted(workflow_id: str) -> None:
    workflow = shipped(workflow_id)
    final = walk(workflow, HAPPY_PATHS[workflow_id])
    assert workflow.stage(final).kind == "accepted"


@pytest.mark.parametrize("workflow_id", sorted(HAPPY_PATHS))
def test_a_return_from_siks_ng_loops_back_to_the_village_and_can_still_succeed(
    workflow_id: str,
) -> None:
    workflow = shipped(workflow_id)
    path = HAPPY_PATHS[workflow_id]
    submitted = walk(workflow, path[:-1])
    assert workflow.stage(submitted).kind == "submitted"
    back = workflow.move(submitted, "kembalikan", "dinsos_verifier", note="NIK tidak padan").id
    assert workflow.stage(back).kind == "deliberation" and workflow.stage(back).level == "village"
    deliberation_index = next(i for i, (action, _) in enumerate(path) if action == "layak")
    final = walk(workflow, path[deliberation_index:], start=back)
    assert workflow.stage(final).kind == "accepted"


def test_every_shipped_region_is_a_real_kabupaten_or_kota() -> None:
    from conversations.validators import default_regions

    regions = default_regions()
    for workflow in shipped_workflows():
        if workflow.region is not None:
            region = regions.get(workflow.region)
            assert region is not None and region.level == "kabupaten", workflow.id


def test_the_wrong_role_is_refused_with_a_reason() -> None:
    workflow = shipped("national")
    with pytest.raises(TransitionRefused) as refused:
        workflow.move("verifikasi_kecamatan", "teruskan", "village_head")
    assert refused.value.reason == "role_not_allowed" and "kecamatan" in str(refused.value)


def test_not_eligible_needs_a_note_saying_why() -> None:
    workflow = shipped("national")
    with pytest.raises(TransitionRefused) as refused:
        workflow.move("musyawarah", "tidak_layak", "village_head", note="  ")
    assert refused.value.reason == "note_required"
    assert workflow.move("musyawarah", "tidak_layak", "village_head", note="Mampu").kind == (
        "rejected"
    )


def test_a_final_stage_cannot_move_and_an_unknown_action_lists_the_possible_ones() -> None:
    workflow = shipped("national")
    with pytest.raises(TransitionRefused) as final:
        workflow.move("diterima_dtsen", "kembalikan", "admin")
    assert final.value.reason == "terminal_stage"
    with pytest.raises(TransitionRefused) as unknown:
        workflow.move("diterima", "kirim_siks", "admin")
    assert unknown.value.reason == "unknown_action" and "agendakan" in str(unknown.value)


def test_actions_offered_depend_on_the_role() -> None:
    workflow = shipped("national")
    assert {t.action for t in workflow.actions("verifikasi_dinsos", "dinsos_verifier")} == {
        "kirim_siks",
        "kembalikan",
    }
    assert "tolak" in {t.action for t in workflow.actions("verifikasi_dinsos", "dinsos_head")}
    assert workflow.actions("verifikasi_dinsos", "village_head") == []


def test_a_village_gets_its_regions_workflow_or_the_national_default() -> None:
    workflows = Workflows.load()
    assert workflows.for_village("52.72.01.1001").id == "bima"
    assert workflows.for_village("32.75.05.1002").id == "bekasi"
    assert workflows.for_village("15.08.03.2001").id == "bungo"
    assert workflows.for_village("32.04.05.2004").id == "national"


def test_time_standards_count_working_days_and_overdue_ones_show() -> None:
    workflow = shipped("bima")
    friday = date(2026, 11, 20)
    # One working day after a Friday is the Monday.
    assert workflow.due("berita_acara_dinsos", friday) == date(2026, 11, 23)
    assert workflow.overdue_days("berita_acara_dinsos", friday, date(2026, 11, 23)) == 0
    assert workflow.overdue_days("berita_acara_dinsos", friday, date(2026, 11, 25)) == 2
    assert workflow.due("disahkan", friday) is None


# -- a region writing its own file ---------------------------------------------------------

NATIONAL_TEXT = (Path(__file__).parents[2] / "staff/workflows/national.toml").read_text()


def own(text: str) -> str:
    return text.replace('id = "national"', 'id = "contoh"\nregion = "61.06"', 1)


def test_a_regions_own_file_replaces_the_shipped_one(tmp_path: Path) -> None:
    (tmp_path / "kapuas_hulu.toml").write_text(own(NATIONAL_TEXT), encoding="utf-8")
    workflows = Workflows.load(tmp_path)
    assert workflows.for_village("61.06.01.2001").id == "contoh"


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (lambda t: t.replace("sla_days = 20\n", "", 1), "stage 'musyawarah' needs sla_days"),
        (
            lambda t: t.replace('to = "verifikasi_dinsos"', 'to = "verifikasi_provinsi"', 1),
            "unknown stage 'verifikasi_provinsi'",
        ),
        (
            lambda t: t.replace('kind = "submitted"', 'kind = "sent"', 1),
            "stages[4] (dikirim_siks).kind",
        ),
        (lambda t: t.replace('roles = ["kecamatan"]', 'roles = ["camat"]', 1), "roles"),
        (lambda t: t.replace("sla_days = 5\n", "sla_days = 5\ncolour = 'red'\n", 1), "colour"),
        (lambda t: t.replace('action = "kembalikan"', 'action = "balik"'), None),
        (lambda t: t + "\n[[stages]]\nid = ", "not valid TOML"),
    ],
    ids=["no-sla", "unknown-stage", "bad-kind", "bad-role", "unknown-field", "fine", "bad-toml"],
)
def test_a_broken_file_is_refused_with_a_message_that_says_where(
    broken: object, message: str | None
) -> None:
    text = broken(own(NATIONAL_TEXT))  # type: ignore[operator]
    if message is None:
        parse_workflow(text, origin="contoh.toml")  # renaming an action is allowed
        return
    with pytest.raises(WorkflowError) as refused:
        parse_workflow(text, origin="contoh.toml")
    assert "contoh.toml" in str(refused.value) and message in str(refused.value)


def test_a_workflow_without_a_way_back_to_the_village_is_refused() -> None:
    text = own(NATIONAL_TEXT)
    blocks = text.split("[[transitions]]")
    kept = [b for b in blocks if 'to = "musyawarah"' not in b or 'from = "diterima"' in b]
    with pytest.raises(WorkflowError, match="returns a request"):
        parse_workflow("[[transitions]]".join(kept), origin="contoh.toml")


def test_a_stage_nothing_leads_to_is_refused() -> None:
    blocks = own(NATIONAL_TEXT).split("[[transitions]]")
    kept = [b for b in blocks if 'to = "tidak_layak"' not in b]
    with pytest.raises(WorkflowError, match="'tidak_layak' cannot be reached"):
        parse_workflow("[[transitions]]".join(kept), origin="contoh.toml")


def test_two_workflows_for_one_region_are_refused() -> None:
    national = shipped("national")
    with pytest.raises(WorkflowError, match="two workflows"):
        Workflows([national, national])
