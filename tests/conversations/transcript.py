"""Drive the engine like a citizen, with an in-memory stand-in for the service's effects.

The stand-in keeps requests in a list; the real service (tests/bot) does the same against
SQLite and PostgreSQL. Here the subject is the conversation itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from conversations import effects
from conversations.engine import Script, advance
from conversations.flow import EngineConfig
from conversations.flows import FLOWS
from conversations.state import ConversationState
from conversations.types import Effect, EffectResult, Incoming, Location, PhotoRef, Reply
from conversations.validators import default_regions

START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 09:00 in Jakarta

# Real-shaped numbers built on kecamatan 32.04.05 (Cileunyi, Kabupaten Bandung).
NIK_MAN = "3204051708850001"  # born 17-08-1985
NIK_WOMAN = "3204055708850002"  # born 17-08-1985, day + 40
NIK_CHILD = "3204050203150003"  # born 02-03-2015
KK = "3204050101200003"  # issued 01-01-2020


@dataclass
class FakeRegister:
    """What the service would store, kept in memory."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    seen: list[Effect] = field(default_factory=list)
    chat: str = "chat-1"

    def run(self, effect: Effect) -> EffectResult:
        self.seen.append(effect)
        payload = effect.payload
        if effect.kind == effects.FIND_OPEN_USULAN:
            found = [
                r for r in self.requests if r["kind"] == "usulan" and r["nik"] == payload["nik"]
            ]
            ticket = found[0]["ticket"] if found else None
            own = bool(found) and found[0]["chat"] == self.chat
            return EffectResult(effect.kind, {"ticket": ticket, "status": "diterima", "own": own})
        if effect.kind == effects.SUBMIT_REQUEST:
            if payload["kind"] == "usulan" and any(
                r["kind"] == "usulan" and r["nik"] == payload["nik"] for r in self.requests
            ):
                return EffectResult(effect.kind, {"error": "nik_has_open_usulan"})
            prefix = "U" if payload["kind"] == "usulan" else "S"
            ticket = prefix + "ABCDE" + "23456789"[len(self.requests)]
            self.requests.append({**payload, "ticket": ticket, "chat": self.chat})
            return EffectResult(effect.kind, {"ticket": ticket, "status": "diterima"})
        if effect.kind == effects.LIST_MY_REQUESTS:
            mine = [self.describe(r) for r in self.requests if r["chat"] == self.chat]
            return EffectResult(effect.kind, {"requests": mine})
        if effect.kind == effects.LOOKUP_STATUS:
            return EffectResult(effect.kind, self.lookup(payload))
        if effect.kind == effects.WITHDRAW_CONSENT:
            mine = [r for r in self.requests if r["chat"] == self.chat]
            return EffectResult(effect.kind, {"withdrawn": len(mine)})
        raise AssertionError(f"unexpected effect {effect.kind}")

    def describe(self, request: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "ticket": request["ticket"],
            "kind": request["kind"],
            "status": "diterima",
            "created_at": START.isoformat(),
            "updated_at": START.isoformat(),
            "village": "Cinunuk, Kec. Cileunyi, Kabupaten Bandung",
            "history": [{"at": START.isoformat(), "status": "diterima", "note": None}],
        }

    def lookup(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        found = [r for r in self.requests if r["ticket"] == payload["ticket"]]
        if not found:
            return {"outcome": "not_found"}
        request = found[0]
        if request["chat"] == self.chat:
            described = self.describe(request)
            return {"outcome": "own", "request": described, "history": described["history"]}
        if "nik" not in payload:
            return {"outcome": "need_nik"}
        if payload["nik"] != request["nik"]:
            return {"outcome": "nik_mismatch"}
        described = self.describe(request)
        return {"outcome": "verified", "request": described}


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
    ("budi santoso", "lahir"),
    ("Bandung", "Tanggal lahir"),
    ("17-08-1985", "ibu kandung"),
    ("Siti Aminah", "kepala keluarga"),
    ("1", "perkawinan"),
    ("kawin", "Pekerjaan"),
    ("buruh", "desa/kelurahan"),
    ("cinunuk", "Pilih desa/kelurahan"),
    ("1", "dusun"),
    ("lewati", "RT"),
    ("3", "RW"),
    ("05", "Alamat"),
    ("Jl. Melati Gg. 2", "Berapa orang"),
    ("3", "anggota keluarga yang lain sekarang"),
    ("ya", "Anggota keluarga 1 dari 2"),
    (NIK_WOMAN, "nama lengkap"),
    ("Sri Wahyuni", "hubungannya"),
    ("istri", "Anggota keluarga 2 dari 2"),
    ("lewati", "nama lengkap"),
    ("Rina", "hubungannya"),
    ("3", "Lantai"),
    ("1", "Dinding"),
    ("bambu", "Atap"),
    ("seng", "air minum"),
    ("2", "penerangan"),
    ("pln 450", "memasak"),
    ("kayu bakar", "WC"),
    ("tidak ada wc", "kondisi"),
    ("2 4", "Bantuan apa"),
    ("1, 2", "foto KTP"),
]


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
    return str(register.requests[-1]["ticket"])
