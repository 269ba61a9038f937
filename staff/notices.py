"""What a citizen is told when their request moves: plain words from the catalogue.

A status-change message says what happened (the stage's `citizen` words from the region's
workflow, in the request's language), what comes next, by when the step should be done
(the stage's time standard), and for a rejection the reason (the staff member's note) and
what the citizen can do. It names the request by its ticket (`U-7KQ4M9`), never by a NIK
or a person's name. WhatsApp templates get two blanks: "1" the ticket, "2" the stage words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from conversations.catalogue import Language, catalogue
from conversations.flows.common import long_date
from conversations.languages import as_language
from conversations.tickets import format_ticket
from models.tables import Proposer, Request, household_number
from staff.kind_words import citizen_words, decision_line, next_line
from staff.workflow import Stage, Workflow

STATUS_CHANGED: Final = "status_changed"


@dataclass(frozen=True)
class Notice:
    kind: str
    text: str
    variables: dict[str, str]


def language_of(request: Request) -> Language:
    return as_language(request.language)


def status_notice(
    request: Request,
    *,
    workflow: Workflow,
    source: Stage,
    target: Stage,
    note: str | None,
    entered: date,
    action: str | None = None,
    household: str | None = None,
) -> Notice:
    """The message for a request that moved from `source` to `target` on `entered`.

    With the workflow `action`, a musyawarah decision is told in the kind's words first
    (a sanggahan "diterima" / "ditolak"); a decision that ends the request then needs no
    second sentence about the stage.

    `household`: the proposer's capacity, for the notice to the household proposed on its
    behalf: it says who proposed them and how they can check the status themselves.
    """
    language = language_of(request)
    cat = catalogue(language)
    ticket = format_ticket(request.ticket)
    words = citizen_words(request.kind, target, language)
    lines = [cat.text("notify.header", kind=cat.text(f"kind.{request.kind}"), ticket=ticket)]
    if household is not None:
        capacity = cat.text(f"proposer.capacity.{household}")
        lines.append(cat.text("notify.household.intro", capacity=capacity))
    returned = workflow.returns(source.id, target.id)
    if returned:
        lines.append(cat.text("notify.returned"))
    decided = decision_line(request.kind, workflow, source.id, action, language) if action else None
    if decided is not None:
        lines.append(decided)
    if decided is None or target.kind != "rejected":
        lines.append(_sentence(words))
    if target.kind == "rejected":
        reason = (note or "").strip()
        if reason:
            lines.append(cat.text("notify.reason", reason=reason))
        lines.append(cat.text(f"notify.can_do.{request.kind}"))
    else:
        due = workflow.due(target.id, entered)
        if due is not None:
            lines.append(cat.text("notify.due", date=long_date(due, language)))
        coming = next_line(request.kind, target.kind, language)
        if coming is not None:
            lines.append(coming)
    if household is not None:
        lines.append(cat.text("notify.household.footer", ticket=ticket))
    else:
        lines.append(cat.text("notify.footer"))
    return Notice(STATUS_CHANGED, "\n".join(lines), {"1": ticket, "2": words})


def _sentence(words: str) -> str:
    words = words.strip()
    return words if words.endswith((".", "!", "?")) else words + "."


def household_chat(request: Request, proposer: Proposer | None) -> str | None:
    """The chat id on the phone channel (`models.channels.PHONE_CHANNEL`) of the household
    a proposer filed for, when its phone was given ("6281234567890", as WhatsApp and SMS
    name a chat); None otherwise."""
    return None if proposer is None else household_number(request.answers)
