"""One contract for every implementation of `conversations.effects.Effects`.

The same cases run against the flow tests' in-memory register (tests/conversations/
transcript.py) and the real runner (bot/effects.py) on SQLite and PostgreSQL, so what the
flow tests rely on is what the service does. A refusal the fake never gave is how the
two-chats-one-NIK bug hid (issue 8).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, update

from bot.effects import EffectContext, EffectRunner
from conversations.effects import (
    ERASURE_HOURS,
    AlreadyFiled,
    Consent,
    ConsentWithdrawn,
    EffectRequest,
    Effects,
    ErasureRequested,
    Filed,
    FileRequest,
    FileUsulan,
    FindOpenUsulan,
    HeldData,
    ListMyRequests,
    LookupStatus,
    Member,
    MyRequests,
    NeedNik,
    NoOpenUsulan,
    NotFound,
    NothingRecalled,
    NothingToErase,
    OthersOpenUsulan,
    OwnOpenUsulan,
    OwnRequest,
    PhotoRead,
    Proposer,
    RateLimited,
    ReadPhoto,
    RecallAnswers,
    Recalled,
    RequestErasure,
    ShowMyData,
    Submission,
    TicketAmbiguous,
    Verified,
    WithdrawConsent,
)
from conversations.validators import default_regions
from models.blobs import FileBlobStore, save_attachment
from models.tables import Request
from staff.workflow import Workflows
from tests.conftest import TEST_KEYS
from tests.conversations.transcript import KK, NIK_CHILD, NIK_MAN, NIK_WOMAN, FakeRegister
from tests.images import tiny_png

R = TypeVar("R")
CINUNUK = "32.04.05.2004"
FAILURES_PER_HOUR = 5


@dataclass
class Register:
    """Carries out an effect for one chat, each in a transaction of its own."""

    carry_out: Callable[[str, EffectRequest[object]], object]
    # Test set-up only: give a filed request another ticket (a collision the RNG may make).
    retick: Callable[[str, str], None]
    # Test set-up only: a photo the chat sent that no request holds yet.
    put_photo: Callable[[str], None]

    def ask(self, chat: str, request: EffectRequest[R]) -> R:
        return self.carry_out(chat, request)  # type: ignore[return-value]


def _fake() -> Register:
    fake = FakeRegister(failures_per_hour=FAILURES_PER_HOUR)

    def retick(old: str, new: str) -> None:
        [filed] = [r for r in fake.requests if r.ticket == old]
        filed.ticket = new

    def put_photo(chat: str) -> None:
        fake.unfiled_photos[chat] = fake.unfiled_photos.get(chat, 0) + 1

    return Register(lambda chat, request: request.carry_out(fake.as_chat(chat)), retick, put_photo)


def _real(engine: Engine, folder: Path) -> Register:
    regions = default_regions()
    blobs = FileBlobStore(folder, TEST_KEYS)
    runner = EffectRunner(
        regions, Workflows.load(), lookup_failures_per_hour=FAILURES_PER_HOUR, blobs=blobs
    )
    clock = [datetime(2026, 11, 23, 2, 0, tzinfo=UTC)]

    def carry_out(chat: str, request: EffectRequest[object]) -> object:
        clock[0] += timedelta(seconds=10)
        with Session(engine) as session, session.begin():
            # WhatsApp: a chat named by its phone number (a household's own chat, below).
            context = EffectContext(session, "whatsapp", chat, clock[0])
            effects: Effects = runner.for_chat(context)
            return request.carry_out(effects)

    def retick(old: str, new: str) -> None:
        with Session(engine) as session, session.begin():
            session.exec(update(Request).where(col(Request.ticket) == old).values(ticket=new))

    def put_photo(chat: str) -> None:
        with Session(engine) as session, session.begin():
            save_attachment(
                session, blobs.put(tiny_png()), channel="whatsapp", chat_id=chat, now=clock[0]
            )

    return Register(carry_out, retick, put_photo)


@pytest.fixture(params=["fake", "sqlite", "postgresql"])
def register(request: pytest.FixtureRequest, tmp_path: Path) -> Register:
    if request.param == "fake":
        return _fake()
    return _real(request.getfixturevalue(f"{request.param}_engine"), tmp_path / "blobs")


def submission(kind: str = "usulan", nik: str = NIK_MAN, **fields: object) -> Submission:
    values: dict[str, object] = {
        "kind": kind,
        "subtype": "self" if kind == "usulan" else "recipient_not_eligible",
        "village_code": CINUNUK,
        "nik": nik,
        "kk": KK if kind == "usulan" else None,
        "name": "Budi Santoso",
        "answers": {"rt": "003"},
        "flags": ("house_photo_missing",),
        "consent": Consent("2026-11-v1", datetime(2026, 11, 23, 2, 0, tzinfo=UTC)),
        "language": "id",
    }
    values.update(fields)
    return Submission(**values)  # type: ignore[arg-type]


def file_usulan(register: Register, chat: str, nik: str = NIK_MAN, **fields: object) -> Filed:
    filed = register.ask(chat, FileUsulan(submission(nik=nik, **fields)))
    assert isinstance(filed, Filed), filed
    return filed


def test_an_open_usulan_is_named_only_to_the_chat_that_filed_it(register: Register) -> None:
    assert register.ask("chat-a", FindOpenUsulan(NIK_MAN)) == NoOpenUsulan()
    filed = file_usulan(register, "chat-a")
    assert filed.ticket.startswith("U") and len(filed.ticket) == 7
    assert filed.status == "diterima" and filed.flags == ("house_photo_missing",)
    assert register.ask("chat-a", FindOpenUsulan(NIK_MAN)) == OwnOpenUsulan(filed.ticket)
    assert register.ask("chat-b", FindOpenUsulan(NIK_MAN)) == OthersOpenUsulan()
    assert register.ask("chat-b", FindOpenUsulan(NIK_WOMAN)) == NoOpenUsulan()


def test_a_second_open_usulan_for_one_nik_is_refused_from_any_chat_and_nothing_stored(
    register: Register,
) -> None:
    file_usulan(register, "chat-a")
    assert register.ask("chat-b", FileUsulan(submission())) == AlreadyFiled()
    assert register.ask("chat-a", FileUsulan(submission())) == AlreadyFiled()
    assert register.ask("chat-b", ListMyRequests()) == MyRequests(())
    assert len(register.ask("chat-a", ListMyRequests()).requests) == 1
    assert isinstance(register.ask("chat-b", FileUsulan(submission(nik=NIK_WOMAN))), Filed)


def test_someone_already_in_another_open_household_is_flagged(register: Register) -> None:
    file_usulan(register, "chat-a", members=(Member(NIK_WOMAN, "Sri Wahyuni", "istri_suami"),))
    second = file_usulan(register, "chat-b", nik=NIK_WOMAN)
    assert "member_in_other_request" in second.flags
    third = file_usulan(register, "chat-c", nik=NIK_CHILD)
    assert "member_in_other_request" not in third.flags


def test_a_sanggahan_is_filed_however_many_a_person_has(register: Register) -> None:
    file_usulan(register, "chat-a")
    for _ in range(2):
        filed = register.ask("chat-a", FileRequest(submission("sanggahan", subject_name="X")))
        assert filed.ticket.startswith("S") and filed.status == "diterima"


def test_my_requests_are_this_chats_only_with_their_village_and_history(
    register: Register,
) -> None:
    usulan = file_usulan(register, "chat-a")
    sanggahan = register.ask("chat-a", FileRequest(submission("sanggahan", subject_name="X")))
    file_usulan(register, "chat-b", nik=NIK_WOMAN)

    mine = register.ask("chat-a", ListMyRequests()).requests
    assert sorted((r.ticket, r.kind) for r in mine) == sorted(
        [(usulan.ticket, "usulan"), (sanggahan.ticket, "sanggahan")]
    )
    for view in mine:
        assert view.status == "diterima"
        assert view.village == "Cinunuk, Kec. Cileunyi, Kabupaten Bandung"
        assert [step.status for step in view.history] == ["diterima"]
    assert register.ask("chat-c", ListMyRequests()) == MyRequests(())


def test_a_ticket_shows_everything_to_its_chat_and_only_the_status_to_the_nik_holder(
    register: Register,
) -> None:
    filed = file_usulan(register, "chat-a")
    own = register.ask("chat-a", LookupStatus(filed.ticket))
    assert isinstance(own, OwnRequest)
    assert own.request.ticket == filed.ticket and own.request.village.startswith("Cinunuk")
    assert [step.status for step in own.request.history] == ["diterima"]

    assert register.ask("chat-b", LookupStatus(filed.ticket)) == NeedNik(filed.ticket)
    assert register.ask("chat-b", LookupStatus(filed.ticket, nik=NIK_WOMAN)) == NotFound()
    verified = register.ask("chat-b", LookupStatus(filed.ticket, nik=NIK_MAN))
    assert isinstance(verified, Verified)
    public = verified.request
    assert (public.ticket, public.kind, public.status) == (filed.ticket, "usulan", "diterima")


def test_another_chats_ticket_and_a_ticket_nobody_has_are_answered_alike(
    register: Register,
) -> None:
    """Ticket probing (issue 9): changing chats must not tell which tickets exist."""
    filed = file_usulan(register, "chat-a")
    nobodys = "U7KQ4M9"
    assert nobodys != filed.ticket
    for code in (filed.ticket, nobodys):
        assert register.ask("chat-b", LookupStatus(code)) == NeedNik(code)
        assert register.ask("chat-b", LookupStatus(code, nik=NIK_WOMAN)) == NotFound()
    # Even from the chat that filed another ticket, a code it does not own says nothing.
    assert register.ask("chat-a", LookupStatus(nobodys)) == NeedNik(nobodys)
    # Typed without its letter, alike too: the code as typed comes back for the NIK check.
    for body in (filed.ticket[1:], nobodys[1:]):
        assert register.ask("chat-b", LookupStatus(body)) == NeedNik(body)
        assert register.ask("chat-b", LookupStatus(body, nik=NIK_WOMAN)) == NotFound()


def test_a_ticket_typed_without_its_letter_is_found_in_any_chat_when_one_kind_has_it(
    register: Register,
) -> None:
    filed = file_usulan(register, "chat-a")
    body = filed.ticket[1:]
    own = register.ask("chat-a", LookupStatus(body))
    assert isinstance(own, OwnRequest) and own.request.ticket == filed.ticket
    # Another chat's: the code as typed comes back, for the NIK check against it.
    assert register.ask("chat-b", LookupStatus(body)) == NeedNik(body)
    verified = register.ask("chat-b", LookupStatus(body, nik=NIK_MAN))
    assert isinstance(verified, Verified) and verified.request.ticket == filed.ticket


def test_a_code_without_its_letter_that_both_kinds_have_is_ambiguous_only_to_whom_may_see(
    register: Register,
) -> None:
    usulan = file_usulan(register, "chat-a")
    sanggahan = register.ask("chat-a", FileRequest(submission("sanggahan", subject_name="X")))
    twin = "S" + usulan.ticket[1:]
    register.retick(sanggahan.ticket, twin)
    both = TicketAmbiguous((usulan.ticket, twin))  # in the order of the kinds
    assert register.ask("chat-a", LookupStatus(usulan.ticket[1:])) == both
    assert register.ask("chat-c", LookupStatus(usulan.ticket[1:], nik=NIK_MAN)) == both
    # Another chat without the NIK learns nothing of either.
    body = usulan.ticket[1:]
    assert register.ask("chat-c", LookupStatus(body)) == NeedNik(body)
    # With its letter, each is its own ticket again.
    assert isinstance(register.ask("chat-a", LookupStatus(twin)), OwnRequest)


def test_a_chats_own_ticket_wins_over_another_chats_twin(register: Register) -> None:
    usulan = file_usulan(register, "chat-a")
    sanggahan = register.ask("chat-b", FileRequest(submission("sanggahan", subject_name="X")))
    twin = "S" + usulan.ticket[1:]
    register.retick(sanggahan.ticket, twin)
    mine = register.ask("chat-a", LookupStatus(usulan.ticket[1:]))
    assert isinstance(mine, OwnRequest) and mine.request.ticket == usulan.ticket
    theirs = register.ask("chat-b", LookupStatus(usulan.ticket[1:]))
    assert isinstance(theirs, OwnRequest) and theirs.request.ticket == twin


def test_what_a_chat_told_before_is_recalled_for_that_chat_only(register: Register) -> None:
    everything = RecallAnswers(("phone", "own_nik", "own_name"))
    file_usulan(register, "chat-a", answers={"rt": "003", "phone": "+6281234567890"})
    assert register.ask("chat-a", everything) == Recalled(
        {"phone": "+6281234567890", "own_nik": NIK_MAN, "own_name": "Budi Santoso"}
    )
    assert register.ask("chat-b", everything) == NothingRecalled()
    # A sanggahan's reporter is the person too: the newest request's NIK and name, together.
    reported = submission("sanggahan", nik=NIK_WOMAN, name="Sri Wahyuni", subject_name="X")
    register.ask("chat-a", FileRequest(reported))
    assert register.ask("chat-a", everything) == Recalled(
        {"phone": "+6281234567890", "own_nik": NIK_WOMAN, "own_name": "Sri Wahyuni"}
    )
    assert register.ask("chat-a", RecallAnswers(("phone",))) == Recalled(
        {"phone": "+6281234567890"}
    )
    # An usulan for another household says nothing of who filed it.
    file_usulan(register, "chat-c", nik=NIK_CHILD, subtype="other_household")
    assert register.ask("chat-c", everything) == NothingRecalled()
    # Consent taken back: nothing of those requests is offered again.
    register.ask("chat-a", WithdrawConsent())
    assert register.ask("chat-a", everything) == NothingRecalled()


def test_an_rt_heads_own_identity_is_recalled_not_the_households(register: Register) -> None:
    """An RT head proposing again is offered their own NIK, name and phone (the proposer's),
    never the NIK and name of the household they proposed last time."""
    rt_head = Proposer("rt_rw", NIK_WOMAN, "Sri Wahyuni", "+6281211112222")
    file_usulan(
        register,
        "rt-chat",
        subtype="rt_rw",
        proposer=rt_head,
        answers={"rt": "003", "household_phone": "+6281234567890"},
    )
    assert register.ask("rt-chat", RecallAnswers(("phone", "own_nik", "own_name"))) == Recalled(
        {"phone": "+6281211112222", "own_nik": NIK_WOMAN, "own_name": "Sri Wahyuni"}
    )


def test_the_household_an_rt_head_proposed_sees_it_from_its_own_number(
    register: Register,
) -> None:
    household = "6281234567890"
    filed = file_usulan(
        register,
        "6281211112222",  # the RT head's chat
        subtype="rt_rw",
        proposer=Proposer("rt_rw", NIK_WOMAN, "Sri Wahyuni", "+6281211112222"),
        answers={"rt": "003", "household_phone": "+" + household},
    )
    [seen] = register.ask(household, ListMyRequests()).requests
    assert (seen.ticket, seen.proposed_by) == (filed.ticket, "rt_rw")
    by_ticket = register.ask(household, LookupStatus(filed.ticket))
    assert isinstance(by_ticket, OwnRequest) and by_ticket.request.proposed_by == "rt_rw"
    # The proposer sees it as theirs; any other number sees nothing of it.
    [theirs] = register.ask("6281211112222", ListMyRequests()).requests
    assert (theirs.ticket, theirs.proposed_by) == (filed.ticket, None)
    assert register.ask("6289999999999", ListMyRequests()) == MyRequests(())
    assert isinstance(register.ask("6289999999999", LookupStatus(filed.ticket)), NeedNik)


def test_failed_lookups_from_one_chat_are_slowed_down_for_that_chat_only(
    register: Register,
) -> None:
    filed = file_usulan(register, "chat-a")
    # A wrong NIK counts, for a ticket nobody has as for another chat's; asking for the
    # NIK (nothing told yet) does not.
    for _ in range(FAILURES_PER_HOUR - 1):
        assert register.ask("chat-b", LookupStatus("U7KQ4M9")) == NeedNik("U7KQ4M9")
        assert register.ask("chat-b", LookupStatus("U7KQ4M9", nik=NIK_MAN)) == NotFound()
    assert register.ask("chat-b", LookupStatus(filed.ticket, nik=NIK_WOMAN)) == NotFound()
    assert register.ask("chat-b", LookupStatus(filed.ticket, nik=NIK_MAN)) == RateLimited(60)
    assert register.ask("chat-b", LookupStatus(filed.ticket)) == RateLimited(60)
    assert isinstance(register.ask("chat-a", LookupStatus(filed.ticket)), OwnRequest)


def test_data_saya_is_this_chats_requests_newest_first_masked_with_their_consent(
    register: Register,
) -> None:
    assert register.ask("chat-a", ShowMyData()) == HeldData(())
    usulan = file_usulan(register, "chat-a")
    sanggahan = register.ask("chat-a", FileRequest(submission("sanggahan", subject_name="X")))
    file_usulan(register, "chat-b", nik=NIK_WOMAN)
    register.ask("chat-a", WithdrawConsent())

    held = register.ask("chat-a", ShowMyData()).requests
    assert [(h.ticket, h.kind, h.status) for h in held] == [
        (sanggahan.ticket, "sanggahan", sanggahan.status),
        (usulan.ticket, "usulan", usulan.status),
    ]
    masked = f"{NIK_MAN[:4]}********{NIK_MAN[-4:]}"
    assert [(h.nik, h.kk) for h in held] == [(masked, None), (masked, f"{KK[:4]}********{KK[-4:]}")]
    consent = Consent("2026-11-v1", datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    assert [(h.consent, h.withdrawn) for h in held] == [(consent, True)] * 2
    assert [h.ticket for h in register.ask("chat-b", ShowMyData()).requests] != [usulan.ticket]
    assert len(register.ask("chat-b", ShowMyData()).requests) == 1


def test_withdrawing_consent_counts_this_chats_requests_once(register: Register) -> None:
    file_usulan(register, "chat-a")
    register.ask("chat-a", FileRequest(submission("sanggahan", subject_name="X")))
    file_usulan(register, "chat-b", nik=NIK_WOMAN)
    assert register.ask("chat-a", WithdrawConsent()) == ConsentWithdrawn(2)
    assert register.ask("chat-a", WithdrawConsent()) == ConsentWithdrawn(0)
    assert register.ask("chat-c", WithdrawConsent()) == ConsentWithdrawn(0)
    # Cek status says so: each of chat-a's requests is withdrawn, chat-b's is not.
    assert [v.withdrawn for v in register.ask("chat-a", ListMyRequests()).requests] == [True] * 2
    assert [v.withdrawn for v in register.ask("chat-b", ListMyRequests()).requests] == [False]


def test_without_a_photo_checker_a_photo_is_taken_as_sent_and_nothing_is_read(
    register: Register,
) -> None:
    # Checks and reading are the inspector's (tests/bot/test_ktp_usulan.py); unconfigured,
    # both registers accept the photo and offer nothing, so flows ask every field.
    assert register.ask("chat-a", ReadPhoto("some-ref", "ktp")) == PhotoRead({})


def test_erasure_deletes_unfiled_photos_and_flags_this_chats_requests_once(
    register: Register,
) -> None:
    """ "Hapus data saya" (UU 27/2022): photos not yet filed go at once; every request this
    chat filed waits for staff (72 hours), consent withdrawn; another chat's are untouched."""
    register.put_photo("chat-c")
    register.put_photo("chat-c")
    assert register.ask("chat-c", RequestErasure()) == NothingToErase(2)
    assert register.ask("chat-c", RequestErasure()) == NothingToErase(0)

    usulan = file_usulan(register, "chat-a")
    sanggahan = register.ask("chat-a", FileRequest(submission("sanggahan", subject_name="X")))
    file_usulan(register, "chat-b", nik=NIK_WOMAN)
    register.put_photo("chat-a")
    register.put_photo("chat-b")
    first = register.ask("chat-a", RequestErasure())
    assert isinstance(first, ErasureRequested) and first.photos == 1
    assert [(t.ticket, t.kind, t.asked_before) for t in first.requests] == [
        (sanggahan.ticket, "sanggahan", False),
        (usulan.ticket, "usulan", False),
    ]
    assert all(t.due_at - t.asked_at == timedelta(hours=ERASURE_HOURS) for t in first.requests)
    # Asked again: the first time stands, nothing new is flagged.
    again = register.ask("chat-a", RequestErasure())
    assert isinstance(again, ErasureRequested) and again.photos == 0
    assert [(t.asked_at, t.asked_before) for t in again.requests] == [
        (t.asked_at, True) for t in first.requests
    ]
    # Processing stops (consent withdrawn), and "data saya" says when it will be erased.
    held = register.ask("chat-a", ShowMyData()).requests
    assert [(h.withdrawn, h.erasure_due) for h in held] == [
        (True, t.due_at) for t in first.requests
    ]
    assert [v.withdrawn for v in register.ask("chat-b", ListMyRequests()).requests] == [False]
    assert register.ask("chat-b", ShowMyData()).requests[0].erasure_due is None
    assert register.ask("chat-b", RequestErasure()) != NothingToErase(0)
