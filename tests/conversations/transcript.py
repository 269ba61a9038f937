"""Drive the engine like a citizen, with an in-memory stand-in for the service's effects.

The stand-in keeps requests in a list; the real service (tests/bot) does the same against
SQLite and PostgreSQL. Here the subject is the conversation itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from conversations import tickets
from conversations.effects import (
    AlreadyFiled,
    ConsentWithdrawn,
    Effect,
    EffectResult,
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
    PublicStatus,
    RateLimited,
    ReadPhoto,
    RecallAnswers,
    Recollection,
    RequestErasure,
    RequestView,
    ShowMyData,
    StatusStep,
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
from conversations.engine import Script, advance
from conversations.flow import EngineConfig
from conversations.flows import FLOWS
from conversations.kinds import request_kind
from conversations.state import ConversationState
from conversations.tickets import format_ticket
from conversations.types import Incoming, Location, PhotoRef, Reply
from conversations.validators import default_regions
from models.tables import household_number
from staff.explain import earliest_penetapan_month, explanations
from staff.workflow import shipped_workflows

START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 09:00 in Jakarta
# The chat's requests are in Kab. Bandung: the national default workflow.
_NATIONAL = next(w for w in shipped_workflows() if w.region is None)
_JAKARTA = ZoneInfo("Asia/Jakarta")

# Real-shaped numbers built on kecamatan 32.04.05 (Cileunyi, Kabupaten Bandung).
NIK_MAN = "3204051708850001"  # born 17-08-1985
NIK_WOMAN = "3204055708850002"  # born 17-08-1985, day + 40
NIK_CHILD = "3204050203150003"  # born 02-03-2015
KK = "3204050101200003"  # issued 01-01-2020

# What a readable card of NIK_MAN says (answer keys, as the inspector returns them).
KTP_READ = {
    "nik": NIK_MAN,
    "name": "Budi Santoso",
    "birth_place": "Bandung",
    "birth_date": "1985-08-17",
    "sex": "L",
    "marital": "kawin",
    "occupation": "buruh",
    "village": "32.04.05.2004",
    "village_label": "Cinunuk, Kec. Cileunyi, Kabupaten Bandung",
    "rt": "003",
    "rw": "005",
    "street": "JL. MELATI GG. 2",
}


@dataclass
class FakeRequest:
    submission: Submission
    ticket: str
    chat: str
    created_at: datetime
    consent_withdrawn: bool = False
    erasure_asked_at: datetime | None = None

    def __getitem__(self, name: str) -> Any:
        """`request["nik"]`: the submitted fields, as the tests read them."""
        return getattr(self, name) if name in ("ticket", "chat") else getattr(self.submission, name)


@dataclass
class FakeRegister:
    """What the service would store, kept in memory: `conversations.effects.Effects` for
    the chat `chat`. tests/bot/test_effects_contract.py holds it to the real runner."""

    requests: list[FakeRequest] = field(default_factory=list)
    seen: list[Effect] = field(default_factory=list)
    chat: str = "chat-1"
    failed_lookups: dict[str, int] = field(default_factory=dict)
    failures_per_hour: int = 5
    now: datetime = START  # the moment of the message the effects belong to
    # What the service's photo check says of each photo ref; unknown refs pass, read nothing.
    photos: dict[str, PhotoCheck] = field(default_factory=dict)
    # Photos each chat sent that no filed request holds (deleted by "hapus data saya").
    unfiled_photos: dict[str, int] = field(default_factory=dict)

    def run(self, effect: Effect) -> EffectResult:
        self.seen.append(effect)
        return effect.carry_out(self)

    def as_chat(self, chat: str) -> FakeRegister:
        """The same register seen from another chat."""
        return replace(self, chat=chat)

    def _open_usulan(self, nik: str) -> FakeRequest | None:
        found = [r for r in self.requests if r.submission.kind == "usulan"]
        return next((r for r in found if r.submission.nik == nik), None)

    def find_open_usulan(self, request: FindOpenUsulan) -> OpenUsulan:
        found = self._open_usulan(request.nik)
        if found is None:
            return NoOpenUsulan()
        return OwnOpenUsulan(found.ticket) if found.chat == self.chat else OthersOpenUsulan()

    def file_usulan(self, request: FileUsulan) -> UsulanFiling:
        submission = request.submission
        if self._open_usulan(submission.nik) is not None:
            return AlreadyFiled()
        people = {submission.nik, *(m.nik for m in submission.members if m.nik)}
        in_others = any(people & _people(r.submission) for r in self.requests)
        return self._file(submission, ["member_in_other_request"] if in_others else [])

    def read_photo(self, request: ReadPhoto) -> PhotoCheck:
        return self.photos.get(request.ref, PhotoRead({}))

    def recall_answers(self, request: RecallAnswers) -> Recollection:
        mine = [
            r.submission
            for r in reversed(self.requests)  # newest first
            if r.chat == self.chat and not r.consent_withdrawn
        ]
        return recollect(
            request.facts,
            (facts_of(s.kind, s.subtype, s.nik, s.name, s.answers, s.proposer) for s in mine),
        )

    def file_request(self, request: FileRequest) -> Filed:
        return self._file(request.submission, [])

    def _file(self, submission: Submission, extra_flags: list[str]) -> Filed:
        # Tickets as the real ones look: a letter and six of the unambiguous characters.
        letter = request_kind(submission.kind).letter
        ticket = letter + "ABCDE" + "23456789"[len(self.requests) % 8]
        flags = tuple(sorted({*submission.flags, *extra_flags}))
        stored = replace(submission, flags=flags)
        self.requests.append(FakeRequest(stored, ticket, self.chat, START))
        today = self.now.astimezone(_JAKARTA).date()
        earliest = earliest_penetapan_month(_NATIONAL, today, EngineConfig().cutoff_day)
        return Filed(ticket, "diterima", flags, earliest_penetapan=earliest)

    def list_my_requests(self, request: ListMyRequests) -> MyRequests:
        own = [self.describe(r) for r in self.requests if r.chat == self.chat]
        proposed = [self.describe(r, proposed=True) for r in self._proposing_this_number()]
        return MyRequests(tuple(sorted(own + proposed, key=lambda v: v.created_at, reverse=True)))

    def _proposing_this_number(self) -> list[FakeRequest]:
        """Requests another chat filed for the household whose phone this chat is."""
        return [
            r
            for r in self.requests
            if r.chat != self.chat and household_number(r.submission.answers) == self.chat
        ]

    def describe(self, request: FakeRequest, *, proposed: bool = False) -> RequestView:
        village = default_regions().village(request.submission.village_code)
        return RequestView(
            proposed_by=request.submission.subtype if proposed else None,
            ticket=request.ticket,
            kind=request.submission.kind,
            status="diterima",
            created_at=request.created_at,
            updated_at=request.created_at,
            village=village.label() if village else request.submission.village_code,
            history=(StatusStep(at=request.created_at, status="diterima"),),
            explain=explanations(
                _NATIONAL,
                "diterima",
                entered=request.created_at.date(),
                ticket=format_ticket(request.ticket),
            ),
            withdrawn=request.consent_withdrawn,
        )

    def lookup_status(self, request: LookupStatus) -> Lookup:
        if self.failed_lookups.get(self.chat, 0) >= self.failures_per_hour:
            return RateLimited(retry_after_minutes=60)
        typed = tickets.squeeze(request.ticket)
        codes = tickets.candidates(typed)
        matches = [r for code in codes for r in self.requests if r.ticket == code]
        own = [r for r in matches if r.chat == self.chat]
        proposed = False
        if not own:
            households = self._proposing_this_number()
            own, proposed = [r for r in matches if r in households], True
        if len(own) > 1:
            return TicketAmbiguous(tuple(r.ticket for r in own))
        if own:
            return OwnRequest(self.describe(own[0], proposed=proposed))
        if request.nik is None:
            return NeedNik(typed)
        fitting = [r for r in matches if r.submission.nik == request.nik]
        if len(fitting) > 1:
            return TicketAmbiguous(tuple(r.ticket for r in fitting))
        if not fitting:
            self.failed_lookups[self.chat] = self.failed_lookups.get(self.chat, 0) + 1
            return NotFound()
        [found] = fitting
        return Verified(
            PublicStatus(
                found.ticket,
                found.submission.kind,
                "diterima",
                found.created_at,
                withdrawn=found.consent_withdrawn,
            )
        )

    def withdraw_consent(self, request: WithdrawConsent) -> ConsentWithdrawn:
        mine = [r for r in self.requests if r.chat == self.chat and not r.consent_withdrawn]
        for filed in mine:
            filed.consent_withdrawn = True
        return ConsentWithdrawn(len(mine))

    def show_my_data(self, request: ShowMyData) -> HeldData:
        mine = [r for r in reversed(self.requests) if r.chat == self.chat]  # newest first
        return HeldData(
            tuple(
                held_request(
                    r.ticket,
                    r.submission.kind,
                    "diterima",
                    r.submission.nik,
                    r.submission.kk,
                    r.submission.consent,
                    withdrawn=r.consent_withdrawn,
                    erasure_asked_at=r.erasure_asked_at,
                )
                for r in mine
            )
        )

    def request_erasure(self, request: RequestErasure) -> Erasure:
        photos = self.unfiled_photos.pop(self.chat, 0)
        mine = [r for r in reversed(self.requests) if r.chat == self.chat]  # newest first
        if not mine:
            return NothingToErase(photos)
        asked = []
        for filed in mine:
            before = filed.erasure_asked_at is not None
            if filed.erasure_asked_at is None:
                filed.erasure_asked_at = self.now
            filed.consent_withdrawn = True
            asked.append(
                erasure_ticket(
                    filed.ticket, filed.submission.kind, filed.erasure_asked_at, asked_before=before
                )
            )
        return ErasureRequested(tuple(asked), photos)


def _people(submission: Submission) -> set[str]:
    """Everyone an open usulan counts (main person and members)."""
    if submission.kind != "usulan":
        return set()
    return {submission.nik, *(m.nik for m in submission.members if m.nik)}


class Chat:
    """One citizen talking to the engine; `say` returns the bot's replies."""

    def __init__(self, register: FakeRegister | None = None, config: EngineConfig | None = None):
        self.script = Script(FLOWS, config or EngineConfig(), default_regions())
        self.register = register or FakeRegister()
        self.state = ConversationState()
        self.now = START
        self.replies: list[Reply] = []

    def send(self, incoming: Incoming) -> list[Reply]:
        turn = advance(self.script, self.state, incoming)
        replies = list(turn.replies)
        while turn.effects:
            self.register.now = self.now
            result = self.register.run(turn.effects[0])
            turn = advance(self.script, turn.state, Incoming(now=self.now, effect_result=result))
            replies.extend(turn.replies)
        # Stored as JSON after every message, exactly as the service does.
        self.state = ConversationState.model_validate_json(turn.state.model_dump_json())
        self.replies = replies
        return replies

    def say(self, text: str, *, after: timedelta = timedelta(seconds=20)) -> str:
        self.now += after
        return self.text_of(self.send(Incoming(now=self.now, text=text)))

    def press(self, label_or_id: str) -> str:
        """Press a button of the last reply, by its label (or id)."""
        for reply in reversed(self.replies):
            for choice in reply.choices:
                if label_or_id in (choice.label, choice.id):
                    self.now += timedelta(seconds=5)
                    return self.text_of(self.send(Incoming(now=self.now, choice=choice.id)))
        raise AssertionError(f"no button {label_or_id!r} in {self.buttons()}")

    def photo(self, ref: str = "blob-1") -> str:
        self.now += timedelta(seconds=30)
        photo = PhotoRef(ref, "image/jpeg", 1234)
        return self.text_of(self.send(Incoming(now=self.now, photo=photo)))

    def location(self, lat: float = -6.93, lon: float = 107.72) -> str:
        self.now += timedelta(seconds=30)
        return self.text_of(self.send(Incoming(now=self.now, location=Location(lat, lon))))

    def buttons(self) -> list[str]:
        return [c.label for r in self.replies for c in r.choices]

    @property
    def last(self) -> Reply:
        return self.replies[-1]

    @staticmethod
    def text_of(replies: Iterable[Reply]) -> str:
        return "\n---\n".join(r.text for r in replies)


