"""The citizen's rights in the chat (UU 27/2022) as the citizen reads them: what is held
("data saya": the unfinished form, the filed requests with their consent) and what a
"hapus data saya" did. Shared by the privacy flow and the words that work anywhere
(engine), so both say the same."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from conversations.catalogue import catalogue
from conversations.effects import (
    Erasure,
    ErasureRequested,
    HeldData,
    HeldRequest,
    NothingToErase,
)
from conversations.flow import Flow, FlowContext, positions
from conversations.flows.common import kind_label, local_time
from conversations.flows.status import current_status
from conversations.render import MAX_MESSAGE
from conversations.tickets import format_ticket
from conversations.validators import mask_nik

# NIKs of a draft shown at most (a household of eight would not fit one message).
_SHOWN_NIKS: Final = 3


def draft_text(flow: Flow, answers: Mapping[str, Any], ctx: FlowContext) -> str | None:
    """The unfinished form in this conversation, NIK and KK masked; None when there is
    none (no form, or nothing answered yet)."""
    if not flow.confirm:
        return None  # a look-up, not a form: nothing of the citizen's is in it
    answered = [p for p in positions(flow, answers) if answers.get(p.key) is not None]
    if not answered:
        return None
    cat = catalogue(ctx.language)
    lines = [cat.text("mydata.draft_answers", count=len(answered))]
    niks = [
        mask_nik(str(answers[p.key]))
        for p in answered
        if p.step.key.endswith("nik") and isinstance(answers[p.key], str)
    ]
    if niks:
        shown = ", ".join(niks[:_SHOWN_NIKS])
        more = len(niks) - _SHOWN_NIKS
        lines.append(cat.text("mydata.draft_nik", niks=shown + (f" (+{more})" if more > 0 else "")))
    if isinstance(answers.get("kk"), str):
        lines.append(cat.text("mydata.draft_kk", kk=mask_nik(answers["kk"])))
    photos = sum(1 for p in answered if p.step.kind == "photo")
    if photos:
        lines.append(cat.text("mydata.draft_photos", count=photos))
    flow_name = cat.text(f"flow_name.{flow.name}")
    return cat.text("mydata.draft", flow=flow_name, lines="\n".join(lines))


def held_texts(result: HeldData, ctx: FlowContext) -> tuple[str, ...]:
    """What "data saya" shows of the filed requests: an intro, then one short message each."""
    cat = catalogue(ctx.language)
    if not result.requests:
        return (cat.text("privacy.held_nothing"),)
    intro = cat.text("privacy.held_intro", count=len(result.requests))
    return (intro, *(_held(request, ctx) for request in result.requests))


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
    if request.erasure_due is not None:
        lines.append(cat.text("privacy.held_erasure", due=local_time(request.erasure_due, ctx)))
    return "\n".join(lines)


def erasure_texts(result: Erasure, ctx: FlowContext) -> tuple[str, ...]:
    """What a confirmed "hapus data saya" did and what happens to each filed request."""
    cat = catalogue(ctx.language)
    match result:
        case NothingToErase(photos=photos):
            gone = _unfiled(photos, ctx)
            return (gone + "\n" + cat.text("erase.nothing_filed"),)
        case ErasureRequested(requests=requests, photos=photos):
            head = _unfiled(photos, ctx) + "\n" + cat.text("erase.asked", count=len(requests))
            lines = []
            for asked in requests:
                params = {
                    "ticket": format_ticket(asked.ticket),
                    "kind": kind_label(asked.kind, ctx.language),
                    "due": local_time(asked.due_at, ctx),
                    "asked": local_time(asked.asked_at, ctx),
                }
                key = "erase.line_before" if asked.asked_before else "erase.line"
                lines.append(cat.text(key, **params))
            return (*_packed([head, *lines]), cat.text("erase.outside"))


def _unfiled(photos: int, ctx: FlowContext) -> str:
    cat = catalogue(ctx.language)
    if photos:
        return cat.text("erase.unfiled_photos", count=photos)
    return cat.text("erase.unfiled")


def _packed(lines: Iterable[str]) -> list[str]:
    """Lines joined into as few messages as fit MAX_MESSAGE each (many requests: several)."""
    messages: list[str] = []
    for line in lines:
        if messages and len(messages[-1]) + 1 + len(line) <= MAX_MESSAGE:
            messages[-1] += "\n" + line
        else:
            messages.append(line)
    return messages
