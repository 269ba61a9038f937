"""Moving requests through the regional workflow, with the area check and the audit trail.

`move_request` is the one way a staff member moves a request: it checks that the account is
active and that the request's village lies in the staff member's areas, asks the region's
workflow whether the action is allowed for the role, records the status change, logs the
access and writes the citizen's notification to the outbox, all in the caller's session,
so everything is committed together or not at all.

Refusals are logged too, and must survive the rollback that usually follows the exception:
`log_refusal` writes the access-log row in the caller's session AND remembers it on the
session; if that session's transaction then ends without a commit (an exception in
`with session.begin():`, a rollback, closing without committing), the row is written again
in a transaction of its own right after the rollback (see `_keep_refusals`). A refusal logged
inside a savepoint that is rolled back while the outer transaction commits is lost; nothing
here logs inside savepoints.

`forward_many` moves many requests with one action for the dashboard's bulk forwarding: it
goes item by item and reports, rather than all or nothing. A refused item (wrong area,
wrong stage, moved meanwhile by a colleague) is logged and skipped and the others still
move; a database error still rolls back the whole call. Staff select dozens of "layak"
requests at once, and one that a colleague already moved should not stop the rest.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, cast

from sqlalchemy import Text, and_, event, false, func, or_
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, col, select

from conversations.timezones import NATIONAL
from models.channels import PHONE_CHANNEL
from models.requests import change_status, proposer_of
from models.staff import log_access, staff_areas
from models.tables import AccessLog, Request, StaffAccount, StatusChange, TransitionDocument
from staff.access import EVERYWHERE, covers
from staff.documents import document_label, link, missing_kinds
from staff.notices import household_chat, status_notice
from staff.outbox import enqueue
from staff.workflow import Role, Stage, TransitionRefused, Workflow, Workflows

log = logging.getLogger(__name__)

# Dates a citizen reads (a step's target date) are Indonesian calendar days. The region's
# own zone would be more exact for WITA/WIT; the date differs only for 1-2 hours a night.
LOCAL_ZONE: Final = NATIONAL
_AREA_RE: Final = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
_FLAG_RE: Final = re.compile(r"^[a-z][a-z0-9_]*$")
_PENDING_REFUSALS: Final = "dtsen_pending_refusals"
_LISTENING: Final = "dtsen_refusal_listener"


class AccessRefused(PermissionError):
    """The staff member may not act on this (disabled account, outside their area)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


# -- the audit trail -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Refusal:
    staff_id: int | None
    action: str
    target: str
    at: datetime
    detail: str

    def write(self, session: Session) -> None:
        log_access(
            session,
            staff_id=self.staff_id,
            action=self.action,
            target=self.target,
            allowed=False,
            at=self.at,
            detail=self.detail,
        )


def log_refusal(
    session: Session,
    *,
    staff_id: int | None,
    action: str,
    target: str,
    at: datetime,
    detail: str,
) -> None:
    """Log a refused attempt so that it survives the caller's rollback."""
    entry = _Refusal(staff_id=staff_id, action=action, target=target, at=at, detail=detail)
    entry.write(session)
    pending = session.info.setdefault(_PENDING_REFUSALS, [])
    pending.append(entry)
    if not session.info.get(_LISTENING):
        event.listen(session, "after_commit", _forget_refusals)
        event.listen(session, "after_transaction_end", _keep_refusals)
        session.info[_LISTENING] = True


def _forget_refusals(session: Session) -> None:
    session.info.pop(_PENDING_REFUSALS, None)  # committed with everything else


