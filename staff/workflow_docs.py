"""The stage-by-stage tables of docs/workflows.md, written from the shipped files.

For each region: the SOP's words (quoted, with the seed and step), the file's stage, who
moves a request on (the region's names for the roles), the deadline and the documents a
move needs. Then, for each request kind (conversations/kinds.py), what the musyawarah
decides for it and what the staff and the citizen read where it differs from the region's
usulan words (staff/kind_words.py). A test checks that docs/workflows.md holds exactly
these tables; after changing a workflow file, a kind or its texts, print them anew with
`python -m staff.workflow_docs`.
"""

from __future__ import annotations

from conversations.catalogue import catalogue
from conversations.flow import Step
from conversations.flows import FLOWS
from conversations.kinds import ELIGIBILITY, KINDS, RequestKind
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


def _subtypes(kind: RequestKind) -> str:
    """The kind's subtypes as the chat offers them (its flow's first choice)."""
    texts = catalogue("id")
    step = next(
        n
        for n in FLOWS[kind.name].nodes
        if isinstance(n, Step) and n.choices is not None and n.key != "consent"
    )
    assert step.choices is not None
    names = (texts.text(f"choice.{step.choices.name}.{value}") for value in kind.subtypes)
    return "; ".join(f"`{value}` {name}" for value, name in zip(kind.subtypes, names, strict=True))


def _own_words(kind: RequestKind) -> str:
    """What the citizen reads in this kind's own words (Indonesian), else the region's."""
    texts = catalogue("id")
    said = []
    for decision in kind.decisions:
        key = f"notify.{kind.name}.decision.{decision.code}"
        if texts.has(key):
            said.append(f"{decision.code}: “{texts.text(key)}”")
    for stage in ("accepted", "rejected"):
        key = f"notify.{kind.name}.stage.{stage}"
        if texts.has(key):
            said.append(f"{stage}: “{texts.template(key)}”")
    return " ".join(said) or "the region's stage words"


def kinds_table() -> list[str]:
    lines = [
        "### Request kinds",
        "",
        "Every region's workflow serves every kind. A kind whose outcome the region's usulan "
        "words would misstate has its own musyawarah decisions (each runs the workflow's "
        "`layak` or `tidak_layak` action), its own staff names for the final stages, and its "
        "own words for the citizen (conversations/kinds.py, the catalogue's `notify.<kind>`).",
        "",
        "| kind (ticket letter) | what it is about | musyawarah decides → action "
        "| staff's names for the final stages | the citizen reads |",
        "|---|---|---|---|---|",
    ]
    for kind in KINDS:
        decided = "; ".join(
            f"{d.label} → `{d.action}`" + (" (reason required)" if d.note_required else "")
            for d in kind.decisions
        )
        staged = "; ".join(f"{stage}: {label}" for stage, label in kind.stage_labels.items())
        row = [
            f"`{kind.name}` ({kind.letter}): {kind.staff_label}",
            _subtypes(kind),
            decided + ("" if kind.decisions != ELIGIBILITY else " (the region's words)"),
            staged or "the region's",
            _own_words(kind),
        ]
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    return [*lines, ""]


def tables() -> str:
    shipped = {w.id: w for w in shipped_workflows()}
    lines = [BEGIN, ""]
    for workflow_id in ORDER:
        lines += table(shipped[workflow_id])
    lines += kinds_table()
    return "\n".join([*lines, END])


if __name__ == "__main__":
    print(tables())
