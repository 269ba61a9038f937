"""Carrying out what the engine asks for, inside the message's transaction.

`EffectRunner.for_chat(ctx)` is the real `conversations.effects.Effects`: the same
contract test (tests/bot/test_effects_contract.py) runs it on SQLite and PostgreSQL and
runs the flow tests' in-memory register, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Final, Protocol

from sqlmodel import Session

from conversations import tickets
from conversations.catalogue import LANGUAGES
from conversations.effects import (
    AlreadyFiled,
    Consent,
    ConsentWithdrawn,
    Effect,
    EffectResult,
    Effects,
    Erasure,
    ErasureRequested,
    Filed,
    FileRequest,
    FileUsulan,
    FindOpenUsulan,
    HeldData,
    ListMyRequests,
    Lookup,
    LookupStatus,
    MyRequests,
    NeedNik,
    NoOpenUsulan,
    NotFound,
    NothingToErase,
    OpenUsulan,
    OthersOpenUsulan,
    OwnOpenUsulan,
    OwnRequest,
    PhotoCheck,
    PhotoRead,
    Proposer,
    PublicStatus,
    RateLimited,
    ReadPhoto,
    RecallAnswers,
    Recollection,
    RequestErasure,
    RequestView,
    ShowMyData,
    StatusStep,
    StatusWords,
    Submission,
    TicketAmbiguous,
    UsulanFiling,
    Verified,
    WithdrawConsent,
    erasure_ticket,
    facts_of,
    held_request,
    recollect,
)
from conversations.kinds import request_kind
from conversations.tickets import format_ticket
from conversations.validators import RegionIndex
from models.blobs import BlobStore
from models.channels import NAMED_BY_NUMBER
from models.consent import consents_for_chat, withdraw_consents
from models.erasure import ask_erasure, delete_unfiled
from models.lookups import failed_lookups_since, record_lookup_attempt
from models.requests import (
    NewMember,
    NewProposer,
    NewRequest,
    NikHasOpenUsulan,
    create_request,
    find_members_in_open_usulan,
    find_open_usulan_by_nik,
    get_request_by_ticket,
    list_requests_for_chat,
    list_requests_for_household,
    proposers_of,
    status_history,
)
from models.tables import Proposer as StoredProposer
from models.tables import Request
from staff.explain import earliest_penetapan_month, explanations
from staff.kind_words import citizen_words
from staff.review import LOCAL_ZONE
from staff.workflow import TransitionRefused, Workflows

# The flag staff see on a request whose citizen withdrew consent (UU 27/2022).
WITHDRAWN: Final = "consent_withdrawn"


@dataclass(frozen=True)
class EffectContext:
    session: Session
    channel: str
    chat_id: str
    now: datetime


class PhotoChecker(Protocol):
    """Checks a stored photo and reads a KTP (bot.photos.inspector.PhotoInspector)."""

    def inspect(self, ref: str, subject: str, today: date) -> PhotoCheck: ...


class EffectRunner:
    def __init__(
        self,
        regions: RegionIndex,
        workflows: Workflows,
        *,
        lookup_failures_per_hour: int,
        blobs: BlobStore,
        cutoff_day: int | None = None,
        photos: PhotoChecker | None = None,
    ) -> None:
        """`photos` None: photos are taken as sent (no checks, nothing read). `blobs` is
        where the chats' photos are (deleted on "hapus data saya")."""
        self.blobs = blobs
        self._regions = regions
        self._workflows = workflows
        self._failures_per_hour = lookup_failures_per_hour
        self._cutoff_day = cutoff_day
        self._photos = photos

    def explanation(self, request: Request) -> StatusWords:
        """What the request's stage means, in every language (the engine picks one)."""
        try:
            workflow = self._workflows.for_village(request.village_code)
            workflow.stage(request.status)
        except TransitionRefused:
            return None  # a status from an older workflow version
        return explanations(
            workflow,
            request.status,
            entered=request.updated_at.astimezone(LOCAL_ZONE).date(),
            ticket=format_ticket(request.ticket),
            kind=request.kind,
        )

    def earliest_penetapan(self, village_code: str, filed: datetime) -> date | None:
        if self._cutoff_day is None:
            return None
        workflow = self._workflows.for_village(village_code)
        today = filed.astimezone(LOCAL_ZONE).date()
        return earliest_penetapan_month(workflow, today, self._cutoff_day)

    def run(self, effect: Effect, ctx: EffectContext) -> EffectResult:
        return effect.carry_out(self.for_chat(ctx))

    def for_chat(self, ctx: EffectContext) -> Effects:
        return _ChatEffects(self, ctx)

    def status_words(self, request: Request, status: str) -> StatusWords:
        """A status in the region's words for the request's kind, in both languages (the
        engine picks one): a sanggahan's stages are told as a sanggahan's."""
        try:
            stage = self._workflows.for_village(request.village_code).stage(status)
        except TransitionRefused:
            return None  # a status from an older workflow version: shown by its code
        return {language: citizen_words(request.kind, stage, language) for language in LANGUAGES}

    def village_label(self, village_code: str) -> str:
        village = self._regions.village(village_code)
        return village.label() if village else village_code

    @property
    def failures_per_hour(self) -> int:
        return self._failures_per_hour

    def inspect_photo(self, ref: str, subject: str, today: date) -> PhotoCheck:
        if self._photos is None:
            return PhotoRead({})
        return self._photos.inspect(ref, subject, today)


