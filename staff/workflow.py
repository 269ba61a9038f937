"""Regional workflows: the stages a request passes, who may move it, and each stage's time.

Every region shares a shape: received -> village deliberation -> one or more verification
levels -> submitted to SIKS-NG -> accepted or rejected, with "returned for re-verification"
looping back to the village. The stages, their order, who acts and the time standards
differ per kabupaten/kota, so they are configuration: one TOML file per region, checked
when it is loaded (see docs/workflows.md).
"""

from __future__ import annotations

import tomllib
from collections import deque
from collections.abc import Iterable, Mapping
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from staff.working_days import add_working_days, working_days_between

Role = Literal[
    "village_operator", "village_head", "kecamatan", "dinsos_verifier", "dinsos_head", "admin"
]
ROLES: tuple[Role, ...] = (
    "village_operator",
    "village_head",
    "kecamatan",
    "dinsos_verifier",
    "dinsos_head",
    "admin",
)
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


class Label(_Strict):
    id: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, language: str) -> str:
        return self.en if language == "en" else self.id


class Stage(_Strict):
    id: Identifier
    kind: StageKind
    level: Literal["village", "kecamatan", "kabupaten", "national"]
    label: Label
    # What the citizen is told while the request is here: plain words, what comes next.
    citizen: Label
    sla_days: int | None = Field(default=None, ge=1, le=120)

    @property
    def terminal(self) -> bool:
        return self.kind in TERMINAL


class Transition(_Strict):
    source: Identifier = Field(alias="from")
    target: Identifier = Field(alias="to")
    action: Identifier
    label: Label
    roles: tuple[Role, ...] = Field(min_length=1)
    note_required: bool = False


class Workflow(_Strict):
    id: Identifier
    name: str = Field(min_length=1)
    # The kabupaten/kota code ("52.72") it applies to; None for the national default.
    region: Annotated[str, Field(pattern=r"^\d{2}\.\d{2}$")] | None = None
    source: str = Field(min_length=1)
    holidays: tuple[date, ...] = ()
    stages: tuple[Stage, ...] = Field(min_length=2)
    transitions: tuple[Transition, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_shape(self) -> Workflow:
        problems = list(_shape_problems(self))
        if problems:
            raise ValueError("; ".join(problems))
        return self

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
            if t.source == stage_id and (role is None or role in t.roles or role == "admin")
        ]

    def move(self, stage_id: str, action: str, role: Role, *, note: str | None = None) -> Stage:
        """The stage a request goes to; refused with a reason when it may not."""
        stage = self.stage(stage_id)
        if stage.terminal:
            raise TransitionRefused(
                "terminal_stage", f"'{stage.label.id}' is final: nothing more can be done"
            )
        matching = [t for t in self.transitions if t.source == stage_id and t.action == action]
        if not matching:
            possible = ", ".join(t.action for t in self.actions(stage_id)) or "-"
            raise TransitionRefused(
                "unknown_action",
                f"'{action}' is not possible from '{stage.label.id}' (possible: {possible})",
            )
        transition = matching[0]
        if role not in transition.roles and role != "admin":
            raise TransitionRefused(
                "role_not_allowed",
                f"'{transition.label.id}' is for {', '.join(transition.roles)}, not {role}",
            )
        if transition.note_required and not (note and note.strip()):
            raise TransitionRefused(
                "note_required", f"'{transition.label.id}' needs a note saying why"
            )
        return self.stage(transition.target)

    # -- time -------------------------------------------------------------------------------

    def due(self, stage_id: str, entered: date) -> date | None:
        """The last working day the request may stay in this stage."""
        sla = self.stage(stage_id).sla_days
        return None if sla is None else add_working_days(entered, sla, self.holidays)

    def overdue_days(self, stage_id: str, entered: date, today: date) -> int:
        """Working days past the time standard (0 when on time or without one)."""
        due = self.due(stage_id, entered)
        if due is None or today <= due:
            return 0
        return working_days_between(due, today, self.holidays)


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
        for end in (t.source, t.target)
        if end not in stages
    ]
    if unknown:
        # The checks below walk the transitions; with unknown ends they would only mislead.
        yield from unknown
        return
    seen: set[tuple[str, str]] = set()
    for t in workflow.transitions:
        if (t.source, t.action) in seen:
            yield f"action '{t.action}' appears twice from '{t.source}'"
        seen.add((t.source, t.action))
        if stages[t.source].terminal:
            yield f"'{t.source}' is final ({stages[t.source].kind}) but has action '{t.action}'"
    for stage in workflow.stages:
        if stage.terminal:
            continue
        if stage.sla_days is None:
            yield f"stage '{stage.id}' needs sla_days (working days)"
        if not any(t.source == stage.id for t in workflow.transitions):
            yield f"stage '{stage.id}' is a dead end: no action leads out of it"
    if received and received[0].id in stages:
        reachable = _reachable(workflow, INITIAL_STAGE)
        for stage in workflow.stages:
            if stage.id not in reachable:
                yield f"stage '{stage.id}' cannot be reached from '{INITIAL_STAGE}'"
        if not _passes_in_order(workflow, stages):
            yield ("no path received -> deliberation -> verification -> submitted -> accepted")
    if not any(
        stages[t.source].kind in ("verification", "submitted")
        and stages[t.target].kind in ("deliberation", "received")
        for t in workflow.transitions
    ):
        yield "no action returns a request from verification or SIKS-NG to the village"


def _reachable(workflow: Workflow, start: str) -> set[str]:
    seen, queue = {start}, deque([start])
    while queue:
        here = queue.popleft()
        for t in workflow.transitions:
            if t.source == here and t.target not in seen:
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
    """`stages[2].sla_days` plus the stage's id, so a person finds it in the file."""
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
