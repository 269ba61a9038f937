"""How a region's stages and actions read for a request of a given kind.

The regional workflows (staff/workflows/*.toml) are written for every kind alike, and
their words speak of an usulan where it differs: "masuk DTSEN", "Layak", "Anda boleh
mengusulkan lagi". A kind that means something else (a sanggahan upheld is data removed
or corrected, not a household added) says so with its own words from the request-kind
registry (staff labels, decision labels) and the catalogue (what the citizen reads); the
region's words stay wherever the kind has none. Notices, cek status and the dashboard
all read them here, so a citizen and a staff member never see two versions.
"""

from __future__ import annotations

from conversations.catalogue import Language, catalogue
from conversations.kinds import ELIGIBILITY, Decision, request_kind
from staff.workflow import Stage, Transition, Workflow


def citizen_words(kind: str, stage: Stage, language: Language) -> str:
    """What the citizen reads about a stage (notice, cek status)."""
    cat = catalogue(language)
    key = f"notify.{kind}.stage.{stage.kind}"
    if cat.has(key):
        return cat.text(key, who=stage.who.get(language))
    return stage.citizen.get(language)


def stage_label(kind: str, stage: Stage) -> str:
    """The staff's name for a stage (queue, request page, exports)."""
    own = request_kind(kind).stage_labels.get(stage.kind)
    return own.format(who=stage.who.get()) if own else stage.label.get()


def meeting_decision(kind: str, workflow: Workflow, origin: str, action: str) -> Decision | None:
    """The musyawarah decision an action out of a deliberation stage carries, if any."""
    if workflow.stage(origin).kind != "deliberation":
        return None
    return request_kind(kind).decision_for_action(action)


def action_label(kind: str, workflow: Workflow, transition: Transition) -> str:
    """The staff's words for a workflow action on a request of this kind."""
    decision = meeting_decision(kind, workflow, transition.origin, transition.action)
    if decision is not None and request_kind(kind).decisions != ELIGIBILITY:
        return decision.label  # the region's "Layak" would say the opposite
    target = workflow.stage(transition.target)
    own = request_kind(kind).stage_labels.get(target.kind)
    if own and target.kind == "accepted":
        return own.format(who=target.who.get())
    return transition.label.get()


def decision_line(
    kind: str, workflow: Workflow, origin: str, action: str, language: Language
) -> str | None:
    """The meeting's decision in the kind's words, said first in the citizen's notice.

    A decision that stops the request where the region lets it go on (Bekasi: Dinas
    Sosial approves or rejects after the muskel, seed 004 langkah 5) is said with the
    kind's `decision_onward` words when it has them: the data is not final yet."""
    decision = meeting_decision(kind, workflow, origin, action)
    if decision is None:
        return None
    cat = catalogue(language)
    transition = workflow.transition(origin, action)
    goes_on = transition is not None and workflow.stage(transition.target).kind != "rejected"
    onward = f"notify.{kind}.decision_onward.{decision.code}"
    if decision.action == "tidak_layak" and goes_on and cat.has(onward):
        return cat.text(onward)
    key = f"notify.{kind}.decision.{decision.code}"
    return cat.text(key) if cat.has(key) else None


def next_line(kind: str, stage_kind: str, language: Language) -> str | None:
    """What comes next after a stage of this kind ("Berikutnya: ..."), if anything."""
    cat = catalogue(language)
    for key in (f"notify.{kind}.next.{stage_kind}", f"notify.next.{stage_kind}"):
        if cat.has(key):
            return cat.text(key)
    return None
