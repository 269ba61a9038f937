"""Golden conversations: every flow told in full, in Indonesian and English.

Each scenario drives the engine (with the in-memory register of transcript.py) the way a
citizen would, and is written out as text: every citizen message and every whole bot reply,
with its buttons. tests/conversations/test_golden.py compares them with the files in
tests/conversations/golden/, whole; `UPDATE_GOLDEN=1 pytest tests/conversations/test_golden.py`
writes them again after a wanted change, so a reviewer reads the new conversation in the diff.

Scenarios press buttons by their id (the same in both languages) and type what a citizen
types, in the language of the run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from conversations.catalogue import Language
from conversations.effects import PhotoRead
from conversations.flow import EngineConfig
from conversations.types import Incoming, Location, PhotoRef, Reply
from tests.conversations.transcript import (
    KK,
    KTP_READ,
    NIK_CHILD,
    NIK_MAN,
    NIK_WOMAN,
    Chat,
    FakeRegister,
    file_usulan,
)

CINUNUK = "32.04.05.2004"
NIK_SON = "3204051203180004"  # born 12-03-2018


@dataclass
class Recorder:
    """A chat that writes down everything said, in the order it was said."""

    language: Language
    chat: Chat = field(default_factory=Chat)
    lines: list[str] = field(default_factory=list)
    # Citizen messages since the flow was chosen in the menu (for the turn counts).
    counted: list[str] = field(default_factory=list)
    counting: bool = False
    # Every bot reply, for the length check.
    replies: list[Reply] = field(default_factory=list)

    def start(self) -> None:
        self.say("menu")
        if self.language == "en":
            self.say("English")

    def begin_count(self) -> None:
        self.counting, self.counted = True, []

    def say(self, text: str) -> None:
        self._citizen("» " + text.replace("\n", "\n  "))
        self._bot(self.chat.send(Incoming(now=self._tick(), text=text)))

    def press(self, choice_id: str) -> None:
        for reply in reversed(self.chat.replies):
            for choice in reply.choices:
                if choice.id == choice_id:
                    self._citizen(f"» [{choice.label}]")
                    self._bot(self.chat.send(Incoming(now=self._tick(), choice=choice.id)))
                    return
        shown = [c.id for r in self.chat.replies for c in r.choices]
        raise AssertionError(f"no button {choice_id!r} in {shown}")

    def photo(self, ref: str) -> None:
        self._citizen(f"» (foto: {ref})")
        photo = PhotoRef(ref, "image/jpeg", 1234)
        self._bot(self.chat.send(Incoming(now=self._tick(), photo=photo)))

    def location(self, lat: float = -6.93, lon: float = 107.72) -> None:
        self._citizen(f"» (lokasi: {lat}, {lon})")
        self._bot(self.chat.send(Incoming(now=self._tick(), location=Location(lat, lon))))

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"

    def _tick(self) -> object:
        self.chat.now += timedelta(seconds=20)
        return self.chat.now

    def _citizen(self, line: str) -> None:
        if self.counting:
            self.counted.append(line)
        self.lines += ["", line]

    def _bot(self, replies: list[Reply]) -> None:
        self.replies += replies
        for reply in replies:
            self.lines.append("« " + reply.text.replace("\n", "\n  "))
            for number, choice in enumerate(reply.choices, start=1):
                mark = f"{number}." if reply.numbered else "-"
                self.lines.append(f"    {mark} [{choice.label}]")


Words = dict[str, str]
WORDS: dict[Language, Words] = {
    "id": {
        "none": "tidak ada",
        "dont_know": "ga tau",
        "skip": "lewati",
        "yes": "ya",
        "no": "tidak",
        "send": "kirim",
        "edit_address": "ubah alamat",
        "reason": "Rumahnya bertingkat dan punya dua mobil.",
        "wrong_member": "Sudah pindah ke Surabaya sejak 2023.",
    },
    "en": {
        "none": "none",
        "dont_know": "don't know",
        "skip": "skip",
        "yes": "yes",
        "no": "no",
        "send": "send",
        "edit_address": "change address",
        "reason": "The house has two floors and two cars.",
        "wrong_member": "Moved to Surabaya in 2023.",
    },
}


def _usulan_start(r: Recorder, name_with_nik: bool = True) -> None:
    r.start()
    r.begin_count()
    r.press("menu=usulan")
    r.press("consent=yes")
    r.press("for_whom=self")
    r.say(f"{NIK_MAN} Budi Santoso" if name_with_nik else NIK_MAN)


def _members_bnba(r: Recorder) -> None:
    """Sri Wahyuni, Rina and Andi (NIKs given: sex and birth date read from them): each
    one's relationship, then the BNBA's birth place and mother's name."""
    for i, (relationship, place, mother) in enumerate(
        (
            ("istri_suami", "Garut", "Enok Suryani"),
            ("anak", "Bandung", "Sri Wahyuni"),
            ("anak", "Bandung", "Sri Wahyuni"),
        )
    ):
        r.press(f"members.{i}.relationship={relationship}")
        r.say(place)
        r.say(mother)


