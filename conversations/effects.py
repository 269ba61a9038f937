"""The effects the engine asks the service for: a request dataclass and a typed result each.

A flow asks with a request (`FindOpenUsulan(nik)`, `FileUsulan(submission)`, ...). The
service carries it out with an implementation of `Effects` (bot/effects.py against the
database; the tests' in-memory register) through `request.carry_out(effects)`, which calls
the one method meant for that request, so the result is typed end to end. Each result is a
union that includes the request's refusals (`Filed | AlreadyFiled`); flows take it apart
with `match` and end with `assert_never`, so mypy reports a variant nobody handles. A flow
pairs each effect with its handler through `flow.check(ask, judge)` (a step's check) and
`flow.ending(effect, close)` (filing the finished flow), so mypy also reports a handler
that does not take every result of its effect.

Adding an effect: its result variants and their union, a request dataclass whose
`carry_out` calls a new `Effects` method, and that method on `Effects`; mypy then names
every runner that lacks it, and tests/bot/test_effects_contract.py gets its cases.

Results hold only what the asking chat may see: `OthersOpenUsulan` and `AlreadyFiled`
carry no ticket, `Verified` no name or village.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Generic, Literal, Protocol, TypeVar

from conversations.catalogue import Language
from conversations.kinds import request_kind
from conversations.validators.idnumber import mask_nik

# A status in the region's own words, per language (None: a status the workflow no longer
# has; it is then shown with the catalogue's words).
StatusWords = Mapping[str, str] | None


# -- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoOpenUsulan:
    pass


@dataclass(frozen=True)
class OwnOpenUsulan:
    """An open usulan for this NIK filed from this chat: its ticket may be shown."""

    ticket: str


@dataclass(frozen=True)
class OthersOpenUsulan:
    """An open usulan for this NIK filed from another chat: not theirs to see."""


OpenUsulan = NoOpenUsulan | OwnOpenUsulan | OthersOpenUsulan


@dataclass(frozen=True)
class Filed:
    ticket: str
    status: str
    flags: tuple[str, ...]
    # The first day of the earliest month whose penetapan can decide it, going the region's
    # way with the SOP's time limits (None: not known).
    earliest_penetapan: date | None = None


@dataclass(frozen=True)
class AlreadyFiled:
    """This NIK has an open usulan (filed from another chat, perhaps a moment ago): nothing
    was stored. Whose it is stays unsaid."""


UsulanFiling = Filed | AlreadyFiled


@dataclass(frozen=True)
class StatusStep:
    at: datetime
    status: str
    status_text: StatusWords = None
    note: str | None = None


@dataclass(frozen=True)
class RequestView:
    """A request as the chat that filed it sees it, or the household it proposes from its
    own phone's chat (`proposed_by`)."""

    ticket: str
    kind: str
    status: str
    created_at: datetime
    updated_at: datetime
    village: str
    status_text: StatusWords = None
    history: tuple[StatusStep, ...] = ()
    # What the current stage means: who works on it, by when, what next, whom to ask.
    explain: StatusWords = None
    # The citizen withdrew consent: staff stop processing it, whatever its stage says.
    withdrawn: bool = False
    # Seen by the household an RT head (or another proposer, `kinds.CAPACITIES`) proposed,
    # from the phone number given for it: the proposer's capacity ("rt_rw").
    proposed_by: str | None = None


@dataclass(frozen=True)
class PublicStatus:
    """A request as someone else sees it once they gave the applicant's NIK: no names, no
    village, no history."""

    ticket: str
    kind: str
    status: str
    updated_at: datetime
    status_text: StatusWords = None
    withdrawn: bool = False


@dataclass(frozen=True)
class MyRequests:
    requests: tuple[RequestView, ...]


@dataclass(frozen=True)
class OwnRequest:
    request: RequestView


@dataclass(frozen=True)
class NeedNik:
    """Not a ticket of this chat: the applicant's NIK must be given to see its status.

    The same answer whether another chat has that ticket or nobody has (existence is not
    told by changing chats). `ticket` is the code as typed, squeezed (perhaps without its
    letter): the NIK is checked against the tickets it can be."""

    ticket: str


@dataclass(frozen=True)
class Verified:
    request: PublicStatus


