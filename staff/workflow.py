"""Regional workflows: the stages a request passes, who may move it, and each stage's time.

Every region shares a shape: received -> village deliberation -> one or more verification
levels -> submitted to SIKS-NG -> decided by the Minister's monthly penetapan (accepted or
rejected), with "returned for re-verification" looping back to the village. The stages,
their order, who acts, the documents and the time standards differ per kabupaten/kota, so
they are configuration: one TOML file per region, checked when it is loaded (see
docs/workflows.md).

The truth of the procedure is part of the file: every stage, role, action, deadline,
document, meeting rule and extra holiday carries `source`, either a seed document and its
step or clause ("001 langkah 5", "002 Pasal 12 ayat (3)") or "kebijakan daerah" (the
region's own choice, said as such). A deadline is optional: a stage without one shows no
target date to citizens and is never overdue. Only the penetapan (`ditetapkan`) leads to
an accepted stage: nobody is told "masuk DTSEN" before the Minister decides.
"""

from __future__ import annotations

import tomllib
from collections import deque
from collections.abc import Iterable, Mapping
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from conversations.labels import Label
from staff.holidays import Holidays
from staff.working_days import DayCount, add_days, days_between, first_entry_on_time

Role = Literal[
    "village_operator",
    "village_head",
    "siks_operator",
    "tksk",
    "pendamping_pkh",
    "kecamatan",
    "dinsos_verifier",
    "dinsos_head",
    "admin",
]
ROLES: tuple[Role, ...] = (
    "village_operator",
    "village_head",
    "siks_operator",
    "tksk",
    "pendamping_pkh",
    "kecamatan",
    "dinsos_verifier",
    "dinsos_head",
    "admin",
)
# Seed documents a `source` may cite, by their number in shared/seeds/ (docs/workflows.md).
SEEDS: Final[dict[str, str]] = {
    "000": "SOP Pemutakhiran dan Penggunaan DTSEN, Dinas Sosial P2KBP3A Kabupaten Bungo",
    "001": "SOP Permohonan dan Pengusulan DTKS, Dinas Sosial Kota Bima, 2022",
    "002": "Permensos 3/2021 tentang Pengelolaan DTKS (kutipan pada berita Kabupaten Asahan)",
    "003": "Surat Dinsos P3A Kabupaten Kapuas Hulu 400.9.11.1/2100/DSPPA/SOS, 29 Agustus 2024",
    "004": "Keputusan Wali Kota Bekasi 067/Kep.457-Dinsos/IX/2021 (SOP verifikasi validasi DTKS)",
}
REGIONAL_CHOICE: Final = "kebijakan daerah"
# The penetapan: the Minister's monthly decision (Permensos 3/2021 Pasal 12), recorded by
# Dinas Sosial. The only actions out of a "submitted" stage into a final one.
DECIDED: Final = "ditetapkan"
NOT_DECIDED: Final = "tidak_ditetapkan"
StageKind = Literal["received", "deliberation", "verification", "submitted", "accepted", "rejected"]
TERMINAL: frozenset[str] = frozenset({"accepted", "rejected"})
# The status every request is filed with (models.tables.INITIAL_STATUS).
INITIAL_STAGE = "diterima"
Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=48)]


class WorkflowError(ValueError):
    """A workflow file that cannot be used; the message says where and what."""


class TransitionRefused(ValueError):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _cited(text: str) -> str:
    text = " ".join(text.split())
    seed = text[:3]
    if text.lower().startswith(REGIONAL_CHOICE):
        return text
    if seed in SEEDS and len(text) > 4 and text[3] == " ":
        return text
    raise ValueError(
        f'source must cite a seed and its step ("{" / ".join(SEEDS)} <langkah/pasal/huruf>") '
        f'or begin with "{REGIONAL_CHOICE}", not {text!r}'
    )


# Where a stage, role, number or document comes from (see the module docstring).
Source = Annotated[str, Field(min_length=3, max_length=300), AfterValidator(_cited)]


