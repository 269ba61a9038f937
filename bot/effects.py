"""Carrying out what the engine asks for, inside the message's transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from conversations import effects
from conversations.types import Effect, EffectResult
from conversations.validators import RegionIndex
from models.consent import withdraw_consents
from models.lookups import failed_lookups_since, record_lookup_attempt
from models.requests import (
    NewMember,
    NewRequest,
    NikHasOpenUsulan,
    create_request,
    find_members_in_open_usulan,
    find_open_usulan_by_nik,
    get_request_by_ticket,
    list_requests_for_chat,
    status_history,
)
from models.tables import Request
from staff.workflow import TransitionRefused, Workflows


@dataclass(frozen=True)
class EffectContext:
    session: Session
    channel: str
    chat_id: str
    now: datetime


class EffectRunner:
    def __init__(
        self, regions: RegionIndex, workflows: Workflows, *, lookup_failures_per_hour: int
    ) -> None:
        self._regions = regions
        self._workflows = workflows
        self._failures_per_hour = lookup_failures_per_hour
        self._handlers: dict[str, Callable[[Mapping[str, Any], EffectContext], dict[str, Any]]] = {
            effects.FIND_OPEN_USULAN: self._find_open_usulan,
            effects.SUBMIT_REQUEST: self._submit,
            effects.LIST_MY_REQUESTS: self._list_mine,
            effects.LOOKUP_STATUS: self._lookup,
            effects.WITHDRAW_CONSENT: self._withdraw,
        }

    def run(self, effect: Effect, ctx: EffectContext) -> EffectResult:
        return EffectResult(effect.kind, self._handlers[effect.kind](effect.payload, ctx))

    def _find_open_usulan(self, payload: Mapping[str, Any], ctx: EffectContext) -> dict[str, Any]:
        found = find_open_usulan_by_nik(ctx.session, str(payload["nik"]))
        if found is None:
            return {"ticket": None, "status": None, "own": False}
        own = (found.channel, found.chat_id) == (ctx.channel, ctx.chat_id)
        return {"ticket": found.ticket, "status": found.status, "own": own}

    def _submit(self, payload: Mapping[str, Any], ctx: EffectContext) -> dict[str, Any]:
        session, flags = ctx.session, list(payload["flags"])
        if payload["kind"] == "usulan":
            # Another chat may have filed this NIK since the NIK question was answered.
            if find_open_usulan_by_nik(session, str(payload["nik"])) is not None:
                # Never its ticket: it may be another family's request.
                return {"error": "nik_has_open_usulan"}
            niks = [payload["nik"], *(m["nik"] for m in payload["members"] if m["nik"])]
            if find_members_in_open_usulan(session, niks):
                flags.append("member_in_other_request")
        new = NewRequest(
            kind=payload["kind"],
            subtype=payload["subtype"],
            channel=ctx.channel,
            chat_id=ctx.chat_id,
            village_code=payload["village_code"],
            nik=payload["nik"],
            kk=payload["kk"],
            name=payload["name"],
            subject_nik=payload["subject_nik"],
            subject_name=payload["subject_name"],
            answers=dict(payload["answers"]),
            flags=sorted(set(flags)),
            language=payload["language"],
            members=[
                NewMember(nik=m["nik"], name=m["name"], relationship=m["relationship"])
                for m in payload["members"]
            ],
            attachments=[(a["ref"], a["purpose"]) for a in payload["attachments"]],
            consent_version=payload["consent_version"],
            consent_given_at=datetime.fromisoformat(payload["consent_given_at"]),
        )
        try:
            request = create_request(session, new, now=ctx.now)
        except NikHasOpenUsulan:
            # Filed by another chat a moment ago: the database's index decided the race.
            return {"error": "nik_has_open_usulan"}
        return {"ticket": request.ticket, "status": request.status, "flags": request.flags}

    def _list_mine(self, payload: Mapping[str, Any], ctx: EffectContext) -> dict[str, Any]:
        found = list_requests_for_chat(ctx.session, ctx.channel, ctx.chat_id)
        return {"requests": [self._describe(r, ctx.session, with_history=True) for r in found]}

    def _lookup(self, payload: Mapping[str, Any], ctx: EffectContext) -> dict[str, Any]:
        session, chat_key = ctx.session, f"{ctx.channel}:{ctx.chat_id}"
        failures = failed_lookups_since(session, chat_key, ctx.now - timedelta(hours=1))
        if failures >= self._failures_per_hour:
            return {"outcome": "rate_limited", "retry_after_minutes": 60}
        request = get_request_by_ticket(session, str(payload["ticket"]))
        if request is None:
            record_lookup_attempt(session, chat_key, succeeded=False, at=ctx.now)
            return {"outcome": "not_found"}
        if request.channel == ctx.channel and request.chat_id == ctx.chat_id:
            record_lookup_attempt(session, chat_key, succeeded=True, at=ctx.now)
            return {
                "outcome": "own",
                "request": self._describe(request, session, with_history=False),
                "history": self._history(request, session),
            }
        nik = payload.get("nik")
        if nik is None:
            return {"outcome": "need_nik"}
        if nik != request.nik:
            record_lookup_attempt(session, chat_key, succeeded=False, at=ctx.now)
            return {"outcome": "nik_mismatch"}
        record_lookup_attempt(session, chat_key, succeeded=True, at=ctx.now)
        # Status only: no names, no village, nothing personal for a reader who is not the filer.
        return {
            "outcome": "verified",
            "request": {
                "ticket": request.ticket,
                "kind": request.kind,
                "status": request.status,
                "status_text": self._status_text(request.village_code, request.status),
                "updated_at": request.updated_at.isoformat(),
            },
        }

    def _withdraw(self, payload: Mapping[str, Any], ctx: EffectContext) -> dict[str, Any]:
        session = ctx.session
        count = withdraw_consents(session, ctx.channel, ctx.chat_id, at=ctx.now)
        # Staff must stop processing (UU 27/2022: within 3x24 hours): the flag tells them.
        for request in list_requests_for_chat(session, ctx.channel, ctx.chat_id):
            if request.closed_at is None and "consent_withdrawn" not in request.flags:
                request.flags = [*request.flags, "consent_withdrawn"]
                request.updated_at = ctx.now
                session.add(request)
        return {"withdrawn": count}

    def _describe(
        self, request: Request, session: Session, *, with_history: bool
    ) -> dict[str, Any]:
        village = self._regions.village(request.village_code)
        described: dict[str, Any] = {
            "ticket": request.ticket,
            "kind": request.kind,
            "status": request.status,
            "status_text": self._status_text(request.village_code, request.status),
            "created_at": request.created_at.isoformat(),
            "updated_at": request.updated_at.isoformat(),
            "village": village.label() if village else request.village_code,
        }
        if with_history:
            described["history"] = self._history(request, session)
        return described

    def _history(self, request: Request, session: Session) -> list[dict[str, Any]]:
        assert request.id is not None
        return [
            {
                "at": change.at.isoformat(),
                "status": change.to_status,
                "status_text": self._status_text(request.village_code, change.to_status),
                "note": change.note,
            }
            for change in status_history(session, request.id)
        ]

    def _status_text(self, village_code: str, status: str) -> dict[str, str] | None:
        """The region's words for a status, in both languages (the engine picks one)."""
        try:
            citizen = self._workflows.for_village(village_code).stage(status).citizen
        except TransitionRefused:
            return None  # a status from an older workflow version: shown by its code
        return {"id": citizen.id, "en": citizen.en}