@dataclass(frozen=True)
class NotFound:
    """Nothing this chat may see: no ticket of its own, or no ticket that the NIK given
    fits. One answer for "another chat's ticket, wrong NIK" and "no such ticket"."""


@dataclass(frozen=True)
class RateLimited:
    retry_after_minutes: int


@dataclass(frozen=True)
class TicketAmbiguous:
    """A code typed without its U-/S- letter is the body of a ticket of several kinds
    (U-95YDAG and S-95YDAG) that this chat may see (its own, or both filed for the NIK
    given): the citizen is asked which. Nothing else is said of them."""

    tickets: tuple[str, ...]


Lookup = OwnRequest | NeedNik | Verified | NotFound | RateLimited | TicketAmbiguous


@dataclass(frozen=True)
class ConsentWithdrawn:
    count: int


@dataclass(frozen=True)
class HeldRequest:
    """A request filed from this chat as "data saya" shows it (UU 27/2022): NIK and KK
    masked, with the consent it was filed under."""

    ticket: str
    kind: str
    status: str
    nik: str
    kk: str | None
    consent: Consent | None  # None: no consent record (a row made by hand, not by a chat)
    status_text: StatusWords = None
    withdrawn: bool = False
    # "Hapus data saya" was asked: staff erase it by then (None: not asked).
    erasure_due: datetime | None = None


@dataclass(frozen=True)
class HeldData:
    requests: tuple[HeldRequest, ...]


def held_request(
    ticket: str,
    kind: str,
    status: str,
    nik: str,
    kk: str | None,
    consent: Consent | None,
    *,
    status_text: StatusWords = None,
    withdrawn: bool = False,
    erasure_asked_at: datetime | None = None,
) -> HeldRequest:
    """One filed request for "data saya", masked the one way both runners mask it."""
    return HeldRequest(
        ticket,
        kind,
        status,
        mask_nik(nik),
        mask_nik(kk) if kk else None,
        consent,
        status_text,
        withdrawn,
        None if erasure_asked_at is None else erasure_asked_at + timedelta(hours=ERASURE_HOURS),
    )


# The service's own commitment for "hapus data saya" (issue 9, from the wording of UU 27/2022's
# 3x24-hour rule for a withdrawal of consent; no article of the law is cited for erasure):
# staff erase a filed request within this many hours of the citizen's asking.
ERASURE_HOURS = 72


@dataclass(frozen=True)
class ErasureTicket:
    """A filed request of this chat that staff are asked to erase (UU 27/2022), by when."""

    ticket: str
    kind: str
    asked_at: datetime  # when the citizen asked (this time, or an earlier time)
    due_at: datetime  # `asked_at` + ERASURE_HOURS
    asked_before: bool = False


@dataclass(frozen=True)
class ErasureRequested:
    """What was not yet filed is gone (`photos` photos of this chat deleted); each filed
    request stops being processed and waits for staff to erase it."""

    requests: tuple[ErasureTicket, ...]
    photos: int


@dataclass(frozen=True)
class NothingToErase:
    """No filed request of this chat is left to erase; what was not yet filed is gone
    (`photos` photos deleted)."""

    photos: int


Erasure = ErasureRequested | NothingToErase


def erasure_ticket(
    ticket: str, kind: str, asked_at: datetime, *, asked_before: bool
) -> ErasureTicket:
    """One filed request waiting to be erased, with its deadline (both runners use it)."""
    due = asked_at + timedelta(hours=ERASURE_HOURS)
    return ErasureTicket(ticket, kind, asked_at, due, asked_before)


@dataclass(frozen=True)
class PhotoRead:
    """The photo passed the checks. For a KTP, `values` holds the answers read from it
    (answer keys of the usulan: nik, name, birth_date, village, ...), each already through
    the typed-input validators but not yet confirmed by the citizen; empty when nothing
    could be read."""

    values: Mapping[str, Any]


@dataclass(frozen=True)
class PhotoRefused:
    """The photo is not good enough; `problem` says why (too_small, too_dark,
    overexposed, blurred, no_card, card_cut, card_far, screen, not_image)."""

    problem: str


PhotoCheck = PhotoRead | PhotoRefused

