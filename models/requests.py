"""Requests (usulan and sanggahan): filing one, and the queries the chat needs.

Functions take the caller's Session and never commit: the caller owns the transaction, so a
request, its conversation state and its notifications are stored together or not at all.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from conversations import tickets
from conversations.kinds import UnknownKind, request_kind
from models.attachments import link_attachments
from models.consent import withdraw_consents
from models.tables import (
    ATTACHMENT_PURPOSES,
    INITIAL_STATUS,
    ConsentRecord,
    HouseholdMember,
    Proposer,
    Request,
    StatusChange,
)

__all__ = [
    "NewMember",
    "NewProposer",
    "NewRequest",
    "TicketSpaceExhausted",
    "create_request",
    "find_members_in_open_usulan",
    "find_open_usulan_by_nik",
    "get_request_by_ticket",
    "list_requests_for_chat",
    "list_requests_for_household",
    "members_of",
    "proposer_of",
    "status_history",
    "withdraw_consents",  # lives in models.consent; re-exported for the effect handlers
]

# With ~887 million tickets per kind a second collision in a row is already unheard of;
# running out of attempts means something else is wrong.
MAX_TICKET_ATTEMPTS: Final = 8

_SYSTEM_RNG: Final = random.SystemRandom()


class NikHasOpenUsulan(Exception):
    """The proposed person already has an open usulan (the unique index said so: another
    chat filed it between the flow's check and this insert)."""


class TicketSpaceExhausted(RuntimeError):
    pass


@dataclass(frozen=True)
class NewMember:
    nik: str | None
    name: str
    relationship: str
    sex: str | None = None  # "L" | "P": from the NIK, or asked when there is none
    birth_date: date | None = None
    occupation: str | None = None  # optional: asked only when the citizen chose to give it
    disability: bool | None = None
    birth_place: str | None = None
    mother_name: str | None = None


@dataclass(frozen=True)
class NewProposer:
    """Who proposed the household in their own capacity (RT/RW, kepala dusun...)."""

    capacity: str
    nik: str
    name: str
    phone: str | None = None


@dataclass(frozen=True, kw_only=True)
class NewRequest:
    """Everything the conversation collected for one request, already validated."""

    kind: str
    subtype: str
    channel: str
    chat_id: str
    village_code: str
    nik: str
    kk: str | None = None
    name: str
    subject_nik: str | None = None
    subject_name: str | None = None
    answers: dict[str, Any]
    flags: list[str] = field(default_factory=list)
    language: str
    members: list[NewMember] = field(default_factory=list)
    attachments: list[tuple[str, str]] = field(default_factory=list)  # (ref, purpose)
    consent_version: str
    consent_given_at: datetime
    proposer: NewProposer | None = None

    def __post_init__(self) -> None:
        try:
            kind = request_kind(self.kind)
        except UnknownKind:
            raise ValueError(f"unknown kind {self.kind!r}") from None
        if self.subtype not in kind.subtypes:
            raise ValueError(f"unknown {self.kind} subtype {self.subtype!r}")
        for _ref, purpose in self.attachments:
            if purpose not in ATTACHMENT_PURPOSES:
                raise ValueError(f"unknown attachment purpose {purpose!r}")
        # A proposer exactly when the subtype says someone proposed in their capacity.
        in_capacity = self.subtype in kind.in_capacity
        if in_capacity != (self.proposer is not None):
            raise ValueError(f"a {self.subtype!r} {self.kind} needs a proposer iff in capacity")
        if self.proposer is not None and self.proposer.capacity != self.subtype:
            raise ValueError("the proposer's capacity is the request's subtype")


def create_request(
    session: Session, new: NewRequest, *, now: datetime, rng: random.Random | None = None
) -> Request:
    """File a request: ticket, members, photos, first status change and consent record."""
    request = _insert_with_fresh_ticket(session, new, now=now, rng=rng or _SYSTEM_RNG)
    assert request.id is not None
    for position, member in enumerate(new.members, start=1):
        session.add(
            HouseholdMember(
                request_id=request.id,
                position=position,
                nik=member.nik,
                name=member.name,
                relationship=member.relationship,
                sex=member.sex,
                birth_date=member.birth_date,
                occupation=member.occupation,
                disability=member.disability,
                birth_place=member.birth_place,
                mother_name=member.mother_name,
            )
        )
    if new.proposer is not None:
        session.add(
            Proposer(
                request_id=request.id,
                capacity=new.proposer.capacity,
                nik=new.proposer.nik,
                name=new.proposer.name,
                phone=new.proposer.phone,
            )
        )
    link_attachments(session, request, new.attachments)
    session.add(
        StatusChange(
            request_id=request.id,
            at=now,
            actor=f"citizen:{new.channel}",
            from_status=None,
            to_status=INITIAL_STATUS,
        )
    )
    session.add(
        ConsentRecord(
            channel=new.channel,
            chat_id=new.chat_id,
            purpose=new.kind,
            text_version=new.consent_version,
            language=new.language,
            given_at=new.consent_given_at,
            request_id=request.id,
        )
    )
    session.flush()
    return request


def _insert_with_fresh_ticket(
    session: Session, new: NewRequest, *, now: datetime, rng: random.Random
) -> Request:
    for _attempt in range(MAX_TICKET_ATTEMPTS):
        ticket = tickets.generate(new.kind, rng)
        request = Request(
            ticket=ticket,
            kind=new.kind,
            subtype=new.subtype,
            status=INITIAL_STATUS,
            channel=new.channel,
            chat_id=new.chat_id,  # stored as its keyed hash
            reply_to=new.chat_id,  # stored sealed: where its notices go
            village_code=new.village_code,
            nik=new.nik,
            kk=new.kk,
            name=new.name,
            subject_nik=new.subject_nik,
            subject_name=new.subject_name,
            answers=dict(new.answers),
            flags=list(new.flags),
            language=new.language,
            created_at=now,
            updated_at=now,
        )
        try:
            # The unique index decides (a concurrent writer may take the same ticket between
            # a check and the insert); the savepoint keeps the caller's transaction usable.
            with session.begin_nested():
                session.add(request)
        except IntegrityError:
            if get_request_by_ticket(session, ticket) is not None:
                continue  # the ticket was taken: draw another
            if new.kind == "usulan" and find_open_usulan_by_nik(session, new.nik) is not None:
                raise NikHasOpenUsulan("this NIK already has an open usulan") from None
            raise  # some other constraint failed: not ours to handle
        return request
    raise TicketSpaceExhausted(f"no free {new.kind} ticket in {MAX_TICKET_ATTEMPTS} attempts")


def _open_usulan() -> tuple[Any, ...]:
    return (col(Request.kind) == "usulan", col(Request.closed_at).is_(None))


def find_open_usulan_by_nik(session: Session, nik: str) -> Request | None:
    """The newest open usulan for this person as the main (proposed) person."""
    statement = (
        select(Request)
        .where(col(Request.nik_lookup) == nik, *_open_usulan())
        .order_by(col(Request.created_at).desc(), col(Request.id).desc())
        .limit(1)
    )
    return session.exec(statement).first()


def find_members_in_open_usulan(
    session: Session, niks: Iterable[str], *, exclude_request_id: int | None = None
) -> dict[str, str]:
    """`{nik: ticket}` for each NIK that is already the main person or a household member of
    another open usulan (one person, one household). The oldest such usulan wins."""
    wanted = sorted({nik for nik in niks if nik})
    if not wanted:
        return {}
    conditions = list(_open_usulan())
    if exclude_request_id is not None:
        conditions.append(col(Request.id) != exclude_request_id)
    as_main = select(Request.nik, Request.ticket, Request.created_at).where(
        col(Request.nik_lookup).in_(wanted), *conditions
    )
    as_member = (
        select(HouseholdMember.nik, Request.ticket, Request.created_at)
        .join(Request, col(HouseholdMember.request_id) == col(Request.id))
        .where(col(HouseholdMember.nik_lookup).in_(wanted), *conditions)
    )
    oldest: dict[str, tuple[datetime, str]] = {}
    for rows in (session.exec(as_main).all(), session.exec(as_member).all()):
        for nik, ticket, created_at in rows:
            if nik is not None and (nik not in oldest or (created_at, ticket) < oldest[nik]):
                oldest[nik] = (created_at, ticket)
    return {nik: ticket for nik, (_created_at, ticket) in oldest.items()}


def get_request_by_ticket(session: Session, ticket: str) -> Request | None:
    """Accepts the stored form or anything `tickets.normalise` understands (`u-7kq4m9`)."""
    normalised = tickets.normalise(ticket)
    if normalised is None:
        return None
    return session.exec(select(Request).where(Request.ticket == normalised)).first()


def list_requests_for_chat(session: Session, channel: str, chat_id: str) -> list[Request]:
    """Requests filed from one chat, newest first."""
    statement = (
        select(Request)
        .where(Request.channel == channel, Request.chat_id == chat_id)
        .order_by(col(Request.created_at).desc(), col(Request.id).desc())
    )
    return list(session.exec(statement))


def list_requests_for_household(session: Session, number: str) -> list[Request]:
    """Requests that proposed the household whose phone is `number` ("6281234567890", as
    WhatsApp and SMS name its chat), filed from another chat; newest first."""
    statement = (
        select(Request)
        .where(Request.household_lookup == number)
        .order_by(col(Request.created_at).desc(), col(Request.id).desc())
    )
    return list(session.exec(statement))


def status_history(session: Session, request_id: int) -> list[StatusChange]:
    """Status changes of a request, oldest first."""
    statement = (
        select(StatusChange)
        .where(StatusChange.request_id == request_id)
        .order_by(col(StatusChange.at), col(StatusChange.id))
    )
    return list(session.exec(statement))


def members_of(session: Session, request_id: int) -> list[HouseholdMember]:
    """Household members in the order they were given."""
    statement = (
        select(HouseholdMember)
        .where(HouseholdMember.request_id == request_id)
        .order_by(col(HouseholdMember.position))
    )
    return list(session.exec(statement))


def proposer_of(session: Session, request_id: int) -> Proposer | None:
    """Who proposed the household in their capacity, if someone did."""
    return session.exec(select(Proposer).where(Proposer.request_id == request_id)).first()


def proposers_of(session: Session, request_ids: Sequence[int]) -> dict[int, Proposer]:
    """The proposers of these requests, by request id (those proposed in someone's
    capacity; the others have none)."""
    if not request_ids:
        return {}
    rows = session.exec(select(Proposer).where(col(Proposer.request_id).in_(request_ids)))
    return {row.request_id: row for row in rows}


def change_status(
    session: Session,
    request: Request,
    to_status: str,
    *,
    actor: str,
    at: datetime,
    note: str | None = None,
    final: bool = False,
) -> StatusChange:
    """Move a request on and record who, when, from, to and why. The workflow decides
    whether the move is allowed (staff.workflow); this only writes it down. A final status
    closes the request, which frees its NIK for a new usulan."""
    if request.id is None:
        raise ValueError("the request must be stored before its status changes")
    change = StatusChange(
        request_id=request.id,
        at=at,
        actor=actor,
        from_status=request.status,
        to_status=to_status,
        note=note,
    )
    request.status = to_status
    request.updated_at = at
    request.closed_at = at if final else None
    session.add(request)
    session.add(change)
    session.flush()
    return change
