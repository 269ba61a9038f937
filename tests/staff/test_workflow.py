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

# (workflow, the actions and roles from "diterima" to the Minister's penetapan)
HAPPY_PATHS = {
    "national": [
        ("agendakan", "village_operator"),
        ("layak", "village_head"),
        ("teruskan", "kecamatan"),
        ("kirim_siks", "dinsos_verifier"),
        ("ditetapkan", "dinsos_head"),
    ],
    "bungo": [
        ("agendakan", "village_operator"),
        ("layak", "village_head"),
        ("kirim_kecamatan", "village_head"),
        ("sahkan", "kecamatan"),
        ("valid", "dinsos_verifier"),
        ("unggah", "dinsos_verifier"),
        ("ditetapkan", "dinsos_verifier"),
    ],
    "bima": [
        ("agendakan", "village_operator"),
        ("layak", "village_head"),
        ("terima_berkas", "dinsos_verifier"),
        ("mulai_verval", "dinsos_verifier"),
        ("laporkan", "dinsos_verifier"),
        ("setujui", "dinsos_head"),
        ("kirim_siks", "dinsos_verifier"),
        ("kirim_pengesahan", "dinsos_head"),
        ("ditetapkan", "dinsos_head"),
    ],
    "bekasi": [
        ("serahkan_kecamatan", "dinsos_verifier"),
        ("teruskan_kelurahan", "kecamatan"),
        ("layak", "village_head"),
        ("teruskan", "kecamatan"),
        ("setujui", "dinsos_verifier"),
        ("ditetapkan", "dinsos_head"),
    ],
    "kapuas_hulu": [
        ("agendakan", "village_operator"),
        ("layak", "village_head"),
        ("diinput", "siks_operator"),
        ("serahkan_bnba", "tksk"),
        ("kirim_siks", "dinsos_verifier"),
        ("ditetapkan", "dinsos_head"),
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
    assert workflows.for_village("61.06.01.2001").id == "kapuas_hulu"
    assert workflows.for_village("32.04.05.2004").id == "national"


def test_time_standards_count_working_days_and_overdue_ones_show() -> None:
    workflow = shipped("bima")
    friday = date(2026, 11, 20)
    # One working day after a Friday is the Monday.
    assert workflow.due("diserahkan_dinsos", friday) == date(2026, 11, 23)
    assert workflow.overdue_days("diserahkan_dinsos", friday, date(2026, 11, 23)) == 0
    assert workflow.overdue_days("diserahkan_dinsos", friday, date(2026, 11, 25)) == 2
    assert workflow.due("ditetapkan_dtsen", friday) is None


def test_the_2026_lebaran_week_is_not_counted_as_working_days() -> None:
    """Nyepi 19 March 2026 and Idul Fitri 21-22 March, with cuti bersama on 18, 20, 23
    and 24 March (the holidays package): Wednesday to the next Tuesday is all off."""
    workflow = shipped("bima")
    holidays = workflow.holidays
    assert all(date(2026, 3, day) in holidays for day in (18, 19, 20, 23, 24))
    assert "Idul Fitri" in (holidays.name(date(2026, 3, 21)) or "")
    tuesday = date(2026, 3, 17)
    # SIKS-NG input, 4 working days (001 langkah 5): 25, 26, 27 and 30 March.
    assert workflow.due("input_siks", tuesday) == date(2026, 3, 30)
    assert workflow.overdue_days("input_siks", tuesday, date(2026, 3, 30)) == 0
    assert workflow.overdue_days("input_siks", tuesday, date(2026, 3, 31)) == 1
    assert workflow.days_in_stage("input_siks", tuesday, date(2026, 3, 25)) == 1


def test_bekasi_counts_calendar_days_as_its_sop_says_hari() -> None:
    workflow = shipped("bekasi")
    tuesday = date(2026, 3, 17)
    # Dinas Sosial's decision, 5 hari (004 langkah 5): the Lebaran week counts.
    assert workflow.count("persetujuan_dinsos") == "calendar"
    assert workflow.due("persetujuan_dinsos", tuesday) == date(2026, 3, 22)
    assert workflow.overdue_days("persetujuan_dinsos", tuesday, date(2026, 3, 24)) == 2
    # The kelurahan's 3 minggu (004 langkah 3) are 21 days.
    assert workflow.due("verval_muskel", tuesday) == date(2026, 4, 7)


def test_a_region_whose_sop_sets_no_time_limit_never_has_an_overdue_request() -> None:
    for workflow_id in ("bungo", "kapuas_hulu", "national"):
        workflow = shipped(workflow_id)
        for stage in workflow.stages:
            assert stage.deadline is None, (workflow_id, stage.id)
            assert workflow.due(stage.id, date(2026, 1, 5)) is None
            assert workflow.overdue_days(stage.id, date(2026, 1, 5), date(2027, 1, 5)) == 0


def test_nobody_waiting_for_the_ministers_penetapan_is_ever_overdue() -> None:
    for workflow in shipped_workflows():
        for stage in workflow.stages:
            if stage.kind == "submitted":
                assert stage.deadline is None, (workflow.id, stage.id)
                assert workflow.overdue_days(stage.id, date(2026, 1, 5), date(2027, 1, 5)) == 0


def test_only_the_penetapan_leads_to_masuk_dtsen() -> None:
    for workflow in shipped_workflows():
        into_accepted = [
            t for t in workflow.transitions if workflow.stage(t.target).kind == "accepted"
        ]
        assert into_accepted and {t.action for t in into_accepted} == {"ditetapkan"}
        assert all(workflow.stage(t.origin).kind == "submitted" for t in into_accepted)


def test_the_kelurahan_in_bekasi_never_closes_a_request_for_good() -> None:
    workflow = shipped("bekasi")
    for transition in workflow.transitions:
        if set(transition.roles) <= {"village_operator", "village_head"}:
            assert not workflow.stage(transition.target).terminal, transition.action


def test_bima_needs_the_sptjm_and_the_sk_walikota_before_siks_ng_and_the_letter_after() -> None:
    workflow = shipped("bima")
    path = [action for action, _ in HAPPY_PATHS["bima"]]
    needs = {
        action: (workflow.transition(stage, action) or pytest.fail(action)).documents
        for stage, action in _stages_along(workflow, HAPPY_PATHS["bima"])
    }
    assert path.index("terima_berkas") < path.index("setujui") < path.index("kirim_siks")
    assert needs["terima_berkas"] == ("sptjm",) and needs["setujui"] == ("sk_walikota",)
    assert path.index("kirim_siks") < path.index("kirim_pengesahan")
    assert needs["kirim_pengesahan"] == ("surat_pengesahan",)
    assert workflow.stage("input_siks").kind == "verification"  # the operator's 4 days


def test_bungo_speaks_of_the_rio_and_the_kepala_kampung() -> None:
    workflow = shipped("bungo")
    assert workflow.role_label("village_head") == "Rio/Lurah"
    assert "Kepala Kampung" in (workflow.role_label("village_operator") or "")
    assert "Kepala Kampung" in workflow.stage("diterima").citizen.get()
    assert "Rio" in workflow.stage("musyawarah").citizen.get()
    assert shipped("national").role_label("village_head") is None


def test_kapuas_hulu_meets_monthly_with_the_roles_of_the_circular() -> None:
    meeting = shipped("kapuas_hulu").meeting
    roles = {role.label.get() for role in meeting.participant_roles}
    assert {"TKSK", "Pendamping PKH", "Babinsa", "Babinkamtibmas", "BPD"} <= roles
    assert set(meeting.required_roles) == {role.id for role in meeting.participant_roles}
    assert meeting.schedule is not None and meeting.schedule.every_months == 1
    assert meeting.schedule.source.startswith("kebijakan daerah")


def _stages_along(workflow: Workflow, steps: list[tuple[str, str]]) -> list[tuple[str, str]]:
    stage, along = "diterima", []
    for action, role in steps:
        along.append((stage, action))
        stage = workflow.move(stage, action, role, note="catatan").id  # type: ignore[arg-type]
    return along


# -- a region writing its own file ---------------------------------------------------------

NATIONAL_TEXT = (Path(__file__).parents[2] / "staff/workflows/national.toml").read_text()
DEADLINE = 'deadline = { days = 3, count = "working", source = "kebijakan daerah" }\n'


def own(text: str) -> str:
    text = text.replace('id = "national"', 'id = "contoh"\nregion = "61.06"', 1)
    # One stage with a deadline of the region's own choosing, for the checks below.
    return text.replace(
        'source = "002 Pasal 4 huruf a"\nquote',
        DEADLINE + 'source = "002 Pasal 4 huruf a"\nquote',
        1,
    )


def test_a_regions_own_file_replaces_the_shipped_one(tmp_path: Path) -> None:
    (tmp_path / "kapuas_hulu.toml").write_text(own(NATIONAL_TEXT), encoding="utf-8")
    workflows = Workflows.load(tmp_path)
    assert workflows.for_village("61.06.01.2001").id == "contoh"


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (
            lambda t: t.replace(', source = "kebijakan daerah" }', " }", 1),
            "stages[1] (musyawarah).deadline.source",
        ),
        (
            lambda t: t.replace(
                'source = "002 Pasal 5 huruf e"\nquote', 'source = "SOP"\nquote', 1
            ),
            "must cite a seed",
        ),
        (
            lambda t: t.replace('count = "working"', 'count = "weekdays"', 1),
            "deadline.count",
        ),
        (
            lambda t: t.replace('action = "ditetapkan"', 'action = "masuk_dtsen"', 1),
            "only the Minister's penetapan",
        ),
        (
            lambda t: t.replace('to = "verifikasi_dinsos"', 'to = "verifikasi_provinsi"', 1),
            "unknown stage 'verifikasi_provinsi'",
        ),
        (
            lambda t: t.replace('kind = "submitted"', 'kind = "sent"', 1),
            "stages[4] (dikirim_siks).kind",
        ),
        (lambda t: t.replace('roles = ["kecamatan"]', 'roles = ["camat"]', 1), "roles"),
        (lambda t: t.replace(DEADLINE, DEADLINE + "colour = 'red'\n", 1), "colour"),
        (lambda t: t.replace('action = "kembalikan"', 'action = "balik"'), None),
        (lambda t: t + "\n[[stages]]\nid = ", "not valid TOML"),
    ],
    ids=[
        "deadline-without-source",
        "source-cites-nothing",
        "bad-day-count",
        "masuk-dtsen-without-penetapan",
        "unknown-stage",
        "bad-kind",
        "bad-role",
        "unknown-field",
        "fine",
        "bad-toml",
    ],
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