def usulan(r: Recorder) -> None:
    """A household of four, answered with buttons wherever there are buttons."""
    _usulan_start(r)
    r.say(KK)
    r.say("Bandung, 17-08-1985")
    r.say("Siti Aminah")
    r.press("marital=kawin")
    r.press("occupation=buruh")
    r.press(f"village={CINUNUK}")
    r.say("Jl. Melati Gg. 2, Dusun Cempaka")
    r.say("003/007")
    r.say(f"{NIK_WOMAN} Sri Wahyuni\n{NIK_CHILD} Rina\n{NIK_SON} Andi")
    r.press("relationship=kepala_keluarga")
    _members_bnba(r)
    for key, value in (
        ("floor", "semen"),
        ("wall", "tembok_kasar"),
        ("roof", "seng"),
        ("water", "sumur_terlindung"),
        ("lighting", "pln_450"),
        ("fuel", "lpg_3kg"),
        ("toilet", "sendiri"),
    ):
        r.press(f"{key}={value}")
    r.press("conditions=lansia")
    r.press("conditions=__done__")
    r.press("members_details=no")
    r.press("programmes=pkh")
    r.press("programmes=bpnt")
    r.press("programmes=__done__")
    r.photo("ktp-1")
    r.photo("rumah-1")
    r.location()
    r.say("0812 3456 7890")
    r.press("__summary__=send")


def usulan_rt(r: Recorder) -> None:
    """An RT head proposes a household of two in that capacity (Permensos 3/2021 Pasal 5):
    their own NIK, name and phone first, then the household's, and its own phone."""
    r.start()
    r.begin_count()
    r.press("menu=usulan")
    r.press("consent=yes")
    r.press("for_whom=rt_rw")
    r.say("3204051010700005 Ahmad Fauzi")
    r.say("0812 1111 2222")
    r.say(f"{NIK_MAN} Budi Santoso")
    r.say(KK)
    r.say("Bandung, 17-08-1985")
    r.say("Siti Aminah")
    r.press("marital=kawin")
    r.press("occupation=buruh")
    r.press(f"village={CINUNUK}")
    r.say("Jl. Melati Gg. 2, Dusun Cempaka")
    r.say("003/007")
    r.say(f"{NIK_WOMAN} Sri Wahyuni")
    r.press("relationship=kepala_keluarga")
    r.press("members.0.relationship=istri_suami")
    r.say("Garut")
    r.say(WORDS[r.language]["dont_know"])
    for key, value in (
        ("floor", "tanah"),
        ("wall", "bambu"),
        ("roof", "seng"),
        ("water", "sumur_terbuka"),
        ("lighting", "pln_450"),
        ("fuel", "kayu"),
        ("toilet", "umum"),
    ):
        r.press(f"{key}={value}")
    r.press("conditions=lansia")
    r.press("conditions=__done__")
    r.press("members_details=no")
    r.press("programmes=belum_tahu")
    r.photo("ktp-1")
    r.press("photo_house=__skip__")
    r.say("0813 5555 6666")
    r.press("__summary__=send")


def usulan_sendiri(r: Recorder) -> None:
    """Someone living alone, every optional step skipped."""
    words = WORDS[r.language]
    _usulan_start(r)
    r.say(KK)
    r.say("Garut, 17-08-1985")
    r.say("Siti Aminah")
    r.press("marital=cerai_mati")
    r.press("occupation=tidak_bekerja")
    r.press(f"village={CINUNUK}")
    r.say("Kp. Sukasari RT 001 RW 004")
    r.say(words["none"])
    for key, value in (
        ("floor", "tanah"),
        ("wall", "bambu"),
        ("roof", "seng"),
        ("water", "sumur_terbuka"),
        ("lighting", "pln_450"),
        ("fuel", "kayu"),
        ("toilet", "umum"),
    ):
        r.press(f"{key}={value}")
    r.press("conditions=tidak_ada")
    r.press("programmes=belum_tahu")
    r.photo("ktp-1")
    r.press("photo_house=__skip__")
    r.say("081234567890")
    r.press("__summary__=send")


