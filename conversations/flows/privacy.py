"""Privacy: what is kept for this chat, what is kept and why, and withdrawing consent
(UU 27/2022)."""

from __future__ import annotations

from typing import assert_never

from conversations.catalogue import catalogue
from conversations.effects import (
    ConsentWithdrawn,
    EffectRequest,
    HeldData,
    HeldRequest,
    ShowMyData,
    WithdrawConsent,
)
from conversations.flow import Answers, ChoiceSet, Closing, Flow, FlowContext, Step, ending
from conversations.flows.common import answer_is, kind_label, local_time
from conversations.flows.status import current_status
from conversations.tickets import format_ticket

ACTION = ChoiceSet("privacy", ("mine", "info", "withdraw"))
CONFIRM = ChoiceSet("withdraw", ("yes", "no"))

NODES = (
    Step("action", "choice", choices=ACTION),
    Step("confirm_withdraw", "yes_no", choices=CONFIRM, when=answer_is("action", "withdraw")),
)


def finish(answers: Answers, ctx: FlowContext) -> EffectRequest[ConsentWithdrawn | HeldData] | None:
    if answers.get("action") == "mine":
        return ShowMyData()
    if answers.get("confirm_withdraw") == "yes":
        return WithdrawConsent()
    return None


def close(
    answers: Answers, result: ConsentWithdrawn | HeldData | None, ctx: FlowContext
) -> Closing:
    cat = catalogue(ctx.language)
    if answers.get("action") == "info":
        return Closing((cat.text("privacy.info"),))
    match result:
        case None:
            return Closing((cat.text("privacy.kept"),))
        case HeldData(requests=()):
            return Closing((cat.text("privacy.held_nothing"),))
        case HeldData(requests=held):
            intro = cat.text("privacy.held_intro", count=len(held))
            return Closing((intro, *(_held(request, ctx) for request in held)))
        case ConsentWithdrawn(count=0):  # withdrawn before, or nothing filed from this chat
            return Closing((cat.text("privacy.nothing_to_withdraw"),))
        case ConsentWithdrawn(count=count):
            return Closing((cat.text("privacy.withdrawn", count=count),))
        case _:
            assert_never(result)


def _held(request: HeldRequest, ctx: FlowContext) -> str:
    """One filed request, one short message: what it is, the masked numbers, the consent."""
    cat = catalogue(ctx.language)
    lines = [
        cat.text(
            "privacy.held_request",
            ticket=format_ticket(request.ticket),
            kind=kind_label(request.kind, ctx.language),
            status=current_status(request, ctx),
            nik=request.nik,
        )
    ]
    if request.kk:
        lines.append(cat.text("privacy.held_kk", kk=request.kk))
    if request.consent is not None:
        given = local_time(request.consent.given_at, ctx)
        lines.append(cat.text("privacy.held_consent", at=given, version=request.consent.version))
    if request.withdrawn:
        lines.append(cat.text("privacy.held_withdrawn"))
    return "\n".join(lines)


FLOW = Flow("privasi", NODES, finish=ending(finish, close), confirm=False)
