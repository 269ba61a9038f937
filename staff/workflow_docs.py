"""The stage-by-stage tables of docs/workflows.md, written from the shipped files.

For each region: the SOP's words (quoted, with the seed and step), the file's stage, who
moves a request on (the region's names for the roles), the deadline and the documents a
move needs. A test checks that docs/workflows.md holds exactly these tables; after
changing a workflow file, print them anew with `python -m staff.workflow_docs`.
"""

from __future__ import annotations

from staff.workflow import Workflow, shipped_workflows

BEGIN = "<!-- tables: python -m staff.workflow_docs -->"
END = "<!-- end of tables -->"
ORDER = ("bungo", "bima", "bekasi", "kapuas_hulu", "national")
ROLE_WORDS = {
    "village_operator": "operator desa/kelurahan",
    "village_head": "kepala desa/lurah",
    "siks_operator": "operator SIKS-NG desa",
    "tksk": "TKSK",
    "pendamping_pkh": "pendamping PKH",
    "kecamatan": "kecamatan",
    "dinsos_verifier": "verifikator Dinas Sosial",
    "dinsos_head": "kepala Dinas Sosial",
}


def _cell(text: str) -> str:
    return text.replace("|", "/").replace("\n", " ")


def table(workflow: Workflow) -> list[str]:
    title = f"### {workflow.name}" + (f" ({workflow.region})" if workflow.region else "")
    lines = [
        title,
        "",
        f"From: {workflow.source}.",
        "",
        "| the SOP's words (seed, step) | stage in the file | who moves it on | deadline "
        "| document needed |",
        "|---|---|---|---|---|",
    ]
    for stage in workflow.stages:
        said = f"“{stage.quote}” ({stage.source})" if stage.quote else f"({stage.source})"
        moves, papers = [], []
        for t in workflow.transitions:
            if t.origin != stage.id:
                continue
            who = " / ".join(workflow.role_label(r) or ROLE_WORDS.get(r, r) for r in t.roles)
            moves.append(f"`{t.action}`: {who}")
            for kind in t.documents:
                document = workflow.document(kind)
                entry = f"{document.label.get()} at `{t.action}` ({document.source})"
                papers.append(entry)
        deadline = stage.deadline
        if deadline is not None:
            unit = "hari kerja" if deadline.count == "working" else "hari kalender"
            quoted = f" “{deadline.quote}”" if deadline.quote else ""
            limit = f"{deadline.days} {unit}{quoted} ({deadline.source})"
        else:
            limit = "final" if stage.terminal else "none in the SOP"
        row = [
            said,
            f"`{stage.id}` ({stage.kind}): {stage.label.get()}",
            "; ".join(moves) or "—",
            limit,
            "; ".join(papers) or "—",
        ]
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    meeting = workflow.meeting
    if meeting.participant_roles:
        people = ", ".join(f"{r.label.get()} ({r.source})" for r in meeting.participant_roles)
        text = f"Musyawarah participants: {people}."
        if meeting.required_roles:
            text += f" All of {', '.join(meeting.required_roles)} must be present before it"
            text += f" closes ({meeting.required_source})."
        if meeting.schedule is not None:
            every = meeting.schedule.every_months
            text += f" Held every {every} month(s): {meeting.schedule.source}."
        lines += ["", text]
    return [*lines, ""]


def tables() -> str:
    shipped = {w.id: w for w in shipped_workflows()}
    lines = [BEGIN, ""]
    for workflow_id in ORDER:
        lines += table(shipped[workflow_id])
    return "\n".join([*lines, END])


if __name__ == "__main__":
    print(tables())