def usulan_ktp(r: Recorder) -> None:
    """A household of four whose KTP photo was read (issue 13): each group read from the
    card confirmed with one tap, multiple choices typed as numbers."""
    r.chat = Chat(
        FakeRegister(photos={"ktp-1": PhotoRead(KTP_READ)}), EngineConfig(reads_photos=True)
    )
    r.start()
    r.begin_count()
    r.press("menu=usulan")
    r.press("consent=yes")
    r.photo("ktp-1")
    r.press("for_whom=self")
    r.press("nik=card_yes")
    r.say(KK)
    r.press("name=card_yes")
    r.say("Siti Aminah")
    r.press("marital=card_yes")
    r.press("village=card_yes")
    r.say(f"{NIK_WOMAN} Sri Wahyuni\n{NIK_CHILD} Rina\n{NIK_SON} Andi")
    r.press("relationship=kepala_keluarga")
    _members_bnba(r)
    for key, value in (
        ("floor", "semen"),
        ("wall", "tembok_kasar"),
        ("roof", "seng"),
        ("water", "sumur_terlindung"),
        ("lighting", "pln_450"),
        ("fuel", "lpg_3kg"),
        ("toilet", "sendiri"),
    ):
        r.press(f"{key}={value}")
    r.say("2")
    r.press("members_details=no")
    r.say("1 2")
    r.photo("rumah-1")
    r.location()
    r.say("0812 3456 7890")
    r.press("__summary__=send")


def usulan_mistakes(r: Recorder) -> None:
    """What made citizens give up (issue 12), and what they are answered now."""
    words = WORDS[r.language]
    _usulan_start(r, name_with_nik=False)
    r.say(KK)
    r.say("Budi Santoso")  # the name, asked because only the NIK was typed
    r.say("Bandung")  # the date left out: the place is kept, the date asked alone
    r.say("18-08-1985")  # a date that is not the NIK's
    r.say("17 Agustus 1985")
    # A form is never lost: the menu offers to continue first, "1" continues it...
    r.say("menu")
    r.say("1")
    # ...and choosing the same service again continues it too, "Mulai dari awal" confirmed.
    r.say("menu")
    r.press("menu=usulan")
    r.press("draft=restart")
    r.press(f"restart={'no'}")
    r.say("Siti Aminah")
    r.say("KAWIN")
    r.say("buruh")
    r.say("Cinunuk, Kec. Cileunyi, Kabupaten Bandung")  # a listed village, typed in full
    r.say("Jl. Melati Gg. 2")
    r.say("3/0")  # RW 0 does not exist: the RT is kept, the RW asked alone
    r.say("7")
    r.say(f"{NIK_WOMAN} Sri Wahyuni\nRina")
    r.say("1")
    r.say("istri")
    r.say(words["dont_know"])  # her birth place: "ga tau" skips it
    r.say("Enok Suryani")
    r.say(words["dont_know"])  # "ketik lewati jika belum tahu": a don't-know skips
    r.say("perempuan" if r.language == "id" else "female")  # no NIK: sex and birth date
    r.say("02-03-2015")
    r.say("anak")
    r.say("Bandung")
    r.say(words["skip"])
    r.say("3")
    r.say("tembok")  # two walls fit: asked again with only those two
    r.say("tanpa plester")
    r.say("seng")
    r.say("sumur")  # three sources fit
    r.say("3")
    r.say("pln 450")
    r.say("gas 3 kg")  # two gas options fit
    r.say("1")
    r.say("ga ada wc" if r.language == "id" else "no toilet")
    r.press("conditions=lansia")  # buttons toggle...
    r.press("conditions=hamil")
    r.press("conditions=hamil")  # ...pressed again: not chosen
    r.press("conditions=__done__")
    r.say(words["no"])  # no occupation and disability for the members
    r.say(words["dont_know"])  # "Belum tahu" is an option here
    r.photo("ktp-1")
    r.say(words["skip"])
    r.say("0812 3456 7890")
    r.say(words["edit_address"])  # a section of the summary, by its name
    r.press("__summary__=field.1")
    r.say("Jl. Melati Gg. 3, Dusun Cempaka")
    r.say(words["send"])  # "kirim", the word on the button