def transcript(chat: Chat, lines: Iterable[tuple[str, str]]) -> None:
    """Each line: what the citizen types, and a piece of what the bot must answer."""
    for said, expected in lines:
        answer = chat.say(said)
        assert expected in answer, f"after {said!r} expected {expected!r} in:\n{answer}"


# The usulan questions answered in order, up to the photos (which are not typed).
USULAN_TYPED = [
    ("menu", "Apa yang ingin Anda lakukan?"),
    ("1", "Apakah Anda setuju?"),
    ("ya", "Usulan ini untuk siapa?"),
    ("1", "NIK"),
    (NIK_MAN, "Kartu Keluarga"),
    (KK, "nama lengkap"),
    ("budi santoso", "Tempat/Tgl lahir"),
    ("Bandung, 17-08-1985", "ibu kandung"),
    ("Siti Aminah", "perkawinan"),
    ("kawin", "Pekerjaan"),
    ("buruh", "desa/kelurahan"),
    ("cinunuk", "Alamat"),
    ("Jl. Melati Gg. 2", "RT/RW"),
    ("3/5", "Siapa saja"),
    (f"{NIK_WOMAN} Sri Wahyuni\nRina", "hubungannya dengan kepala keluarga"),
    ("1", "hubungan Sri Wahyuni"),
    ("istri", "Tempat lahir Sri Wahyuni"),  # the BNBA's columns, asked of every member
    ("Garut", "ibu kandung Sri Wahyuni"),
    ("Enok Suryani", "NIK Rina"),
    ("lewati", "Jenis kelamin Rina"),  # no NIK: her sex and birth date are asked
    ("perempuan", "Tanggal lahir Rina"),
    ("02-03-2015", "hubungan Rina"),
    ("3", "Tempat lahir Rina"),
    ("Bandung", "ibu kandung Rina"),
    ("sri wahyuni", "Lantai"),
    ("1", "Dinding"),
    ("bambu", "Atap"),
    ("seng", "air minum"),
    ("2", "penerangan"),
    ("pln 450", "memasak"),
    ("kayu bakar", "WC"),
    ("tidak ada wc", "kondisi"),
    ("2 4", "Mau mengisi pekerjaan dan disabilitas"),
    ("tidak", "Bantuan apa"),
    ("1, 2", "foto KTP"),
]


def until(question: str) -> list[tuple[str, str]]:
    """USULAN_TYPED up to the answer after which the bot asks `question` (a piece of it)."""
    for i, (_, expected) in enumerate(USULAN_TYPED):
        if question in expected:
            return USULAN_TYPED[: i + 1]
    raise AssertionError(f"no question {question!r} in the usulan")


def reach_photos(chat: Chat) -> None:
    transcript(chat, USULAN_TYPED)


def finish_after_photos(chat: Chat) -> str:
    """The photos, the location and the phone number; returns the summary."""
    assert "foto rumah" in chat.photo("ktp-1")
    assert "lokasi" in chat.photo("house-1")
    assert "Nomor HP" in chat.location()
    return chat.say("0812-3456-7890")


def file_usulan(register: FakeRegister) -> str:
    """A complete usulan filed in `register`; returns its ticket."""
    chat = Chat(register)
    reach_photos(chat)
    finish_after_photos(chat)
    chat.say("ya")
    return register.requests[-1].ticket
