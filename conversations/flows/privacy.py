"""Privacy: what is kept and why, and withdrawing consent (UU 27/2022)."""

from __future__ import annotations

from conversations.catalogue import catalogue
from conversations.effects import ConsentWithdrawn, WithdrawConsent
from conversations.flow import Answers, ChoiceSet, Closing, Flow, FlowContext, Step, ending
from conversations.flows.common import answer_is

ACTION = ChoiceSet("privacy", ("info", "withdraw"))
CONFIRM = ChoiceSet("withdraw", ("yes", "no"))

NODES = (
    Step("action", "choice", choices=ACTION),
    Step("confirm_withdraw", "yes_no", choices=CONFIRM, when=answer_is("action", "withdraw")),
)


def finish(answers: Answers, ctx: FlowContext) -> WithdrawConsent | None:
    if answers.get("confirm_withdraw") == "yes":
        return WithdrawConsent()
    return None


def close(answers: Answers, result: ConsentWithdrawn | None, ctx: FlowContext) -> Closing:
    cat = catalogue(ctx.language)
    if answers.get("action") == "info":
        return Closing((cat.text("privacy.info"),))
    if result is None:
        return Closing((cat.text("privacy.kept"),))
    if result.count == 0:  # withdrawn before, or nothing filed from this chat
        return Closing((cat.text("privacy.nothing_to_withdraw"),))
    return Closing((cat.text("privacy.withdrawn", count=result.count),))


FLOW = Flow("privasi", NODES, finish=ending(finish, close), confirm=False)