# What a chat told in its own earlier requests: its phone number, and its own NIK and name
# (taken together from one request: an usulan for oneself, a sanggahan's reporter).
Fact = Literal["phone", "own_nik", "own_name"]


@dataclass(frozen=True)
class Recalled:
    """The facts asked for that this chat's newest requests hold, in clear. The engine
    shows them masked and uses them only when the citizen taps them ("Pakai ..."), by
    asking again: nothing of them is kept in the conversation."""

    values: Mapping[Fact, str]


@dataclass(frozen=True)
class NothingRecalled:
    pass


Recollection = Recalled | NothingRecalled

EffectResult = (
    OpenUsulan
    | UsulanFiling
    | MyRequests
    | Lookup
    | ConsentWithdrawn
    | HeldData
    | Erasure
    | PhotoCheck
    | Recollection
)


# -- requests -----------------------------------------------------------------------------

R_co = TypeVar("R_co", covariant=True)


class EffectRequest(ABC, Generic[R_co]):
    """Something only the service can do (store, look up), answered with an `R_co`."""

    @abstractmethod
    def carry_out(self, effects: Effects) -> R_co: ...


@dataclass(frozen=True)
class FindOpenUsulan(EffectRequest[OpenUsulan]):
    nik: str

    def carry_out(self, effects: Effects) -> OpenUsulan:
        return effects.find_open_usulan(self)


@dataclass(frozen=True)
class Member:
    nik: str | None
    name: str
    relationship: str
    sex: str | None = None  # "L" | "P"
    birth_date: str | None = None  # ISO date
    occupation: str | None = None  # an OCCUPATION choice, when the citizen gave it
    disability: bool | None = None
    birth_place: str | None = None
    mother_name: str | None = None


@dataclass(frozen=True)
class AttachmentRef:
    ref: str
    purpose: str


@dataclass(frozen=True)
class Consent:
    """The consent a request was filed under: the text's version and the moment (UU 27/2022)."""

    version: str
    given_at: datetime


@dataclass(frozen=True)
class Proposer:
    """Who proposed the household in their own capacity (an RT head, a kepala dusun...:
    `kinds.CAPACITIES`), kept apart from the household proposed."""

    capacity: str
    nik: str
    name: str
    phone: str | None = None


@dataclass(frozen=True)
class Submission:
    """What is filed, for every kind of request."""

    kind: str
    subtype: str
    village_code: str
    nik: str
    name: str
    answers: Mapping[str, Any]
    flags: tuple[str, ...]
    consent: Consent
    language: Language
    kk: str | None = None
    subject_nik: str | None = None
    subject_name: str | None = None
    members: tuple[Member, ...] = ()
    attachments: tuple[AttachmentRef, ...] = ()
    proposer: Proposer | None = None


@dataclass(frozen=True)
class FileUsulan(EffectRequest[UsulanFiling]):
    """File an usulan: one person, one open usulan, whichever chat filed it."""

    submission: Submission

    def __post_init__(self) -> None:
        if not request_kind(self.submission.kind).one_open_per_nik:
            raise ValueError(f"FileUsulan files an usulan, not {self.submission.kind!r}")

    def carry_out(self, effects: Effects) -> UsulanFiling:
        return effects.file_usulan(self)


@dataclass(frozen=True)
class FileRequest(EffectRequest[Filed]):
    """File a request of a kind without the one-open-per-person rule (a sanggahan)."""

    submission: Submission

    def __post_init__(self) -> None:
        if request_kind(self.submission.kind).one_open_per_nik:
            raise ValueError("an usulan is filed with FileUsulan (one open usulan per NIK)")

    def carry_out(self, effects: Effects) -> Filed:
        return effects.file_request(self)


@dataclass(frozen=True)
class ListMyRequests(EffectRequest[MyRequests]):
    def carry_out(self, effects: Effects) -> MyRequests:
        return effects.list_my_requests(self)


@dataclass(frozen=True)
class LookupStatus(EffectRequest[Lookup]):
    """A ticket's status. `ticket` is a whole code, or its 6 characters without the kind
    letter (`tickets.candidates`). This chat's own ticket is shown; any other code, taken
    or not, is `NeedNik` without a NIK and, with one, `Verified` when a ticket it can be
    was filed for that NIK, else `NotFound` (counted against the limit): whether a ticket
    exists is never told to a chat that is not its own and cannot give its NIK."""

    ticket: str
    nik: str | None = None

    def carry_out(self, effects: Effects) -> Lookup:
        return effects.lookup_status(self)