def _keep_refusals(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return  # a savepoint: the outer transaction decides
    pending: list[_Refusal] = session.info.pop(_PENDING_REFUSALS, None) or []
    if not pending:
        return
    try:
        with Session(session.get_bind()) as own, own.begin():
            for entry in pending:
                entry.write(own)
    except Exception:  # the original error matters more; say what could not be kept
        log.exception("could not keep %d refused access(es) in the access log", len(pending))


# -- checks --------------------------------------------------------------------------------


def check_access(
    session: Session,
    staff: StaffAccount,
    village_code: str,
    *,
    action: str,
    target: str,
    at: datetime,
) -> list[str]:
    """The staff member's areas, after checking they may act on this village."""
    if staff.id is None:
        raise ValueError("the staff account must be stored first")
    if staff.disabled_at is not None:
        log_refusal(
            session, staff_id=staff.id, action=action, target=target, at=at, detail="disabled"
        )
        raise AccessRefused("disabled", f"account {staff.username!r} is disabled")
    areas = staff_areas(session, staff.id)
    if not covers(areas, village_code):
        log_refusal(
            session,
            staff_id=staff.id,
            action=action,
            target=target,
            at=at,
            detail=f"outside area: {village_code} not in {', '.join(areas) or '-'}",
        )
        raise AccessRefused(
            "outside_area",
            f"{staff.username} works on {', '.join(areas) or 'no area'}; "
            f"{target} is in {village_code}",
        )
    return areas


def request_target(request: Request) -> str:
    return f"request:{request.ticket}"


# -- moving ---------------------------------------------------------------------------------


def move_request(
    session: Session,
    request: Request,
    action: str,
    *,
    staff: StaffAccount,
    workflows: Workflows,
    note: str | None = None,
    documents: Sequence[TransitionDocument] = (),
    at: datetime,
) -> StatusChange:
    """Move the request with a workflow action, as this staff member (caller commits).

    `documents` are recorded with the move (`staff.documents`), and must include every
    document the action requires (an SK Wali Kota, the Berita Acara...).

    Raises `AccessRefused` (disabled, outside the area) or `TransitionRefused` (the workflow
    says no: unknown action, wrong role, note missing, document missing, final stage,
    consent withdrawn); both are logged, and the log survives the caller's rollback.
    """
    target = request_target(request)
    audit = f"move:{action}"
    check_access(session, staff, request.village_code, action=audit, target=target, at=at)
    # The latest status, locked on PostgreSQL: two colleagues moving the same request one
    # after the other must not both act on the status they saw before.
    session.refresh(request, with_for_update=True)
    workflow = workflows.for_village(request.village_code)
    note = note.strip() if note and note.strip() else None
    try:
        source = workflow.stage(request.status)
        destination = workflow.move(request.status, action, cast(Role, staff.role), note=note)
        if "consent_withdrawn" in request.flags and not destination.terminal:
            raise TransitionRefused(
                "consent_withdrawn",
                "the citizen withdrew consent: the request may only be closed, not moved on",
            )
        transition = workflow.transition(request.status, action)
        missing = missing_kinds(transition.documents if transition else (), documents)
        if missing:
            names = ", ".join(document_label(workflow, kind).get() for kind in missing)
            raise TransitionRefused("document_required", f"needs {names}: number, date, file")
    except TransitionRefused as refused:
        log_refusal(
            session,
            staff_id=staff.id,
            action=audit,
            target=target,
            at=at,
            detail=f"{refused.reason}: {refused}",
        )
        raise
    change = change_status(
        session,
        request,
        destination.id,
        actor=f"staff:{staff.id}",
        at=at,
        note=note,
        final=destination.terminal,
    )
    if documents:
        assert request.id is not None
        link(session, documents, request_id=request.id, status_change_id=change.id)
    log_access(
        session,
        staff_id=staff.id,
        action=audit,
        target=target,
        allowed=True,
        at=at,
        detail=f"{source.id} -> {destination.id}",
    )
    notice = status_notice(
        request,
        workflow=workflow,
        source=source,
        target=destination,
        note=note,
        entered=at.astimezone(LOCAL_ZONE).date(),
        action=action,
    )
    enqueue(
        session,
        channel=request.channel,
        chat_id=request.reply_to,  # the sealed copy: `chat_id` is the chat's keyed hash
        kind=notice.kind,
        text=notice.text,
        variables=notice.variables,
        request_id=request.id,
        at=at,
    )
    if destination.terminal and "consent_withdrawn" not in request.flags:
        _tell_household(session, request, workflow, source, destination, note, action, at)
    return change


def _tell_household(
    session: Session,
    request: Request,
    workflow: Workflow,
    source: Stage,
    destination: Stage,
    note: str | None,
    action: str,
    at: datetime,
) -> None:
    """The outcome, to the household proposed on its behalf (issue 10), on its own phone
    when the proposer gave it: the proposer's chat is told above. Only the outcome: the
    household did not file, and a stage-by-stage account is the proposer's to follow."""
    assert request.id is not None
    proposer = proposer_of(session, request.id)
    chat_id = household_chat(request, proposer)
    if proposer is None or chat_id is None:
        return
    notice = status_notice(
        request,
        workflow=workflow,
        source=source,
        target=destination,
        note=note,
        entered=at.astimezone(LOCAL_ZONE).date(),
        action=action,
        household=proposer.capacity,
    )
    enqueue(
        session,
        channel=PHONE_CHANNEL,
        chat_id=chat_id,
        kind=notice.kind,
        text=notice.text,
        variables=notice.variables,
        request_id=request.id,
        at=at,
    )


@dataclass
class ForwardReport:
    """What `forward_many` did: moved tickets and refused ones with the reason."""

    moved: list[tuple[str, StatusChange]] = field(default_factory=list)
    refused: list[tuple[str, str, str]] = field(default_factory=list)  # ticket, reason, message

    @property
    def ok(self) -> bool:
        return not self.refused


def forward_many(
    session: Session,
    requests: Iterable[Request],
    action: str,
    *,
    staff: StaffAccount,
    workflows: Workflows,
    note: str | None = None,
    documents: Sequence[TransitionDocument] = (),
    at: datetime,
) -> ForwardReport:
    """Move each request with the same action; refused ones are skipped and reported.

    Every check of `move_request` runs before it writes anything for that request, so a
    refused item leaves nothing behind but its access-log row.
    """
    report = ForwardReport()
    for request in requests:
        try:
            change = move_request(
                session,
                request,
                action,
                staff=staff,
                workflows=workflows,
                note=note,
                documents=documents,
                at=at,
            )
        except (AccessRefused, TransitionRefused) as refused:
            report.refused.append((request.ticket, refused.reason, str(refused)))
            continue
        report.moved.append((request.ticket, change))
    return report


# -- the queue -----------------------------------------------------------------------------


def area_condition(areas: Sequence[str], column: Any = None) -> Any:
    """SQL: the village (`column`, the request's by default) lies in one of these areas.

    None when one of them is everywhere ("*"); never true for no area at all."""
    village = col(Request.village_code) if column is None else column
    if EVERYWHERE in areas:
        return None
    villages, conditions = [], []
    for area in areas:
        if not is_area_code(area):
            raise ValueError(f"not an area code: {area!r}")
        if area.count(".") == 3:
            villages.append(area)
        else:
            conditions.append(village.like(area + ".%"))
    if villages:
        conditions.append(village == villages[0] if len(villages) == 1 else village.in_(villages))
    if not conditions:
        return false()  # no area: nothing
    return or_(*conditions) if len(conditions) > 1 else conditions[0]


def is_area_code(area: str) -> bool:
    """A province, kabupaten/kota, kecamatan or desa code ("32", "32.04", "32.04.05",
    "32.04.05.2004"), or "*" for everywhere."""
    return area == EVERYWHERE or _AREA_RE.fullmatch(area) is not None


def _flag_condition(flag: str) -> Any:
    if not _FLAG_RE.fullmatch(flag):
        raise ValueError(f"not a flag: {flag!r}")
    # Flags are a JSON list of identifiers, stored as written (`["a", "b"]`) on both
    # databases: the quoted name matches exactly one element.
    return sql_cast(col(Request.flags), Text).like(f'%"{flag}"%')


def _padded(number: str) -> str:
    """RT/RW as the chat stores them, zero-padded like on a KTP: "3" -> "003"."""
    digits = number.strip().lstrip("0") or "0"
    if not digits.isdigit() or len(digits) > 3:
        raise ValueError(f"not an RT/RW number: {number!r}")
    return f"{int(digits):03d}"


def address_answer(part: str) -> Any:
    """SQL: the request's dusun, RT or RW as the chat stored it. An usulan keeps the
    household's (`dusun`), a sanggahan the objected person's (`subject_dusun`)."""
    answers: Any = col(Request.answers)
    return func.coalesce(answers[part].as_string(), answers[f"subject_{part}"].as_string())


def actionable_statuses(workflows: Workflows, role: Role, area: str) -> set[str]:
    """Statuses in which this role can act, in the workflow(s) covering the area."""
    if area == EVERYWHERE or area.count(".") < 1:
        candidates = workflows.all()
    else:
        candidates = [workflows.for_village(area)]
    return {
        t.origin
        for workflow in candidates
        for t in workflow.transitions
        if role == "admin" or role in t.roles
    }


@dataclass(frozen=True)
class QueueFilters:
    """What the queue is narrowed to; the defaults narrow nothing but closed requests.

    `dusun` matches without regard to case; `rt`/`rw` match the number ("3" finds "003");
    `flag` must be among the request's flags; `mine` keeps only requests in a stage where
    the staff member's role has an action (the "my work" view: kecamatan staff see what
    waits for the kecamatan); `closed` shows closed requests too.
    """

    kind: str | None = None
    status: str | None = None
    dusun: str | None = None
    rt: str | None = None
    rw: str | None = None
    flag: str | None = None
    mine: bool = False
    closed: bool = False

    def query(self) -> dict[str, str]:
        """The URL query that shows the same queue (only what narrows it)."""
        query: dict[str, str] = {}
        for key, value in vars(self).items():
            if isinstance(value, str) and value:
                query[key] = value
            elif value is True:
                query[key] = "1"
        return query


def queue_for(
    session: Session,
    staff: StaffAccount,
    filters: QueueFilters = QueueFilters(),
    *,
    workflows: Workflows | None = None,
    limit: int | None = None,
    offset: int = 0,
    at: datetime | None = None,
) -> list[Request]:
    """Requests in the staff member's areas, newest first, narrowed by `filters`.

    Village staff see their villages, kecamatan staff their kecamatan, Dinas Sosial their
    kabupaten/kota, administrators everything. `filters.mine` needs the `workflows`.
    A disabled account is refused (and logged, when `at` is given).
    """
    if staff.id is None:
        raise ValueError("the staff account must be stored first")
    if filters.mine and workflows is None:
        raise ValueError("'mine' needs the workflows")
    if staff.disabled_at is not None:
        if at is not None:
            log_refusal(
                session, staff_id=staff.id, action="queue", target="queue", at=at, detail="disabled"
            )
        raise AccessRefused("disabled", f"account {staff.username!r} is disabled")
    actionable = workflows if filters.mine else None
    areas = staff_areas(session, staff.id)
    statement = select(Request)
    if actionable is not None:
        role = cast(Role, staff.role)
        scoped = []
        for area in areas:
            statuses = sorted(actionable_statuses(actionable, role, area))
            condition = area_condition([area])
            in_stage = col(Request.status).in_(statuses)
            scoped.append(in_stage if condition is None else and_(condition, in_stage))
        statement = statement.where(or_(*scoped) if scoped else false())
    else:
        scope = area_condition(areas)
        if scope is not None:
            statement = statement.where(scope)
    if filters.kind is not None:
        statement = statement.where(col(Request.kind) == filters.kind)
    if filters.status is not None:
        statement = statement.where(col(Request.status) == filters.status)
    if not filters.closed:
        statement = statement.where(col(Request.closed_at).is_(None))
    if filters.flag is not None:
        statement = statement.where(_flag_condition(filters.flag))
    dusun = filters.dusun
    if dusun is not None and dusun.strip():
        statement = statement.where(
            func.lower(func.trim(address_answer("dusun"))) == dusun.strip().lower()
        )
    for key, value in (("rt", filters.rt), ("rw", filters.rw)):
        if value is not None:
            statement = statement.where(address_answer(key) == _padded(value))
    statement = statement.order_by(col(Request.created_at).desc(), col(Request.id).desc())
    if limit is not None:
        statement = statement.limit(limit)
    if offset:
        statement = statement.offset(offset)
    return list(session.exec(statement))


def refused_attempts_for(session: Session, target: str) -> list[AccessLog]:
    """Refused attempts on one target (`request:U7KQ4M9`), oldest first."""
    return list(
        session.exec(
            select(AccessLog)
            .where(AccessLog.target == target, col(AccessLog.allowed).is_(False))
            .order_by(col(AccessLog.at), col(AccessLog.id))
        )
    )