def _sanggahan(objection: str, *, filed_before: bool = False) -> Callable[[Recorder], None]:
    def scenario(r: Recorder) -> None:
        words = WORDS[r.language]
        if filed_before:
            # This chat proposed itself earlier (not shown): its NIK and name are known.
            file_usulan(r.chat.register)
            r.chat.state = r.chat.state.idle()
        r.start()
        r.begin_count()
        r.press("menu=sanggahan")
        r.press("consent=yes")
        r.press(f"objection={objection}")
        r.say("cinunuk")
        r.press(f"village={CINUNUK}")
        if objection == "recipient_not_eligible":
            r.say("Hendra Gunawan")
            r.say(words["dont_know"])
            r.say("Dusun Cempaka")
            r.say("3")
            r.say(words["skip"])
            r.say("1 2")  # the aid that person receives: PKH and Sembako
            r.press("reason=sudah_mampu")
            r.say(words["reason"])
            r.photo("bukti-1")
            r.location()
        elif objection == "wrong_family_member":
            r.say("Rina")
            r.say(NIK_CHILD)
            r.say(words["skip"])
            r.say(words["skip"])
            r.say(words["skip"])
            r.press("reason=pindah")
            r.say(words["wrong_member"])
            r.say(words["skip"])
            r.say(words["skip"])
        else:
            r.say("Budi Santoso")
            r.say(NIK_MAN)
            r.say(words["skip"])
            r.say("3")
            r.say("7")
            # Not registered: an usulan, which goes on with what was typed (village, name,
            # NIK, RT/RW): after its own consent, the KK is the first question it asks.
            r.press("reason=tidak_terdaftar")
            r.press("consent=yes")
            r.press("for_whom=self")
            r.say(KK)
            r.say("Bandung, 17-08-1985")
            return
        if filed_before:
            r.press("objector_nik=__reuse__")  # one tap: the NIK and name given before
        else:
            r.say(NIK_WOMAN)
            r.say("Sri Wahyuni")
        r.press("__summary__=send")

    return scenario


def perbaikan(r: Recorder) -> None:
    """A member's data corrected: her NIK and name as on the KK, what is wrong, the right
    birth place and date (checked against her NIK), a photo of the KK, the filer."""
    words = WORDS[r.language]
    r.start()
    r.begin_count()
    r.press("menu=perbaikan")
    r.press("consent=yes")
    r.press("perbaikan_for=family_member")
    r.say(f"{NIK_WOMAN} Sri Wahyuni")
    r.say(KK)
    r.say("cinunuk")  # among the villages of her NIK's kecamatan: taken by its name
    r.say("Jl. Melati Gg. 2, Dusun Krajan")
    r.say("3/5")
    r.say("1 4")  # the name and the place/date of birth are wrong
    r.say("Bandung, 17-08-1985")
    r.say(words["dont_know"])  # how DTSEN has it now: not known
    r.photo("kk-1")
    r.say(f"{NIK_MAN} Budi Santoso")
    r.say("0812 3456 7890")
    r.press("__summary__=send")


def _perubahan_household(r: Recorder, change: str) -> None:
    r.start()
    r.begin_count()
    r.press("menu=perubahan")
    r.press("consent=yes")
    r.press(f"change={change}")
    r.say(KK)
    r.say("cinunuk")
    r.press(f"village={CINUNUK}")
    r.say("Sukamaju")
    r.say("2/5")


def perubahan_meninggal(r: Recorder) -> None:
    """A death in the household, without the surat kematian yet: a witness instead."""
    words = WORDS[r.language]
    _perubahan_household(r, "death")
    r.say("Siti Aminah")
    r.say(NIK_WOMAN)
    r.say("20-11-2026")
    r.say(words["skip"])  # no letter: the witness is asked
    r.say("Ahmad Fauzi")
    r.say("0812 3456 7890")
    r.say(f"{NIK_MAN} Budi Santoso")
    r.press("__summary__=send")


def perubahan_keluar(r: Recorder) -> None:
    """Leaving DTSEN (graduasi): the reason, what it means, a yes."""
    words = WORDS[r.language]
    _perubahan_household(r, "graduation")
    r.press("leave_reason=sudah_mampu")
    r.say(words["dont_know"])  # optional: a don't-know skips
    r.press("leave_confirm=yes")
    r.say(f"{NIK_MAN} Budi Santoso")
    r.press("__summary__=send")


