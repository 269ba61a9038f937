"""Cek status: what happened to a request, by ticket code or for everything filed here.

The chat that filed a request sees its timeline. Anyone else must give the applicant's
NIK, and then sees the status only, never personal data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conversations import effects, parsers
from conversations.catalogue import catalogue
from conversations.flow import (
    Answers,
    ChoiceSet,
    Closing,
    Flow,
    FlowContext,
    Parsed,
    Step,
    VerifyResult,
)
from conversations.flows.common import (
    answer_is,
    format_ticket,
    kind_label,
    local_time,
    status_label,
)
from conversations.render import MAX_MESSAGE
from conversations.types import Effect, EffectResult
from conversations.validators import Problem

MODE = ChoiceSet("status_mode", ("mine", "ticket"))


# Never in a ticket (look-alikes of other characters), so typing one is a typo.
LOOKALIKES = "01IOL"


def _complete(code: str) -> bool:
    return len(code) == 7 and not any(c in LOOKALIKES for c in code[1:])


def _lookup(value: Any, answers: Answers) -> Effect:
    if _complete(str(value)):
        return Effect(effects.LOOKUP_STATUS, {"ticket": value})
    # A look-alike or no U-/S- letter: compare with the tickets of this chat.
    return Effect(effects.LIST_MY_REQUESTS)


def _judge_ticket(result: EffectResult, value: Any, answers: Answers) -> Parsed:
    if result.kind == effects.LOOKUP_STATUS:
        return _judge("own", "need_nik")(result, value, answers)
    code = str(value)
    mine = [r for r in result.data.get("requests", []) if r.get("ticket")]
    if any(c in LOOKALIKES for c in code[-6:]):
        problems = [Problem("ticket_lookalike")]
        closest = _closest(code, [str(r["ticket"]) for r in mine])
        if closest is not None:
            problems.append(Problem("ticket_suggest", {"ticket": format_ticket(closest)}))
        return Parsed(errors=tuple(problems))
    same = [r for r in mine if str(r["ticket"])[1:] == code[-6:]]
    if len(same) == 1:
        request = same[0]
        lookup = {"outcome": "own", "request": request, "history": request.get("history", [])}
        return Parsed(request["ticket"], extra={"lookup": lookup})
    return Parsed(errors=(Problem("ticket_letter", {"code": code[-6:]}),))


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


def _lookup_with_nik(value: Any, answers: Answers) -> Effect:
    return Effect(effects.LOOKUP_STATUS, {"ticket": answers["ticket"], "nik": value})


def _judge(*accepted: str) -> VerifyResult:
    def judge(result: EffectResult, value: Any, answers: Answers) -> Parsed:
        outcome = result.data.get("outcome")
        if outcome in accepted:
            return Parsed(value, extra={"lookup": dict(result.data)})
        if outcome == "rate_limited":
            minutes = result.data.get("retry_after_minutes", 60)
            problem = Problem("lookup_rate_limited", {"minutes": minutes})
            return Parsed(errors=(problem,), stop=True)
        if outcome == "nik_mismatch":
            return Parsed(errors=(Problem("status_nik_mismatch"),))
        return Parsed(errors=(Problem("ticket_not_found"),))

    return judge


def _needs_nik(answers: Answers) -> bool:
    lookup = answers.get("lookup") or {}
    return answers.get("mode") == "ticket" and lookup.get("outcome") == "need_nik"


NODES = (
    Step("mode", "choice", choices=MODE),
    Step(
        "ticket",
        "text",
        parse=parsers.ticket,
        when=answer_is("mode", "ticket"),
        verify=_lookup,
        on_verified=_judge_ticket,
        invalidates=("applicant_nik",),
    ),
    Step(
        "applicant_nik",
        "text",
        parse=parsers.nik(),
        when=_needs_nik,
        verify=_lookup_with_nik,
        on_verified=_judge("verified"),
    ),
)


def finish(answers: Answers, ctx: FlowContext) -> Effect | None:
    return Effect(effects.LIST_MY_REQUESTS) if answers.get("mode") == "mine" else None


def close(answers: Answers, result: EffectResult | None, ctx: FlowContext) -> Closing:
    cat = catalogue(ctx.language)
    if result is None:
        lookup = answers["lookup"]
        request = lookup["request"]
        if lookup["outcome"] == "own":
            return Closing((timeline(request, lookup.get("history", []), ctx),))
        return Closing((status_only(request, ctx),))
    requests = list(result.data.get("requests", []))
    if not requests:
        return Closing((cat.text("status.none_here"),))
    if len(requests) == 1:
        return Closing((timeline(requests[0], requests[0].get("history", []), ctx),))
    lines = [cat.text("status.list_header", count=len(requests))]
    for number, request in enumerate(requests, start=1):
        lines.append(
            cat.text(
                "status.list_line",
                n=number,
                ticket=format_ticket(request["ticket"]),
                kind=kind_label(request["kind"], ctx.language),
                status=status_label(request["status"], ctx.language, request.get("status_text")),
                date=local_time(request["created_at"], ctx),
            )
        )
    lines += ["", cat.text("status.list_footer")]
    return Closing(("\n".join(lines),))


def timeline(request: Mapping[str, Any], history: list[Mapping[str, Any]], ctx: FlowContext) -> str:
    cat = catalogue(ctx.language)
    lines = [
        cat.text(
            "status.header",
            ticket=format_ticket(request["ticket"]),
            kind=kind_label(request["kind"], ctx.language),
        ),
        cat.text("status.village", village=request.get("village") or "-"),
        cat.text(
            "status.current",
            status=status_label(request["status"], ctx.language, request.get("status_text")),
        ),
        "",
        cat.text("status.history"),
    ]
    changes = []
    for change in history:
        words = status_label(change["status"], ctx.language, change.get("status_text"))
        line = f"• {local_time(change['at'], ctx)} — {words}"
        if change.get("note"):
            line += f" ({change['note']})"
        changes.append(line)
    explain = f"status.explain.{request['status']}"
    tail = ["", cat.text(explain)] if cat.has(explain) else []
    # The newest changes that fit in one message; older ones are counted, not shown.
    room = MAX_MESSAGE - len("\n".join([*lines, *tail])) - 60
    shown: list[str] = []
    for line in reversed(changes):
        if len(line) + 1 > room:
            break
        shown.insert(0, line)
        room -= len(line) + 1
    if len(shown) < len(changes):
        lines.append(cat.text("status.earlier", count=len(changes) - len(shown)))
    return "\n".join([*lines, *shown, *tail])


def status_only(request: Mapping[str, Any], ctx: FlowContext) -> str:
    cat = catalogue(ctx.language)
    return cat.text(
        "status.public",
        ticket=format_ticket(request["ticket"]),
        kind=kind_label(request["kind"], ctx.language),
        status=status_label(request["status"], ctx.language, request.get("status_text")),
        updated=local_time(request["updated_at"], ctx),
    )


FLOW = Flow("status", NODES, finish=finish, close=close, confirm=False)
