"""Cek status: what happened to a request, by ticket code or for everything filed here.

The chat that filed a request sees its timeline. Anyone else must give the applicant's
NIK, and then sees the status only, never personal data.
"""

from __future__ import annotations

from functools import cache
from typing import Any, assert_never

from pydantic import TypeAdapter

from conversations import parsers, tickets
from conversations.catalogue import catalogue
from conversations.effects import (
    EffectRequest,
    HeldRequest,
    ListMyRequests,
    Lookup,
    LookupStatus,
    MyRequests,
    NeedNik,
    NotFound,
    OwnRequest,
    PublicStatus,
    RateLimited,
    RequestView,
    TicketAmbiguous,
    Verified,
)
from conversations.flow import (
    Answers,
    ChoiceSet,
    Closing,
    Flow,
    FlowContext,
    Parsed,
    Step,
    check,
    ending,
)
from conversations.flows.common import (
    answer_is,
    kind_label,
    local_time,
    status_label,
)
from conversations.render import MAX_MESSAGE
from conversations.tickets import format_ticket
from conversations.validators import Problem

MODE = ChoiceSet("status_mode", ("mine", "ticket"))


@cache
def _views() -> tuple[TypeAdapter[RequestView], TypeAdapter[PublicStatus]]:
    # The found request waits in the answers (stored as JSON) until the flow closes.
    return TypeAdapter(RequestView), TypeAdapter(PublicStatus)


def _lookup(value: Any, answers: Answers) -> EffectRequest[Lookup | MyRequests]:
    if tickets.candidates(str(value)):
        return LookupStatus(str(value))  # whole, or without its letter (any chat's)
    # A look-alike (0 for O): compare with the tickets of this chat.
    return ListMyRequests()


def _lookup_with_nik(value: Any, answers: Answers) -> LookupStatus:
    return LookupStatus(str(answers["ticket"]), nik=str(value))


def _refused(result: NotFound | RateLimited, problem: str) -> Parsed:
    match result:
        case RateLimited(retry_after_minutes=minutes):
            limited = Problem("lookup_rate_limited", {"minutes": minutes})
            return Parsed(errors=(limited,), stop=True)
        case NotFound():
            return Parsed(errors=(Problem(problem),))
        case _:
            assert_never(result)


def _own(request: RequestView) -> Parsed:
    shown = _views()[0].dump_python(request, mode="json")
    return Parsed(request.ticket, extra={"lookup": "own", "request": shown})


def _judge_ticket(result: Lookup | MyRequests, value: Any, answers: Answers) -> Parsed:
    match result:
        case MyRequests(requests=mine):
            return _among_mine(str(value), mine)
        case OwnRequest(request=request):
            return _own(request)
        case NeedNik(ticket=ticket):
            # Not this chat's (another chat's, or nobody's: the same answer): the NIK is
            # checked against the tickets the code can be.
            return Parsed(ticket, extra={"lookup": "need_nik", "request": None})
        case TicketAmbiguous(tickets=found):
            shown = " / ".join(format_ticket(t) for t in found)
            code = str(value)[-tickets.BODY_LENGTH :]
            return Parsed(errors=(Problem("ticket_which", {"code": code, "tickets": shown}),))
        case Verified():
            # Never the answer to a look-up without a NIK: treated as not found, unshown.
            return Parsed(errors=(Problem("ticket_not_found"),))
        case NotFound() | RateLimited():
            return _refused(result, "ticket_not_found")
        case _:
            assert_never(result)


def _among_mine(code: str, mine: tuple[RequestView, ...]) -> Parsed:
    """A code with a look-alike (0 for O): said, with this chat's closest ticket."""
    problems = [Problem("ticket_lookalike")]
    closest = _closest(code, [r.ticket for r in mine])
    if closest is not None:
        problems.append(Problem("ticket_suggest", {"ticket": format_ticket(closest)}))
    return Parsed(errors=tuple(problems))


def _closest(code: str, tickets: list[str]) -> str | None:
    """This chat's ticket that differs from a typed code in the fewest places (at most 2)."""
    body = code[-6:]

    def distance(ticket: str) -> int:
        letter = 0 if len(code) == 6 or code[0] == ticket[0] else 1
        return letter + sum(a != b for a, b in zip(body, ticket[1:], strict=True))

    ranked = sorted((distance(t), t) for t in tickets)
    if not ranked or ranked[0][0] > 2:
        return None
    if len(ranked) > 1 and ranked[1][0] == ranked[0][0]:
        return None  # two equally close: naming one would be a guess
    return ranked[0][1]


def _judge_nik(result: Lookup, value: Any, answers: Answers) -> Parsed:
    match result:
        case Verified(request=request):
            shown = _views()[1].dump_python(request, mode="json")
            return Parsed(value, extra={"lookup": "verified", "request": shown})
        case OwnRequest() | NeedNik() | TicketAmbiguous():
            # The ticket was this chat's after all, or both kinds of a code typed without
            # its letter were filed for this NIK (one in 887 million): ask for it again.
            return Parsed(errors=(Problem("ticket_not_found"),))
        case NotFound() | RateLimited():
            # Another chat's ticket with a wrong NIK, or no such ticket: one answer.
            return _refused(result, "status_nik_mismatch")
        case _:
            assert_never(result)