@dataclass(frozen=True)
class _ChatEffects:
    """Every effect for one chat, in the session of the message being handled."""

    runner: EffectRunner
    ctx: EffectContext

    @property
    def _session(self) -> Session:
        return self.ctx.session

    def _is_ours(self, request: Request) -> bool:
        # `chat_id` reads back as the chat's keyed hash; the id in clear is the sealed copy.
        return (request.channel, request.reply_to) == (self.ctx.channel, self.ctx.chat_id)

    def find_open_usulan(self, request: FindOpenUsulan) -> OpenUsulan:
        found = find_open_usulan_by_nik(self._session, request.nik)
        if found is None:
            return NoOpenUsulan()
        return OwnOpenUsulan(found.ticket) if self._is_ours(found) else OthersOpenUsulan()

    def file_usulan(self, request: FileUsulan) -> UsulanFiling:
        session, submission = self._session, request.submission
        # Another chat may have filed this NIK since the NIK question was answered.
        if find_open_usulan_by_nik(session, submission.nik) is not None:
            return AlreadyFiled()
        flags = list(submission.flags)
        niks = [submission.nik, *(m.nik for m in submission.members if m.nik)]
        if find_members_in_open_usulan(session, niks):
            flags.append("member_in_other_request")
        try:
            return self._create(submission, flags)
        except NikHasOpenUsulan:
            # Filed by another chat between the check above and the insert: the database
            # allows one open usulan per NIK (migration 0006; the insert runs in a
            # savepoint, so the message's transaction goes on).
            return AlreadyFiled()

    def file_request(self, request: FileRequest) -> Filed:
        return self._create(request.submission, list(request.submission.flags))

    def _create(self, submission: Submission, flags: list[str]) -> Filed:
        ctx = self.ctx
        created = create_request(
            ctx.session,
            NewRequest(
                kind=submission.kind,
                subtype=submission.subtype,
                channel=ctx.channel,
                chat_id=ctx.chat_id,
                village_code=submission.village_code,
                nik=submission.nik,
                kk=submission.kk,
                name=submission.name,
                subject_nik=submission.subject_nik,
                subject_name=submission.subject_name,
                answers=dict(submission.answers),
                flags=sorted(set(flags)),
                language=submission.language,
                members=[
                    NewMember(
                        nik=m.nik,
                        name=m.name,
                        relationship=m.relationship,
                        sex=m.sex,
                        birth_date=date.fromisoformat(m.birth_date) if m.birth_date else None,
                        occupation=m.occupation,
                        disability=m.disability,
                        birth_place=m.birth_place,
                        mother_name=m.mother_name,
                    )
                    for m in submission.members
                ],
                attachments=[(a.ref, a.purpose) for a in submission.attachments],
                consent_version=submission.consent.version,
                consent_given_at=submission.consent.given_at,
                proposer=_proposer(submission.proposer),
            ),
            now=ctx.now,
        )
        return Filed(
            created.ticket,
            created.status,
            tuple(created.flags),
            earliest_penetapan=self.runner.earliest_penetapan(created.village_code, ctx.now),
        )

    def list_my_requests(self, request: ListMyRequests) -> MyRequests:
        found = list_requests_for_chat(self._session, self.ctx.channel, self.ctx.chat_id)
        views = [self._view(r) for r in found] + [
            self._view(r, proposed=True) for r in self._proposing_this_number(found)
        ]
        views.sort(key=lambda view: view.created_at, reverse=True)
        return MyRequests(tuple(views))

    def _proposing_this_number(self, own: Sequence[Request] = ()) -> list[Request]:
        """Requests another chat filed for the household whose phone this chat is (an RT
        head's proposal): a WhatsApp or SMS chat is named by its number."""
        if self.ctx.channel not in NAMED_BY_NUMBER:
            return []
        mine = {r.id for r in own}
        found = list_requests_for_household(self._session, self.ctx.chat_id)
        return [r for r in found if r.id not in mine and not self._is_ours(r)]

    def lookup_status(self, request: LookupStatus) -> Lookup:
        session, ctx = self._session, self.ctx
        chat_key = f"{ctx.channel}:{ctx.chat_id}"
        failures = failed_lookups_since(session, chat_key, ctx.now - timedelta(hours=1))
        if failures >= self.runner.failures_per_hour:
            return RateLimited(retry_after_minutes=60)
        typed = tickets.squeeze(request.ticket)
        codes = tickets.candidates(typed)
        matches = [r for r in map(partial(get_request_by_ticket, session), codes) if r]
        # Only what this chat may see decides the answer: another chat's ticket and a
        # ticket nobody has are answered alike (existence is not told, issue 9).
        own = [r for r in matches if self._is_ours(r)]
        proposed = False
        if not own and matches:
            # The household proposed by someone else sees it from its own number too.
            households = {r.id for r in self._proposing_this_number()}
            own, proposed = [r for r in matches if r.id in households], True
        if len(own) > 1:
            return TicketAmbiguous(tuple(r.ticket for r in own))
        if own:
            record_lookup_attempt(session, chat_key, succeeded=True, at=ctx.now)
            return OwnRequest(self._view(own[0], proposed=proposed))
        if request.nik is None:
            return NeedNik(typed)
        fitting = [r for r in matches if r.nik == request.nik]
        if len(fitting) > 1:
            return TicketAmbiguous(tuple(r.ticket for r in fitting))
        if not fitting:
            record_lookup_attempt(session, chat_key, succeeded=False, at=ctx.now)
            return NotFound()
        [found] = fitting
        record_lookup_attempt(session, chat_key, succeeded=True, at=ctx.now)
        # Status only: no names, no village, nothing personal for a reader who is not the filer.
        return Verified(
            PublicStatus(
                ticket=found.ticket,
                kind=found.kind,
                status=found.status,
                status_text=self.runner.status_words(found, found.status),
                updated_at=found.updated_at,
                withdrawn=WITHDRAWN in found.flags,
            )
        )

    def withdraw_consent(self, request: WithdrawConsent) -> ConsentWithdrawn:
        session, ctx = self._session, self.ctx
        count = withdraw_consents(session, ctx.channel, ctx.chat_id, at=ctx.now)
        # Staff must stop processing (UU 27/2022: within 3x24 hours): the flag tells them.
        for filed in list_requests_for_chat(session, ctx.channel, ctx.chat_id):
            if filed.closed_at is None and WITHDRAWN not in filed.flags:
                filed.flags = [*filed.flags, WITHDRAWN]
                filed.updated_at = ctx.now
                session.add(filed)
        return ConsentWithdrawn(count)

    def show_my_data(self, request: ShowMyData) -> HeldData:
        session, ctx = self._session, self.ctx
        consents = {c.request_id: c for c in consents_for_chat(session, ctx.channel, ctx.chat_id)}
        held = []
        for filed in list_requests_for_chat(session, ctx.channel, ctx.chat_id):
            record = consents.get(filed.id)
            held.append(
                held_request(
                    filed.ticket,
                    filed.kind,
                    filed.status,
                    filed.nik,
                    filed.kk,
                    Consent(record.text_version, record.given_at) if record else None,
                    status_text=self.runner.status_words(filed, filed.status),
                    withdrawn=WITHDRAWN in filed.flags,
                    erasure_asked_at=filed.erasure_requested_at,
                )
            )
        return HeldData(tuple(held))

    def request_erasure(self, request: RequestErasure) -> Erasure:
        session, ctx = self._session, self.ctx
        photos = delete_unfiled(session, self.runner.blobs, ctx.channel, ctx.chat_id)
        asked = ask_erasure(session, ctx.channel, ctx.chat_id, at=ctx.now, withdrawn_flag=WITHDRAWN)
        if not asked:
            return NothingToErase(photos)
        return ErasureRequested(
            tuple(
                erasure_ticket(a.request.ticket, a.request.kind, a.asked_at, asked_before=a.before)
                for a in asked
            ),
            photos,
        )

    def read_photo(self, request: ReadPhoto) -> PhotoCheck:
        return self.runner.inspect_photo(request.ref, request.subject, self.ctx.now.date())

    def recall_answers(self, request: RecallAnswers) -> Recollection:
        mine = [  # newest first; consent taken back: not used again
            filed
            for filed in list_requests_for_chat(self._session, self.ctx.channel, self.ctx.chat_id)
            if WITHDRAWN not in filed.flags
        ]
        proposed = [f.id for f in mine if f.subtype in request_kind(f.kind).in_capacity]
        proposers = proposers_of(self._session, [i for i in proposed if i is not None])
        return recollect(
            request.facts,
            (
                facts_of(
                    filed.kind,
                    filed.subtype,
                    filed.nik,
                    filed.name,
                    filed.answers,
                    _told_as(proposers.get(filed.id or 0)),
                )
                for filed in mine
            ),
        )

    def _view(self, request: Request, *, proposed: bool = False) -> RequestView:
        """As its chat sees it; `proposed`: as the household it proposes sees it."""
        assert request.id is not None
        words = self.runner.status_words
        return RequestView(
            ticket=request.ticket,
            kind=request.kind,
            status=request.status,
            status_text=words(request, request.status),
            created_at=request.created_at,
            updated_at=request.updated_at,
            village=self.runner.village_label(request.village_code),
            explain=self.runner.explanation(request),
            withdrawn=WITHDRAWN in request.flags,
            proposed_by=request.subtype if proposed else None,
            history=tuple(
                StatusStep(
                    at=change.at,
                    status=change.to_status,
                    status_text=words(request, change.to_status),
                    note=change.note,
                )
                for change in status_history(self._session, request.id)
            ),
        )


def _proposer(proposer: Proposer | None) -> NewProposer | None:
    if proposer is None:
        return None
    return NewProposer(proposer.capacity, proposer.nik, proposer.name, proposer.phone)


def _told_as(stored: StoredProposer | None) -> Proposer | None:
    """A stored proposer as the flow told it."""
    if stored is None:
        return None
    return Proposer(stored.capacity, stored.nik, stored.name, stored.phone)
