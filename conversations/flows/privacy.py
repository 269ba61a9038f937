"""Privacy: what is kept for this chat, what is kept and why, withdrawing consent, and
having the data deleted (UU 27/2022). "data saya" and "hapus data saya" also work as words
anywhere (engine); both say it with `conversations.rights`."""

from __future__ import annotations

from typing import assert_never

from conversations import rights
from conversations.catalogue import catalogue
from conversations.effects import (
    ConsentWithdrawn,
    EffectRequest,
    Erasure,
    ErasureRequested,
    HeldData,
    NothingToErase,
    RequestErasure,
    ShowMyData,
    WithdrawConsent,
)
from conversations.flow import Answers, ChoiceSet, Closing, Flow, FlowContext, Step, ending
from conversations.flows.common import answer_is

ACTION = ChoiceSet("privacy", ("mine", "info", "withdraw", "erase"))
CONFIRM = ChoiceSet("withdraw", ("yes", "no"))
# The same question and choices as the word "hapus data saya" typed anywhere.
CONFIRM_ERASE = ChoiceSet("erase_yes_no", ("yes", "no"))

NODES = (
    Step("action", "choice", choices=ACTION),
    Step("confirm_withdraw", "yes_no", choices=CONFIRM, when=answer_is("action", "withdraw")),
    Step(
        "confirm_erase",
        "yes_no",
        prompt="erase.confirm",
        choices=CONFIRM_ERASE,
        when=answer_is("action", "erase"),
    ),
)

Result = ConsentWithdrawn | HeldData | Erasure


def finish(answers: Answers, ctx: FlowContext) -> EffectRequest[Result] | None:
    if answers.get("action") == "mine":
        return ShowMyData()
    if answers.get("confirm_withdraw") == "yes":
        return WithdrawConsent()
    if answers.get("confirm_erase") == "yes":
        return RequestErasure()
    return None


def close(answers: Answers, result: Result | None, ctx: FlowContext) -> Closing:
    cat = catalogue(ctx.language)
    if answers.get("action") == "info":
        return Closing((cat.text("privacy.info"),))
    match result:
        case None if answers.get("action") == "erase":
            return Closing((cat.text("erase.kept"),))
        case None:
            return Closing((cat.text("privacy.kept"),))
        case HeldData():
            return Closing(rights.held_texts(result, ctx))
        case ConsentWithdrawn(count=0):  # withdrawn before, or nothing filed from this chat
            return Closing((cat.text("privacy.nothing_to_withdraw"),))
        case ConsentWithdrawn(count=count):
            return Closing((cat.text("privacy.withdrawn", count=count),))
        case ErasureRequested() | NothingToErase():
            return Closing(rights.erasure_texts(result, ctx))
        case _:
            assert_never(result)


FLOW = Flow("privasi", NODES, finish=ending(finish, close), confirm=False)