def _needs_nik(answers: Answers) -> bool:
    lookup = answers.get("lookup")
    if isinstance(lookup, dict):  # a chat waiting for the NIK since before typed effects
        lookup = lookup.get("outcome")
    return answers.get("mode") == "ticket" and lookup == "need_nik"


NODES = (
    Step("mode", "choice", choices=MODE),
    Step(
        "ticket",
        "text",
        parse=parsers.ticket,
        when=answer_is("mode", "ticket"),
        verify=check(_lookup, _judge_ticket),
        invalidates=("applicant_nik",),
    ),
    Step(
        "applicant_nik",
        "text",
        parse=parsers.nik(),
        when=_needs_nik,
        verify=check(_lookup_with_nik, _judge_nik),
    ),
)


def finish(answers: Answers, ctx: FlowContext) -> ListMyRequests | None:
    return ListMyRequests() if answers.get("mode") == "mine" else None


def close(answers: Answers, result: MyRequests | None, ctx: FlowContext) -> Closing:
    cat = catalogue(ctx.language)
    if result is None:
        own, public = _views()
        if answers["lookup"] == "own":
            return Closing(with_explanation(own.validate_python(answers["request"]), ctx))
        return Closing((status_only(public.validate_python(answers["request"]), ctx),))
    requests = result.requests
    if not requests:
        return Closing((cat.text("status.none_here"),))
    if len(requests) == 1:
        return Closing(with_explanation(requests[0], ctx))
    lines = [cat.text("status.list_header", count=len(requests))]
    for number, request in enumerate(requests, start=1):
        lines.append(
            cat.text(
                "status.list_line",
                n=number,
                ticket=format_ticket(request.ticket),
                kind=kind_label(request.kind, ctx.language),
                status=current_status(request, ctx),
                date=local_time(request.created_at, ctx),
            )
            + "".join(f" · {line}" for line in _proposed_line(request, ctx))
        )
    lines += ["", cat.text("status.list_footer")]
    return Closing(("\n".join(lines),))


def with_explanation(request: RequestView, ctx: FlowContext) -> tuple[str, ...]:
    """The timeline, then (its own message) what the current stage means in the region:
    who works on it, by when, what comes next, whom to ask."""
    words = {} if request.withdrawn else request.explain or {}
    explain = words.get(ctx.language) or words.get("id")
    return (timeline(request, ctx), explain) if explain else (timeline(request, ctx),)


def current_status(request: RequestView | PublicStatus | HeldRequest, ctx: FlowContext) -> str:
    """Where the request is, as the citizen should read it: a withdrawal stops it."""
    if request.withdrawn:
        return catalogue(ctx.language).text("status.withdrawn")
    return status_label(request.status, ctx.language, request.status_text)


def timeline(request: RequestView, ctx: FlowContext) -> str:
    cat = catalogue(ctx.language)
    lines = [
        cat.text(
            "status.header",
            ticket=format_ticket(request.ticket),
            kind=kind_label(request.kind, ctx.language),
        ),
        *_proposed_line(request, ctx),
        cat.text("status.village", village=request.village or "-"),
        cat.text("status.current", status=current_status(request, ctx)),
        "",
        cat.text("status.history"),
    ]
    changes = []
    for change in request.history:
        words = status_label(change.status, ctx.language, change.status_text)
        line = f"• {local_time(change.at, ctx)} — {words}"
        if change.note:
            line += f" ({change.note})"
        changes.append(line)
    # The newest changes that fit in one message; older ones are counted, not shown.
    room = MAX_MESSAGE - len("\n".join(lines)) - 60
    shown: list[str] = []
    for line in reversed(changes):
        if len(line) + 1 > room:
            break
        shown.insert(0, line)
        room -= len(line) + 1
    if len(shown) < len(changes):
        lines.append(cat.text("status.earlier", count=len(changes) - len(shown)))
    return "\n".join([*lines, *shown])


def _proposed_line(request: RequestView, ctx: FlowContext) -> tuple[str, ...]:
    """For the household an RT head proposed, reading it from its own number: by whom."""
    if request.proposed_by is None:
        return ()
    cat = catalogue(ctx.language)
    capacity = f"proposer.capacity.{request.proposed_by}"
    by = cat.text(capacity) if cat.has(capacity) else request.proposed_by
    return (cat.text("status.proposed_for_you", capacity=by),)


def status_only(request: PublicStatus, ctx: FlowContext) -> str:
    cat = catalogue(ctx.language)
    return cat.text(
        "status.public",
        ticket=format_ticket(request.ticket),
        kind=kind_label(request.kind, ctx.language),
        status=current_status(request, ctx),
        updated=local_time(request.updated_at, ctx),
    )


FLOW = Flow("status", NODES, finish=ending(finish, close), confirm=False)