class Deadline(_Strict):
    """A stage's time standard, only where a rule sets one."""

    days: int = Field(ge=1, le=120)
    count: DayCount
    source: Source
    # The SOP's own words for the time ("4 Hari kerja", "3 Minggu"), checked against the seed.
    quote: str | None = None


class Stage(_Strict):
    id: Identifier
    kind: StageKind
    level: Literal["village", "kecamatan", "kabupaten", "national"]
    label: Label
    # What the citizen is told while the request is here: plain words.
    citizen: Label
    # Who does the work at this stage, in words a citizen knows ("Rio/Lurah", "Kecamatan").
    who: Label
    # Whom the citizen can ask about it.
    ask: Label
    source: Source
    # The SOP's words for the step, quoted (docs/workflows.md tables; checked by a test).
    quote: str | None = None
    deadline: Deadline | None = None

    @property
    def terminal(self) -> bool:
        return self.kind in TERMINAL


class Transition(_Strict):
    origin: Identifier = Field(alias="from")
    target: Identifier = Field(alias="to")
    action: Identifier
    label: Label
    roles: tuple[Role, ...] = Field(min_length=1)
    note_required: bool = False
    # Documents (ids of `[[documents]]`) recorded with the move, e.g. an SK Walikota.
    documents: tuple[Identifier, ...] = ()
    source: Source


class RoleWords(_Strict):
    """What a staff role is called in this region (Bungo's village head is the Rio)."""

    id: Role
    label: Label
    source: Source


class DocumentKind(_Strict):
    """A document a transition can require: recorded with its number, date and file."""

    id: Identifier
    label: Label
    source: Source


class ParticipantRole(_Strict):
    """Someone who takes part in the village meeting (TKSK, Babinsa, BPD...)."""

    id: Identifier
    label: Label
    source: Source


class Schedule(_Strict):
    """How often the village meeting is held, when a rule (or the region) says so."""

    every_months: int = Field(ge=1, le=12)
    source: Source


class Meeting(_Strict):
    participant_roles: tuple[ParticipantRole, ...] = ()
    # Roles that must be present before a musyawarah can be closed.
    required_roles: tuple[Identifier, ...] = ()
    required_source: Source | None = None
    schedule: Schedule | None = None


class ExtraHoliday(_Strict):
    day: date = Field(alias="date")
    name: str = Field(min_length=1)
    source: Source


