"""The tables. Every datetime is timezone-aware and stored in UTC (see `coltypes`).

JSON columns (`answers`, `flags`, `replies`, `state`, `data`) are not change-tracked in place:
assign a new value (`request.flags = [*request.flags, "x"]`) instead of mutating it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import JSON, Index, UniqueConstraint, event, inspect, text
from sqlmodel import Field, SQLModel

from models.coltypes import UTCDateTime
from models.sealed import LookupDigest, SealedBool, SealedDate, SealedJSON, SealedText

# Deterministic constraint names, identical on SQLite and PostgreSQL, so later migrations can
# name what they alter (SQLite batch mode needs names to drop a constraint).
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Request kinds and their subtypes: conversations/kinds.py.
ATTACHMENT_PURPOSES: Final = ("ktp", "house_front", "evidence", "document")
INITIAL_STATUS: Final = "diterima"
OPEN_USULAN: Final = "kind = 'usulan' AND closed_at IS NULL"
# "Hapus data saya" asked and not yet done: the staff's list of erasures (migration 0021).
ERASURE_WAITING: Final = "erasure_requested_at IS NOT NULL AND erased_at IS NULL"
# Answers the staff queue and digests filter on in SQL, kept readable beside the sealed
# whole: a place inside a village (dusun, RT, RW), which names no one.
CLEAR_ANSWERS: Final = ("dusun", "rt", "rw", "subject_dusun", "subject_rt", "subject_rw")


def _nik_of(context: Any) -> Any:
    # A Core INSERT that leaves the keyed hash out (bulk loads): hash the NIK it inserts.
    return context.get_current_parameters().get("nik")


def _subject_nik_of(context: Any) -> Any:
    return context.get_current_parameters().get("subject_nik")


def household_number(answers: Any) -> str | None:
    """The phone a proposer gave for the household proposed ("+6281234567890" in the
    answers), as WhatsApp and SMS name that chat ("6281234567890"); None without one."""
    phone = answers.get("household_phone") if isinstance(answers, dict) else None
    return (str(phone).lstrip("+") or None) if phone else None


def _chat_of(context: Any) -> Any:
    # A Core INSERT that leaves the sealed copy out (bulk loads): seal the chat id it inserts.
    return context.get_current_parameters().get("chat_id") or ""


class Request(SQLModel, table=True):
    """One usulan or sanggahan. It is open while `closed_at` is null.

    `nik` is the proposed person (usulan) or the objector (sanggahan); `subject_*` is the
    person objected to. Status names beyond the first belong to the regional workflow.
    NIK, KK, names and answers are sealed at rest (`models.sealed`); the `*_lookup` columns
    hold the NIKs' keyed hashes, set on every write from the NIK (`_set_lookups`): compare
    them with a NIK in clear (`Request.nik_lookup == nik`). `chat_id` is the chat's keyed
    hash (a WhatsApp or SMS chat id is a phone number): it finds a chat's requests
    (`Request.chat_id == chat_id`, hashed on bind) and reads back as the hash; the id to tell
    the citizen at is `reply_to`, sealed (copied from `chat_id` when a request is added).
    """

    __tablename__ = "request"
    __table_args__ = (
        Index("ix_request_channel_chat_id", "channel", "chat_id"),
        # "Requests in this kecamatan/kabupaten": village_code LIKE '32.04.05.%' on
        # PostgreSQL under any collation (migration 0004, staff queue and digests).
        Index(
            "ix_request_village_code_prefix",
            "village_code",
            postgresql_ops={"village_code": "varchar_pattern_ops"},
        ),
        # One open usulan per proposed person, decided by the database: two chats filing
        # the same NIK at the same moment both pass the flow's check (migration 0006).
        Index(
            "uq_request_open_usulan_nik",
            "nik_lookup",
            unique=True,
            sqlite_where=text(OPEN_USULAN),
            postgresql_where=text(OPEN_USULAN),
        ),
        Index(
            "ix_request_erasure_waiting",
            "erasure_requested_at",
            sqlite_where=text(ERASURE_WAITING),
            postgresql_where=text(ERASURE_WAITING),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket: str = Field(max_length=16, unique=True, index=True)  # normalised: "U7KQ4M9"
    kind: str = Field(max_length=16)
    subtype: str = Field(max_length=32)
    status: str = Field(default=INITIAL_STATUS, max_length=64)
    channel: str = Field(max_length=32)
    chat_id: str = Field(sa_type=LookupDigest())  # keyed hash: finds this chat's requests
    # The chat to send its notices to, sealed; emptied with the rest when anonymised.
    reply_to: str = Field(
        default="", sa_type=SealedText("request.reply_to"), sa_column_kwargs={"default": _chat_of}
    )
    village_code: str = Field(max_length=32, index=True)  # dotted desa code "32.04.01.2001"
    nik: str = Field(sa_type=SealedText("request.nik"))
    nik_lookup: str = Field(
        default="", sa_type=LookupDigest(), index=True, sa_column_kwargs={"default": _nik_of}
    )
    kk: str | None = Field(default=None, sa_type=SealedText("request.kk"))
    name: str = Field(sa_type=SealedText("request.name"))
    subject_nik: str | None = Field(default=None, sa_type=SealedText("request.subject_nik"))
    subject_nik_lookup: str | None = Field(
        default=None,
        sa_type=LookupDigest(),
        index=True,
        sa_column_kwargs={"default": _subject_nik_of},
    )
    subject_name: str | None = Field(default=None, sa_type=SealedText("request.subject_name"))
    answers: dict[str, Any] = Field(
        default_factory=dict, sa_type=SealedJSON("request.answers", clear=CLEAR_ANSWERS)
    )
    # The keyed hash of the household's own phone, for a household proposed on its behalf
    # (`household_number`): its WhatsApp or SMS chat finds the request (migration 0026).
    household_lookup: str | None = Field(default=None, sa_type=LookupDigest(), index=True)
    flags: list[str] = Field(default_factory=list, sa_type=JSON)
    language: str = Field(max_length=8)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # "Hapus data saya" (UU 27/2022): when the citizen asked staff to erase it, and when
    # staff did (migration 0021). Asked and not yet erased: in the staff's erasure list.
    erasure_requested_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class HouseholdMember(SQLModel, table=True):
    __tablename__ = "household_member"
    __table_args__ = (UniqueConstraint("request_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    # Members are part of the request: they go when it goes. No separate index on
    # request_id: the unique (request_id, position) index already starts with it.
    request_id: int = Field(foreign_key="request.id", ondelete="CASCADE")
    position: int
    nik: str | None = Field(default=None, sa_type=SealedText("household_member.nik"))
    nik_lookup: str | None = Field(
        default=None, sa_type=LookupDigest(), index=True, sa_column_kwargs={"default": _nik_of}
    )
    name: str = Field(sa_type=SealedText("household_member.name"))
    relationship: str = Field(max_length=64)
    # From the NIK when there is one, else as the citizen said: the BNBA's member rows.
    sex: str | None = Field(default=None, sa_type=SealedText("household_member.sex"))
    birth_date: date | None = Field(default=None, sa_type=SealedDate("household_member.birth_date"))
    # Optional (the citizen said there is something to tell): empty means not given.
    occupation: str | None = Field(default=None, sa_type=SealedText("household_member.occupation"))
    disability: bool | None = Field(default=None, sa_type=SealedBool("household_member.disability"))
    birth_place: str | None = Field(
        default=None, sa_type=SealedText("household_member.birth_place")
    )
    mother_name: str | None = Field(
        default=None, sa_type=SealedText("household_member.mother_name")
    )


class Proposer(SQLModel, table=True):
    """Who proposed a household in their own capacity (Permensos 3/2021 Pasal 5: RT/RW,
    kepala dusun, the lurah or kepala desa, PSKS): their own NIK, name and phone, kept
    apart from the household proposed (the request's `nik`, `name`, members). The request's
    chat is theirs; the household's own phone, when given, is in the request's answers.
    Sealed at rest like every NIK and name; `nik_lookup` finds a proposer by NIK."""

    __tablename__ = "proposer"

    id: int | None = Field(default=None, primary_key=True)
    # One proposer per request; it goes when the request goes.
    request_id: int = Field(foreign_key="request.id", ondelete="CASCADE", unique=True)
    capacity: str = Field(max_length=32)  # conversations/kinds.py PROPOSER_CAPACITIES
    nik: str = Field(sa_type=SealedText("proposer.nik"))
    nik_lookup: str = Field(
        default="", sa_type=LookupDigest(), index=True, sa_column_kwargs={"default": _nik_of}
    )
    name: str = Field(sa_type=SealedText("proposer.name"))
    phone: str | None = Field(default=None, sa_type=SealedText("proposer.phone"))


def _set_lookups(target: Request | HouseholdMember | Proposer) -> None:
    """The keyed hash follows the NIK it stands for (hashed by `LookupDigest` on write)."""
    changed = inspect(target).attrs
    if changed.nik.history.has_changes() or not target.nik_lookup:
        target.nik_lookup = target.nik or ("" if isinstance(target, Request | Proposer) else None)
    if isinstance(target, Request) and (
        changed.subject_nik.history.has_changes() or not target.subject_nik_lookup
    ):
        target.subject_nik_lookup = target.subject_nik or None
    if isinstance(target, Request) and (
        changed.answers.history.has_changes() or target.household_lookup is None
    ):
        # Anonymised (answers emptied): the household's chat no longer finds it.
        target.household_lookup = household_number(target.answers)


for _table in (Request, HouseholdMember, Proposer):
    event.listen(_table, "before_insert", lambda _m, _c, target: _set_lookups(target))
    event.listen(_table, "before_update", lambda _m, _c, target: _set_lookups(target))


class Attachment(SQLModel, table=True):
    """A stored photo. Unlinked (`request_id` null) until the request it belongs to is filed."""

    __tablename__ = "attachment"

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=64, unique=True, index=True)
    # No cascade: deleting a request must delete its photo files first, so the database
    # refuses to drop rows whose blobs would be orphaned.
    request_id: int | None = Field(default=None, foreign_key="request.id", index=True)
    purpose: str | None = Field(default=None, max_length=32)
    content_type: str = Field(max_length=64)
    size: int
    sha256: str = Field(max_length=64)
    channel: str = Field(max_length=32)
    chat_id: str = Field(sa_type=LookupDigest())  # only compared ("this chat's photos"): hashed
    created_at: datetime = Field(sa_type=UTCDateTime)


class StatusChange(SQLModel, table=True):
    __tablename__ = "status_change"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="request.id", ondelete="CASCADE", index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    actor: str = Field(max_length=128)  # "citizen:telegram", "staff:<id>", "system"
    from_status: str | None = Field(default=None, max_length=64)
    to_status: str = Field(max_length=64)
    # Staff's words on the move (a rejection's reason, the citizen's circumstances): sealed.
    note: str | None = Field(default=None, sa_type=SealedText("status_change.note"))


class ConsentRecord(SQLModel, table=True):
    """Proof of consent (UU 27/2022): which text, in which language, when, for what."""

    __tablename__ = "consent_record"
    __table_args__ = (Index("ix_consent_record_channel_chat_id", "channel", "chat_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32)
    chat_id: str = Field(sa_type=LookupDigest())  # only compared ("this chat's consents"): hashed
    purpose: str = Field(max_length=16)  # "usulan" | "sanggahan": one purpose per consent
    text_version: str = Field(max_length=64)
    language: str = Field(max_length=8)
    given_at: datetime = Field(sa_type=UTCDateTime)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The proof outlives a deleted request.
    request_id: int | None = Field(
        default=None, foreign_key="request.id", ondelete="SET NULL", index=True
    )


class ProcessedMessage(SQLModel, table=True):
    """A provider delivery already handled, with what it produced, so a retry is answered
    the same way and applied once. `state` can hold personal data: purge old rows."""

    __tablename__ = "processed_message"
    # The sender is part of the key (see `models.dedup`; migration 0007).
    __table_args__ = (UniqueConstraint("channel", "chat_id", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32)
    message_id: str = Field(max_length=255)
    # Only ever compared (a WhatsApp or SMS chat id is a phone number): its keyed hash,
    # bound from the chat id in clear (`ProcessedMessage.chat_id == chat_id`).
    chat_id: str = Field(sa_type=LookupDigest())
    processed_at: datetime = Field(sa_type=UTCDateTime, index=True)
    # Sealed (the replies repeat the summary: names, address, phone; the state the draft).
    replies: list[Any] = Field(
        default_factory=list, sa_type=SealedJSON("processed_message.replies")
    )
    # none_as_null: Python None is SQL NULL, not the JSON text 'null'.
    state: dict[str, Any] | None = Field(
        default=None, sa_type=SealedJSON("processed_message.state", none_as_null=True)
    )


class LookupAttempt(SQLModel, table=True):
    """A status look-up by a chat, kept to slow down ticket guessing."""

    __tablename__ = "lookup_attempt"
    # chat_key first: serves "this chat's attempts since T" and lookups by chat alone.
    __table_args__ = (Index("ix_lookup_attempt_chat_key_at", "chat_key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_key: str = Field(sa_type=LookupDigest())  # keyed hash of "channel:chat id"
    at: datetime = Field(sa_type=UTCDateTime)
    succeeded: bool


class Conversation(SQLModel, table=True):
    """The SQL conversation-state store's rows (see `conversation_store`), and with Redis
    the durable copy of every draft (`chat_snapshot`). `data` is sealed: it holds the
    draft's answers (NIK, KK, names, phone)."""

    __tablename__ = "conversation"

    # The keyed hash of the chat's key ("whatsapp:+62…" is a phone number), bound from the
    # key in clear: `Conversation.key == "telegram:12345"` finds it.
    key: str = Field(primary_key=True, sa_type=LookupDigest())
    data: dict[str, Any] = Field(sa_type=SealedJSON("conversation.data"))
    updated_at: datetime = Field(sa_type=UTCDateTime, index=True)  # for purge


class ChatContact(SQLModel, table=True):
    """What a channel knows about one chat: when the citizen last wrote (WhatsApp allows
    free-form messages only within 24 hours of that) and whether the chat can be reached."""

    __tablename__ = "chat_contact"
    __table_args__ = (UniqueConstraint("channel", "chat_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32)
    chat_id: str = Field(sa_type=LookupDigest())  # only compared: its keyed hash
    last_inbound_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Set when the provider says the chat cannot be reached (blocked the bot, bad number);
    # cleared when the citizen writes again.
    unreachable_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    unreachable_reason: str | None = Field(default=None, max_length=255)


OUTBOUND_PATHS: Final = ("reply", "free_form", "template", "waiting")
OUTBOUND_STATUSES: Final = (
    "waiting",
    "queued",
    "sent",
    "delivered",
    "read",
    "failed",
    "undelivered",
)


class OutboundMessage(SQLModel, table=True):
    """A message the bot sent or must send outside a reply: which path it took (free-form,
    an approved template, or waiting for the citizen to write), and what became of it."""

    __tablename__ = "outbound_message"
    __table_args__ = (
        UniqueConstraint("channel", "provider_message_id"),
        Index("ix_outbound_message_channel_chat_id_status", "channel", "chat_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32)
    chat_id: str = Field(sa_type=LookupDigest())  # only compared: its keyed hash
    kind: str = Field(max_length=64)  # "reply", or a notification kind ("status_changed")
    path: str = Field(max_length=16)  # one of OUTBOUND_PATHS
    status: str = Field(max_length=16)  # one of OUTBOUND_STATUSES
    provider_message_id: str | None = Field(default=None, max_length=255)
    template: str | None = Field(default=None, max_length=255)
    # Kept only while waiting to be sent; cleared once it is out (it may be personal):
    # sealed meanwhile.
    body: str | None = Field(default=None, sa_type=SealedText("outbound_message.body"))
    variables: dict[str, Any] | None = Field(
        default=None, sa_type=SealedJSON("outbound_message.variables", none_as_null=True)
    )
    error_code: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


STAFF_ROLES: Final = (
    "village_operator",
    "village_head",
    "siks_operator",  # the village's SIKS-NG operator (Kapuas Hulu circular, point 6c)
    "tksk",  # Tenaga Kesejahteraan Sosial Kecamatan
    "pendamping_pkh",  # PKH facilitator
    "kecamatan",
    "dinsos_verifier",
    "dinsos_head",
    "admin",
)


class StaffAccount(SQLModel, table=True):
    """A member of village, kecamatan or Dinas Sosial staff (or an administrator)."""

    __tablename__ = "staff_account"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(max_length=128)
    role: str = Field(max_length=32)  # one of STAFF_ROLES
    # argon2id; None until a password is set (login by one-time link only).
    password_hash: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(sa_type=UTCDateTime)
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_digest_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class StaffArea(SQLModel, table=True):
    """An area a staff member acts on: a desa (4 parts), kecamatan (3) or kabupaten (2)."""

    __tablename__ = "staff_area"
    __table_args__ = (UniqueConstraint("staff_id", "area_code"),)

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff_account.id", ondelete="CASCADE")
    area_code: str = Field(max_length=32, index=True)


class StaffChat(SQLModel, table=True):
    """A Telegram or WhatsApp chat through which the bot recognises a staff member.

    `chat_id` is the chat's keyed hash (a WhatsApp chat id is the staff member's phone
    number), which recognises the chat; digests and sign-in links go to `recipient`, the id
    sealed (copied from `chat_id` when a link is added)."""

    __tablename__ = "staff_chat"
    __table_args__ = (UniqueConstraint("channel", "chat_id"),)

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff_account.id", ondelete="CASCADE", index=True)
    channel: str = Field(max_length=32)
    chat_id: str = Field(sa_type=LookupDigest())
    recipient: str = Field(
        default="",
        sa_type=SealedText("staff_chat.recipient"),
        sa_column_kwargs={"default": _chat_of},
    )
    linked_at: datetime = Field(sa_type=UTCDateTime)


def _set_sealed_chat(target: Request | StaffChat) -> None:
    """A new row keeps the id it was given in clear as its sealed copy (`chat_id` itself
    is written as its keyed hash)."""
    if isinstance(target, Request):
        target.reply_to = target.reply_to or target.chat_id
    else:
        target.recipient = target.recipient or target.chat_id


for _with_copy in (Request, StaffChat):
    event.listen(_with_copy, "before_insert", lambda _m, _c, target: _set_sealed_chat(target))


class AccessLog(SQLModel, table=True):
    """Who tried to see or do what, and whether it was allowed (refusals are kept too)."""

    __tablename__ = "access_log"

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int | None = Field(default=None, index=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    action: str = Field(max_length=64)
    target: str = Field(max_length=128)
    allowed: bool
    detail: str | None = Field(default=None, max_length=255)


class Musyawarah(SQLModel, table=True):
    """A village deliberation (musyawarah desa/kelurahan) and its minutes."""

    __tablename__ = "musyawarah"

    id: int | None = Field(default=None, primary_key=True)
    village_code: str = Field(max_length=32, index=True)
    held_on: datetime = Field(sa_type=UTCDateTime)
    place: str = Field(max_length=255)
    status: str = Field(default="planned", max_length=16)  # planned | closed
    berita_acara_number: str | None = Field(default=None, max_length=128)
    berita_acara_date: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attendance: list[str] = Field(default_factory=list, sa_type=JSON)
    minutes_ref: str | None = Field(default=None, max_length=64)  # the signed minutes' file
    created_by: int | None = Field(default=None)
    created_at: datetime = Field(sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class MusyawarahItem(SQLModel, table=True):
    """A request on a musyawarah's agenda, with the meeting's decision once taken."""

    __tablename__ = "musyawarah_item"
    __table_args__ = (UniqueConstraint("musyawarah_id", "request_id"),)

    id: int | None = Field(default=None, primary_key=True)
    musyawarah_id: int = Field(foreign_key="musyawarah.id", ondelete="CASCADE", index=True)
    request_id: int = Field(foreign_key="request.id", ondelete="CASCADE", index=True)
    position: int
    decision: str | None = Field(default=None, max_length=16)  # layak | tidak_layak
    # The meeting's reason, read by the citizen (it may describe the household): sealed.
    note: str | None = Field(default=None, sa_type=SealedText("musyawarah_item.note"))


class TransitionDocument(SQLModel, table=True):
    """A document a workflow move needs (Berita Acara, SPTJM, SK Wali Kota, surat
    pengesahan, the penetapan...): recorded once, with its number, date and file, for a
    whole batch of requests (`RequestDocument` links it to each)."""

    __tablename__ = "transition_document"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=48)  # the workflow's document id: "sk_walikota"
    number: str = Field(max_length=128)
    issued_on: date
    file_ref: str | None = Field(default=None, max_length=64)  # in the minutes store
    note: str | None = Field(default=None, max_length=500)
    area_code: str = Field(max_length=32, index=True)
    # The penetapan's month ("2026-03"); None for other documents.
    period: str | None = Field(default=None, max_length=7)
    musyawarah_id: int | None = Field(default=None, index=True)
    recorded_by: int | None = Field(default=None)
    recorded_at: datetime = Field(sa_type=UTCDateTime)


class RequestDocument(SQLModel, table=True):
    """A document recorded with one of a request's moves: shown in its timeline."""

    __tablename__ = "request_document"
    __table_args__ = (UniqueConstraint("request_id", "document_id"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="request.id", ondelete="CASCADE", index=True)
    document_id: int = Field(foreign_key="transition_document.id", ondelete="CASCADE", index=True)
    status_change_id: int | None = Field(default=None)


class ExportLog(SQLModel, table=True):
    """A by-name-by-address export: who, when, what, how many rows (it holds personal data)."""

    __tablename__ = "export_log"

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int | None = Field(default=None)  # None: from the command line
    at: datetime = Field(sa_type=UTCDateTime)
    area_code: str = Field(max_length=32)
    musyawarah_id: int | None = Field(default=None)
    file_format: str = Field(max_length=8)  # xlsx | csv
    rows: int
    # Whose list (staff/bnba.py LISTS): "bnba" (usulan) or "sanggahan".
    list_name: str = Field(default="bnba", max_length=16)
    # Asked to include requests whose citizen withdrew consent (left out by default).
    withdrawn_included: bool = False


class OutboxNotification(SQLModel, table=True):
    """The outbox: every message the bot sends, replies and notifications alike, one row
    each with its own delivery state (see `staff.outbox`). A reply is written in the
    transaction of the message it answers, a notification in that of the change it tells
    about: none is lost (it is stored first) or sent twice (it is claimed). The table keeps
    its first name; it has held replies too since migration 0009."""

    __tablename__ = "outbox_notification"
    __table_args__ = (
        Index("ix_outbox_notification_status_due_at", "status", "due_at"),
        # One chat's unsent rows, in order (per-chat ordering, the replay of a delivery).
        Index("ix_outbox_notification_chat", "channel", "chat_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32)
    # The chat's keyed hash (a WhatsApp or SMS chat id is a phone number): what keeps one
    # chat's rows in order and finds them (bound in clear, hashed by the type). The id to
    # send to is `recipient`, sealed, forgotten once sent like the text.
    chat_id: str = Field(sa_type=LookupDigest())
    recipient: str = Field(default="", sa_type=SealedText("outbox_notification.recipient"))
    kind: str = Field(max_length=64)  # "reply", or a notification kind ("status_changed")
    # Sealed until sent (then emptied): replies and notices name people, tickets, reasons.
    text: str = Field(sa_type=SealedText("outbox_notification.text"))
    variables: dict[str, Any] = Field(
        default_factory=dict, sa_type=SealedJSON("outbox_notification.variables")
    )
    request_id: int | None = Field(default=None, index=True)
    # pending | sending | waiting | answered | sent | dead (see staff.outbox)
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    due_at: datetime = Field(sa_type=UTCDateTime)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    path: str | None = Field(default=None, max_length=16)
    last_error: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # A reply: the provider's id of the message it answers, its place among that message's
    # replies, the engine's reply beyond its text (choices, expects), and the language.
    delivery: str | None = Field(default=None, max_length=255)
    position: int = 0
    reply: dict[str, Any] | None = Field(
        default=None, sa_type=SealedJSON("outbox_notification.reply", none_as_null=True)
    )
    language: str = Field(default="id", max_length=8)


class ProcessKeys(SQLModel, table=True):
    """A running `serve` or `worker` process and the key versions it holds, refreshed on a
    heartbeat (`models.process_keys`): `dtsen-bot keys rotate` and `retire` refuse while
    a live process lacks the newest version (it could not open what they re-seal)."""

    __tablename__ = "process_keys"

    id: str = Field(primary_key=True, max_length=200)  # "<host>:<pid>"
    host: str = Field(max_length=190)
    pid: int
    role: str = Field(max_length=16)  # "serve" | "worker"
    started_at: datetime = Field(sa_type=UTCDateTime)
    seen_at: datetime = Field(sa_type=UTCDateTime, index=True)
    versions: str = Field(max_length=255)  # "1,2": the encryption key versions it holds