def status(r: Recorder) -> None:
    """Cek status: this chat's requests, ticket typos, another chat's ticket, a ticket
    nobody has, a lock-out."""
    register = r.chat.register
    ticket = file_usulan(register)  # filed earlier from this chat (not shown)
    shown = f"{ticket[0]}-{ticket[1:]}"
    r.chat.state = r.chat.state.idle()
    r.start()
    r.press("menu=status")
    r.press("mode=mine")
    r.say(f"{ticket[0]}-{ticket[1:6]}0")  # 0 for the last character
    r.say(ticket[1:])  # without its letter: this chat's ticket
    r.say(shown.lower())
    # Another chat asks about it, without the letter too: the applicant's NIK first, then
    # the status only.
    r.chat.register = register.as_chat("chat-2")
    r.say("menu")
    r.say(ticket[1:])
    r.say(NIK_WOMAN)
    r.say(NIK_MAN)
    # A code nobody has: the same question and the same answer as another chat's ticket
    # with a wrong NIK (whether a ticket exists is not told); wrong NIKs count, until the
    # look-ups stop for an hour: no prompt after the lock-out.
    r.say("menu")
    r.say("U-7KQ4M9")
    for _ in range(4):
        r.say(NIK_MAN)
    r.say("menu")
    r.say("U-7KQ4ME")


def privacy(r: Recorder) -> None:
    words = WORDS[r.language]
    file_usulan(r.chat.register)
    r.chat.state = r.chat.state.idle()
    r.start()
    r.press("menu=privasi")
    r.press("action=mine")
    r.say("menu")
    r.press("menu=privasi")
    r.press("action=info")
    r.say("menu")
    r.press("menu=privasi")
    r.press("action=withdraw")
    r.say(words["no"])
    r.say("menu")
    r.press("menu=privasi")
    r.press("action=withdraw")
    r.say(words["yes"])


def rights(r: Recorder) -> None:
    """ "data saya" and "hapus data saya" typed in the middle of a form (UU 27/2022): the
    draft (masked) and what was filed, back to the question; the erasure asked, helped,
    refused with "tidak" and with "kembali", then confirmed; then from the privacy menu."""
    words = WORDS[r.language]
    my_data = "data saya" if r.language == "id" else "my data"
    erase = "hapus data saya" if r.language == "id" else "delete my data"
    help_word = "bantuan" if r.language == "id" else "help"
    back = "kembali" if r.language == "id" else "back"
    file_usulan(r.chat.register)  # an usulan filed earlier from this chat
    r.chat.state = r.chat.state.idle()
    r.start()
    r.press("menu=usulan")
    r.press("consent=yes")
    r.press("for_whom=self")
    r.say(NIK_WOMAN)
    r.say(KK)
    r.say(my_data)  # the draft and the filed usulan, then the same question again
    r.say(erase)
    r.say(help_word)
    r.say(words["no"])  # kept: back to the question
    r.say(erase)
    r.say(back)  # kept too
    r.say("Sri Wahyuni")
    r.say(erase)
    r.say("1")  # yes: the draft goes, the filed usulan waits for staff
    r.say(my_data)
    r.say(erase)  # asked again: the first time stands
    r.say("1")
    r.say("menu")
    r.press("menu=privasi")
    r.press("action=erase")
    r.say("2")


SCENARIOS: dict[str, Callable[[Recorder], None]] = {
    "usulan": usulan,
    "usulan_sendiri": usulan_sendiri,
    "usulan_kesalahan": usulan_mistakes,
    "usulan_ktp": usulan_ktp,
    "usulan_rt": usulan_rt,
    "sanggahan_penerima": _sanggahan("recipient_not_eligible"),
    "sanggahan_anggota_keluarga": _sanggahan("wrong_family_member"),
    "sanggahan_keluarga_sendiri": _sanggahan("excluded_or_wrong_data"),
    "sanggahan_pelapor_dikenal": _sanggahan("recipient_not_eligible", filed_before=True),
    "perbaikan": perbaikan,
    "perubahan_meninggal": perubahan_meninggal,
    "perubahan_keluar": perubahan_keluar,
    "status": status,
    "hak_data": rights,
    "privasi": privacy,
}


def record(name: str, language: Language) -> Recorder:
    recorder = Recorder(language, Chat(FakeRegister()))
    SCENARIOS[name](recorder)
    return recorder