class Workflow(_Strict):
    id: Identifier
    name: str = Field(min_length=1)
    # The kabupaten/kota code ("52.72") it applies to; None for the national default.
    region: Annotated[str, Field(pattern=r"^\d{2}\.\d{2}$")] | None = None
    source: str = Field(min_length=1)
    # Days off of the region's own, on top of national holidays and cuti bersama.
    extra_holidays: tuple[ExtraHoliday, ...] = ()
    roles: tuple[RoleWords, ...] = ()
    documents: tuple[DocumentKind, ...] = ()
    meeting: Meeting = Meeting()
    stages: tuple[Stage, ...] = Field(min_length=2)
    transitions: tuple[Transition, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_shape(self) -> Workflow:
        problems = list(_shape_problems(self))
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def holidays(self) -> Holidays:
        return _holidays(self.extra_holidays)

    def role_label(self, role: str, language: str = "id") -> str | None:
        """The region's name for a staff role, None where it uses the common one."""
        for words in self.roles:
            if words.id == role:
                return words.label.get(language)
        return None

    def document(self, document_id: str) -> DocumentKind:
        for document in self.documents:
            if document.id == document_id:
                return document
        raise KeyError(document_id)

    def participant_role(self, role_id: str) -> ParticipantRole | None:
        for role in self.meeting.participant_roles:
            if role.id == role_id:
                return role
        return None

    def next_stage(self, stage_id: str) -> Stage | None:
        """Where a request normally goes from here: the first action that neither rejects
        nor sends it back (None from a final stage)."""
        for t in self.transitions:
            if t.origin != stage_id:
                continue
            target = self.stage(t.target)
            if target.kind == "rejected" or self.returns(stage_id, t.target):
                continue
            return target
        return None

    def returns(self, origin: str, target: str) -> bool:
        """Is this move a return to the village for re-verification? It goes back to a stage
        a request meets earlier on its way (fewer moves from "diterima") in the village.
        Bekasi's kecamatan passing a request on to the kelurahan's meeting is no return."""
        depth = _depths(self)
        stage = self.stage(target)
        return (
            stage.kind in ("deliberation", "received")
            and depth.get(target, 0) < depth.get(origin, 0)
            and self.stage(origin).kind in ("verification", "submitted")
        )

    # -- reading ----------------------------------------------------------------------------

    def stage(self, stage_id: str) -> Stage:
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        raise TransitionRefused("unknown_stage", f"{self.id}: no stage {stage_id!r}")

    def actions(self, stage_id: str, role: Role | None = None) -> list[Transition]:
        """What can be done with a request in this stage (by this role, if given)."""
        return [
            t
            for t in self.transitions
            if t.origin == stage_id and (role is None or role in t.roles or role == "admin")
        ]

    def transition(self, stage_id: str, action: str) -> Transition | None:
        for t in self.transitions:
            if t.origin == stage_id and t.action == action:
                return t
        return None

    def move(self, stage_id: str, action: str, role: Role, *, note: str | None = None) -> Stage:
        """The stage a request goes to; refused with a reason when it may not."""
        stage = self.stage(stage_id)
        if stage.terminal:
            raise TransitionRefused(
                "terminal_stage", f"'{stage.label.get()}' is final: nothing more can be done"
            )
        matching = [t for t in self.transitions if t.origin == stage_id and t.action == action]
        if not matching:
            possible = ", ".join(t.action for t in self.actions(stage_id)) or "-"
            raise TransitionRefused(
                "unknown_action",
                f"'{action}' is not possible from '{stage.label.get()}' (possible: {possible})",
            )
        transition = matching[0]
        if role not in transition.roles and role != "admin":
            raise TransitionRefused(
                "role_not_allowed",
                f"'{transition.label.get()}' is for {', '.join(transition.roles)}, not {role}",
            )
        if transition.note_required and not (note and note.strip()):
            raise TransitionRefused(
                "note_required", f"'{transition.label.get()}' needs a note saying why"
            )
        return self.stage(transition.target)

    # -- time -------------------------------------------------------------------------------

    def count(self, stage_id: str) -> DayCount:
        """How days are counted at this stage: as its deadline says, else working days."""
        deadline = self.stage(stage_id).deadline
        return "working" if deadline is None else deadline.count

    def due(self, stage_id: str, entered: date) -> date | None:
        """The last day the request may stay in this stage (None: the SOP sets no limit)."""
        deadline = self.stage(stage_id).deadline
        if deadline is None:
            return None
        return add_days(entered, deadline.days, deadline.count, self.holidays)

    def days_in_stage(self, stage_id: str, entered: date, today: date) -> int:
        return days_between(entered, today, self.count(stage_id), self.holidays)

    def overdue_days(self, stage_id: str, entered: date, today: date) -> int:
        """Days past the time standard, counted as the stage counts them (0 when on time
        or without one)."""
        due = self.due(stage_id, entered)
        if due is None or today <= due:
            return 0
        return days_between(due, today, self.count(stage_id), self.holidays)

    def first_entry_on_time(self, stage_id: str, today: date) -> date | None:
        """Requests that entered this stage before the returned day are overdue today;
        None when the stage has no deadline (it is never overdue)."""
        deadline = self.stage(stage_id).deadline
        if deadline is None or self.stage(stage_id).terminal:
            return None
        return first_entry_on_time(deadline.days, deadline.count, self.holidays, today)


def _shape_problems(workflow: Workflow) -> Iterable[str]:
    ids = [s.id for s in workflow.stages]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        yield f"stage ids used twice: {', '.join(duplicates)}"
    stages = {s.id: s for s in workflow.stages}
    kinds = [s.kind for s in workflow.stages]
    received = [s for s in workflow.stages if s.kind == "received"]
    if len(received) != 1 or received[0].id != INITIAL_STAGE:
        yield f'exactly one stage of kind "received", with id "{INITIAL_STAGE}", is needed'
    for kind in ("deliberation", "verification", "submitted", "accepted", "rejected"):
        if kind not in kinds:
            yield f'no stage of kind "{kind}"'
    unknown = [
        f"transition '{t.action}' names an unknown stage {end!r}"
        for t in workflow.transitions
        for end in (t.origin, t.target)
        if end not in stages
    ]
    if unknown:
        # The checks below walk the transitions; with unknown ends they would only mislead.
        yield from unknown
        return
    seen: set[tuple[str, str]] = set()
    documents = {d.id for d in workflow.documents}
    for t in workflow.transitions:
        if (t.origin, t.action) in seen:
            yield f"action '{t.action}' appears twice from '{t.origin}'"
        seen.add((t.origin, t.action))
        if stages[t.origin].terminal:
            yield f"'{t.origin}' is final ({stages[t.origin].kind}) but has action '{t.action}'"
        for document in t.documents:
            if document not in documents:
                yield f"action '{t.action}' from '{t.origin}' needs unknown document {document!r}"
        if stages[t.target].kind == "accepted" and t.action != DECIDED:
            yield (
                f"action '{t.action}' leads to '{t.target}' (accepted): only the Minister's "
                f"penetapan ('{DECIDED}') may"
            )
        if stages[t.target].kind == "accepted" and stages[t.origin].kind != "submitted":
            yield f"'{DECIDED}' must leave a stage of kind \"submitted\", not '{t.origin}'"
    for stage in workflow.stages:
        if stage.terminal:
            if stage.deadline is not None:
                yield f"stage '{stage.id}' is final and cannot have a deadline"
            continue
        if not any(t.origin == stage.id for t in workflow.transitions):
            yield f"stage '{stage.id}' is a dead end: no action leads out of it"
    yield from _meeting_problems(workflow)
    roles_named = [words.id for words in workflow.roles]
    if len(set(roles_named)) != len(roles_named):
        yield "a role is named twice in [[roles]]"
    if received and received[0].id in stages:
        reachable = _reachable(workflow, INITIAL_STAGE)
        for stage in workflow.stages:
            if stage.id not in reachable:
                yield f"stage '{stage.id}' cannot be reached from '{INITIAL_STAGE}'"
        if not _passes_in_order(workflow, stages):
            yield ("no path received -> deliberation -> verification -> submitted -> accepted")
    if not any(workflow.returns(t.origin, t.target) for t in workflow.transitions):
        yield "no action returns a request from verification or SIKS-NG to the village"
    submitted = [s.id for s in workflow.stages if s.kind == "submitted"]
    if submitted and not any(
        t.action == DECIDED and t.origin in submitted for t in workflow.transitions
    ):
        yield f"no penetapan: no action '{DECIDED}' from a submitted stage"


def _depths(workflow: Workflow) -> dict[str, int]:
    """How many moves each stage is from "diterima" at the fewest (breadth first)."""
    depth = {INITIAL_STAGE: 0}
    queue = deque([INITIAL_STAGE])
    while queue:
        here = queue.popleft()
        for t in workflow.transitions:
            if t.origin == here and t.target not in depth:
                depth[t.target] = depth[here] + 1
                queue.append(t.target)
    return depth


def _meeting_problems(workflow: Workflow) -> Iterable[str]:
    meeting = workflow.meeting
    known = [role.id for role in meeting.participant_roles]
    if len(set(known)) != len(known):
        yield "a participant role is listed twice in [meeting]"
    for role in meeting.required_roles:
        if role not in known:
            yield f"required role {role!r} is not one of the meeting's participant_roles"
    if meeting.required_roles and meeting.required_source is None:
        yield "[meeting] required_roles needs required_source"


@cache
def _holidays(extra: tuple[ExtraHoliday, ...]) -> Holidays:
    return Holidays((h.day, h.name) for h in extra)


def _reachable(workflow: Workflow, start: str) -> set[str]:
    seen, queue = {start}, deque([start])
    while queue:
        here = queue.popleft()
        for t in workflow.transitions:
            if t.origin == here and t.target not in seen:
                seen.add(t.target)
                queue.append(t.target)
    return seen


def _passes_in_order(workflow: Workflow, stages: Mapping[str, Stage]) -> bool:
    """Is there a walk that meets each kind of the shared shape in order?"""
    order = ("deliberation", "verification", "submitted", "accepted")
    frontier = {INITIAL_STAGE}
    for kind in order:
        reached = set().union(*(_reachable(workflow, s) for s in frontier))
        frontier = {s for s in reached if stages[s].kind == kind}
        if not frontier:
            return False
    return True


# -- loading ------------------------------------------------------------------------------------


def parse_workflow(text: str, *, origin: str) -> Workflow:
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise WorkflowError(f"{origin}: not valid TOML: {error}") from None
    try:
        return Workflow.model_validate(data)
    except ValidationError as error:
        raise WorkflowError(f"{origin}:\n{_explain(error, data)}") from None


def _explain(error: ValidationError, data: Mapping[str, Any]) -> str:
    lines = []
    for problem in error.errors():
        where = _where(problem["loc"], data)
        lines.append(f"  - {where}: {problem['msg']}" if where else f"  - {problem['msg']}")
    return "\n".join(lines)


def _where(location: tuple[int | str, ...], data: Mapping[str, Any]) -> str:
    """`stages[2].deadline` plus the stage's id, so a person finds it in the file."""
    parts: list[str] = []
    node: Any = data
    for step in location:
        if isinstance(step, int):
            parts[-1] += f"[{step}]"
            node = node[step] if isinstance(node, list) and step < len(node) else None
            if isinstance(node, dict) and "id" in node:
                parts[-1] += f" ({node['id']})"
        else:
            parts.append(str(step))
            node = node.get(step) if isinstance(node, dict) else None
    return ".".join(parts)


def load_workflow(path: Path) -> Workflow:
    return parse_workflow(path.read_text(encoding="utf-8"), origin=str(path))


@cache
def shipped_workflows() -> tuple[Workflow, ...]:
    """The national default and the regional workflows that ship with dtsen-bot."""
    folder = resources.files("staff") / "workflows"
    return tuple(
        parse_workflow(entry.read_text(encoding="utf-8"), origin=f"staff/workflows/{entry.name}")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".toml")
    )


class Workflows:
    """The workflow of each region, with the national default for every other one."""

    def __init__(self, workflows: Iterable[Workflow]) -> None:
        self._by_region: dict[str | None, Workflow] = {}
        for workflow in workflows:
            if workflow.region in self._by_region:
                other = self._by_region[workflow.region].id
                raise WorkflowError(
                    f"two workflows for region {workflow.region}: {other}, {workflow.id}"
                )
            self._by_region[workflow.region] = workflow
        if None not in self._by_region:
            raise WorkflowError("no national default workflow (one without `region`)")

    @classmethod
    def load(cls, extra_dir: Path | None = None) -> Workflows:
        """The shipped workflows; a region's own file in `extra_dir` replaces the shipped one."""
        chosen = {w.region: w for w in shipped_workflows()}
        if extra_dir is not None:
            for path in sorted(extra_dir.glob("*.toml")):
                own = load_workflow(path)
                chosen[own.region] = own
        return cls(chosen.values())

    def for_village(self, village_code: str) -> Workflow:
        """The workflow of the kabupaten/kota a village ("52.72.01.1001") belongs to."""
        return self._by_region.get(village_code[:5]) or self._by_region[None]

    def all(self) -> list[Workflow]:
        return list(self._by_region.values())
