"""The Minister's monthly penetapan, as Dinas Sosial records it.

Permensos 3/2021 Pasal 12: the results of the proposals, verification and validation go to
the Minister, who decides (menetapkan) the register every month. Inclusion in DTSEN is that
decision, not a local step: a request waits in a "submitted" stage of its region's workflow
(never overdue: no SOP sets a time for the Minister) until Dinas Sosial records the month's
decision for it, from the list Kemensos publishes or request by request:

- `ditetapkan`: moved to the workflow's accepted stage; only now is the citizen told "masuk
  DTSEN" (the loader lets no other action reach an accepted stage);
- `tidak_ditetapkan`: moved to its final "not decided in" stage, with the reason.

The decision is recorded once as a document of kind `penetapan` (its number, date, month and
file) and linked to every request it decided, so each timeline shows it. Each request moves
through `move_request` (area, role, audit, the citizen's notice); a refused one is reported
and the others still move, as in the dashboard's bulk action.

Functions take the caller's session and never commit.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Final

from sqlmodel import Session, col, select

from conversations.tickets import normalise as normalise_ticket
from models.staff import staff_areas
from models.tables import Request, StaffAccount
from staff.documents import PENETAPAN, record_document
from staff.review import AccessRefused, area_condition, move_request
from staff.workflow import DECIDED, NOT_DECIDED, TransitionRefused, Workflows

DECISIONS: Final = (DECIDED, NOT_DECIDED)
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_WORDS: Final = {
    "ditetapkan": DECIDED,
    "ya": DECIDED,
    "masuk": DECIDED,
    "tidak ditetapkan": NOT_DECIDED,
    "tidak_ditetapkan": NOT_DECIDED,
    "tidak": NOT_DECIDED,
    "tidak masuk": NOT_DECIDED,
}


class PenetapanProblem(ValueError):
    """The month, the list or a line cannot be read; the message says which (Indonesian)."""


@dataclass(frozen=True)
class Decision:
    ticket: str  # normalised: "U7KQ4M9"
    decision: str  # ditetapkan | tidak_ditetapkan
    note: str | None = None


@dataclass
class PenetapanReport:
    moved: list[tuple[str, str]] = field(default_factory=list)  # ticket, decision
    refused: list[tuple[str, str]] = field(default_factory=list)  # ticket, reason


def waiting_stage_ids(workflows: Workflows) -> set[str]:
    """Stages from which the penetapan decides, in any region."""
    return {
        t.origin
        for workflow in workflows.all()
        for t in workflow.transitions
        if t.action == DECIDED
    }


def waiting_for_penetapan(
    session: Session, staff: StaffAccount, workflows: Workflows, *, limit: int = 500
) -> list[Request]:
    """Open requests in the staff member's areas waiting for the Minister's decision."""
    assert staff.id is not None
    scope = area_condition(staff_areas(session, staff.id))
    statement = select(Request).where(
        col(Request.closed_at).is_(None),
        col(Request.status).in_(sorted(waiting_stage_ids(workflows))),
    )
    if scope is not None:
        statement = statement.where(scope)
    found = session.exec(statement.order_by(col(Request.updated_at), col(Request.id)).limit(limit))
    # A status named like a waiting stage of another region's workflow is not waiting.
    return [
        r
        for r in found
        if workflows.for_village(r.village_code).transition(r.status, DECIDED) is not None
    ]


def parse_month(text: str) -> str:
    month = text.strip()
    if not _MONTH.fullmatch(month):
        raise PenetapanProblem("Pilih bulan penetapan (tahun dan bulan).")
    return month


def parse_list(text: str) -> list[Decision]:
    """An uploaded list: one request per line, "tiket, keputusan[, alasan]", comma or
    semicolon separated (the CSV Excel writes); a header line is skipped."""
    rows = csv.reader(io.StringIO(text.replace(";", ",")))
    decisions: list[Decision] = []
    for number, row in enumerate(rows, start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        ticket = normalise_ticket(cells[0]) if cells[0] else None
        if ticket is None:
            if number == 1:
                continue  # a header
            raise PenetapanProblem(f"Baris {number}: kode tiket {cells[0]!r} tidak dikenali.")
        word = " ".join(cells[1].lower().split()) if len(cells) > 1 else ""
        decision = _WORDS.get(word)
        if decision is None:
            raise PenetapanProblem(
                f"Baris {number}: keputusan harus 'ditetapkan' atau 'tidak ditetapkan'."
            )
        note = ", ".join(c for c in cells[2:] if c) or None
        decisions.append(Decision(ticket, decision, note))
    if not decisions:
        raise PenetapanProblem("Daftar penetapan kosong.")
    return decisions


def record_penetapan(
    session: Session,
    decisions: Sequence[Decision],
    *,
    month: str,
    number: str,
    issued_on: date,
    file_ref: str | None,
    staff: StaffAccount,
    workflows: Workflows,
    at: datetime,
    month_name: str,
) -> PenetapanReport:
    """Move each listed request to its final stage by the month's decision."""
    month = parse_month(month)
    tickets = [d.ticket for d in decisions]
    found = {
        r.ticket: r for r in session.exec(select(Request).where(col(Request.ticket).in_(tickets)))
    }
    areas = {r.village_code[:5] for r in found.values()}
    document = record_document(
        session,
        kind=PENETAPAN,
        number=number,
        issued_on=issued_on,
        area_code=sorted(areas)[0] if len(areas) == 1 else "*",
        staff=staff,
        at=at,
        file_ref=file_ref,
        period=month,
    )
    report = PenetapanReport()
    for decision in _unique(decisions):
        request = found.get(decision.ticket)
        if request is None:
            report.refused.append((decision.ticket, "not_found"))
            continue
        note = decision.note
        if decision.decision == NOT_DECIDED and not note:
            note = f"Tidak termasuk penetapan Menteri Sosial bulan {month_name}"
        try:
            move_request(
                session,
                request,
                decision.decision,
                staff=staff,
                workflows=workflows,
                note=note,
                documents=[document],
                at=at,
            )
        except (AccessRefused, TransitionRefused) as refused:
            report.refused.append((decision.ticket, refused.reason))
            continue
        report.moved.append((decision.ticket, decision.decision))
    return report


def _unique(decisions: Iterable[Decision]) -> list[Decision]:
    seen: dict[str, Decision] = {}
    for decision in decisions:
        seen.setdefault(decision.ticket, decision)
    return list(seen.values())


def decisions_from_form(choices: Mapping[str, str]) -> list[Decision]:
    """Per-request choices from the dashboard (`ticket -> decision`; empty: not yet)."""
    return [
        Decision(ticket, choice)
        for ticket, choice in choices.items()
        if choice in DECISIONS and normalise_ticket(ticket) == ticket
    ]