@dataclass(frozen=True)
class WithdrawConsent(EffectRequest[ConsentWithdrawn]):
    def carry_out(self, effects: Effects) -> ConsentWithdrawn:
        return effects.withdraw_consent(self)


@dataclass(frozen=True)
class ShowMyData(EffectRequest[HeldData]):
    """What is held for this chat: its filed requests, newest first, masked."""

    def carry_out(self, effects: Effects) -> HeldData:
        return effects.show_my_data(self)


@dataclass(frozen=True)
class RequestErasure(EffectRequest[Erasure]):
    """ "Hapus data saya" (UU 27/2022), confirmed: delete at once what this chat has not
    filed (its photos not part of a request; the recorded bodies of its deliveries), and
    flag each filed request for staff to erase within ERASURE_HOURS (consent withdrawn, so
    processing stops meanwhile). The conversation's own draft goes with the engine's state."""

    def carry_out(self, effects: Effects) -> Erasure:
        return effects.request_erasure(self)


@dataclass(frozen=True)
class ReadPhoto(EffectRequest[PhotoCheck]):
    """Check a stored photo's quality and, for a KTP, read it.

    `subject`: "ktp", "kk" or "house" (which checks apply)."""

    ref: str
    subject: str

    def carry_out(self, effects: Effects) -> PhotoCheck:
        return effects.read_photo(self)


@dataclass(frozen=True)
class RecallAnswers(EffectRequest[Recollection]):
    """What this chat already told in its own filed requests (`Fact`), newest first: never
    another chat's, never from a request whose consent was withdrawn or that retention
    anonymised."""

    facts: tuple[Fact, ...]

    def carry_out(self, effects: Effects) -> Recollection:
        return effects.recall_answers(self)


def facts_of(
    kind: str,
    subtype: str,
    nik: str | None,
    name: str | None,
    answers: Mapping[str, Any],
    proposer: Proposer | None = None,
) -> dict[Fact, str]:
    """What one filed request tells of the person who filed it (both runners read it so):
    for a household proposed in someone's capacity (an RT head), the proposer's own NIK,
    name and phone, never the household's."""
    facts: dict[Fact, str] = {}
    if proposer is not None:
        facts["own_nik"], facts["own_name"] = proposer.nik, proposer.name
        if proposer.phone:
            facts["phone"] = proposer.phone
        return facts
    if answers.get("phone"):
        facts["phone"] = str(answers["phone"])
    if nik and name and subtype in request_kind(kind).filed_by_the_person:
        facts["own_nik"], facts["own_name"] = nik, name
    return facts


def recollect(wanted: tuple[Fact, ...], newest_first: Iterable[Mapping[Fact, str]]) -> Recollection:
    """Each wanted fact from the newest request that has it (own NIK and name come from
    one request, as `facts_of` gives them together)."""
    found: dict[Fact, str] = {}
    for facts in newest_first:
        for fact in wanted:
            if fact in facts and fact not in found:
                found[fact] = facts[fact]
    return Recalled(found) if found else NothingRecalled()


Effect = EffectRequest[EffectResult]


class Effects(Protocol):
    """Carries out every effect for one chat (the service binds channel, chat and clock)."""

    def find_open_usulan(self, request: FindOpenUsulan) -> OpenUsulan: ...

    def file_usulan(self, request: FileUsulan) -> UsulanFiling: ...

    def file_request(self, request: FileRequest) -> Filed: ...

    def list_my_requests(self, request: ListMyRequests) -> MyRequests: ...

    def lookup_status(self, request: LookupStatus) -> Lookup: ...

    def withdraw_consent(self, request: WithdrawConsent) -> ConsentWithdrawn: ...

    def show_my_data(self, request: ShowMyData) -> HeldData: ...

    def request_erasure(self, request: RequestErasure) -> Erasure: ...

    def read_photo(self, request: ReadPhoto) -> PhotoCheck: ...

    def recall_answers(self, request: RecallAnswers) -> Recollection: ...
