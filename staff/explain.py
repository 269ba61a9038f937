"""What a citizen is told about the stage their request is in, from the region's file.

Cek status explains every stage in plain words: what is happening (the stage's `citizen`
words), who does it (`who`), by when if the SOP sets a time (else that it sets none), what
comes next (the next stage's words), and whom to ask (`ask`). And, when a proposal is
filed, the earliest month the Minister's penetapan can decide it: the SOP's time limits
along the region's path to SIKS-NG, counted from today, against the monthly cut-off.
"""

from __future__ import annotations

from datetime import date

from conversations.catalogue import catalogue
from conversations.flows.common import long_date
from conversations.languages import LANGUAGES, Language
from staff.workflow import DECIDED, Workflow


def explain_stage(
    workflow: Workflow,
    stage_id: str,
    *,
    entered: date,
    ticket: str,
    language: Language,
    kind: str = "usulan",
) -> str:
    cat = catalogue(language)
    stage = workflow.stage(stage_id)
    lines = [cat.text("status.stage.who", who=stage.who.get(language))]
    if not stage.terminal:
        due = workflow.due(stage_id, entered)
        if due is None:
            lines.append(cat.text("status.stage.no_due"))
        else:
            lines.append(cat.text("status.stage.due", date=long_date(due, language)))
        following = workflow.next_stage(stage_id)
        if following is not None:
            lines.append(
                cat.text("status.stage.next", next=_sentence(following.citizen.get(language)))
            )
    lines.append(cat.text("status.stage.ask", ask=stage.ask.get(language), ticket=ticket))
    return "\n".join(lines)


def explanations(
    workflow: Workflow, stage_id: str, *, entered: date, ticket: str, kind: str = "usulan"
) -> dict[str, str]:
    """The explanation in every language the catalogues have (the chat picks one)."""
    return {
        language: explain_stage(
            workflow, stage_id, entered=entered, ticket=ticket, language=language, kind=kind
        )
        for language in LANGUAGES
    }


def earliest_submission(workflow: Workflow, filed: date) -> date:
    """The earliest day a request filed on `filed` can reach the stage the penetapan decides
    from, going the region's normal way with every stage taking its full SOP time (a stage
    without a time limit is counted as taking none: this is a lower bound)."""
    day, stage = filed, workflow.stage("diterima")
    seen = set()
    while stage.id not in seen:
        seen.add(stage.id)
        if workflow.transition(stage.id, DECIDED) is not None:
            return day
        due = workflow.due(stage.id, day)
        day = due if due is not None else day
        following = workflow.next_stage(stage.id)
        if following is None:
            break
        stage = following
    return day


def earliest_penetapan_month(workflow: Workflow, filed: date, cutoff_day: int) -> date:
    """The first day of the earliest month whose penetapan can include the request: data
    submitted by the cut-off day goes into that month's, later into the next month's."""
    submitted = earliest_submission(workflow, filed)
    month = date(submitted.year, submitted.month, 1)
    if submitted.day <= cutoff_day:
        return month
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _sentence(words: str) -> str:
    words = words.strip()
    return words if words.endswith((".", "!", "?")) else words + "."
