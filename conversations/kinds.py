"""The kinds of request a citizen can file: everything that differs by kind, in one place.

Every part of the bot reads a kind's properties from here: the ticket letter (tickets.py),
the subtypes the database accepts (models/requests.py), which BNBA list it belongs to
(staff/bnba.py), the dashboard's label, answers and confidentiality, the digest's counts,
and whether one person may have only one open request of the kind (the `FileUsulan`
effect and the database index).

Adding a kind (issue 10), e.g. `pemutakhiran` (a household updating its data):

1. Add a `RequestKind` to `KINDS` below: name, an unused ticket letter, its subtypes, the
   staff label, and the rules that apply (`one_open_per_nik`, `bnba`). A kind for which
   the musyawarah's "layak / tidak layak" would say the wrong thing names its own
   `decisions` and `stage_labels` (staff/kind_words.py reads them) and has the catalogue
   texts of `OWN_TEXTS`.
2. Write its flow in `conversations/flows/<name>.py` (steps as data; it files with
   `FileRequest(Submission(kind="<name>", ...))`) and register it in
   `conversations/flows/__init__.py`: its place there is its number on the menu.
3. Add its texts to every catalogue, best as a file of its own per language
   (`conversations/catalogue/id/<name>.toml`, `.../en/<name>.toml`: tables such as `[kind]`
   or `[done]` may continue there). `TEXTS` below names the keys every kind needs, besides
   its questions and choices; tests/conversations/test_kinds.py fails until each registered
   kind has each of them in every language.

Nothing else changes: no migration (the `kind` column is free text checked here), no
list to extend elsewhere; the regional workflows (staff/workflows/*.toml) apply to every
kind alike. Tests that pin whole texts then show the new kind, as they should: rewrite
the golden conversations (`UPDATE_GOLDEN=1 pytest tests/conversations/test_golden.py`)
and the menu and digest texts in tests/conversations/test_menu.py and
tests/staff/test_digest.py. (Tried with a `pemutakhiran` kind: 5 files plus those tests.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final


@dataclass(frozen=True)
class Decision:
    """One outcome the village meeting (musyawarah) can record for a request of a kind.

    The workflows know two actions out of their deliberation stage, "layak" (the request
    goes on) and "tidak_layak" (it stops, or in Bekasi goes on to Dinas Sosial with that
    finding); what they mean depends on the kind: for a sanggahan "goes on" is the
    objection upheld. The code is what the meeting recorded, in the kind's own terms.
    """

    code: str  # stored in musyawarah_item.decision (at most 16 characters)
    action: str  # the workflow action that carries it out when the meeting is closed
    label: str  # the staff's words: dashboard, agenda sheet, exports
    note_required: bool = False  # the reason, which the citizen reads


ELIGIBILITY: Final = (
    Decision("layak", "layak", "Layak"),
    Decision("tidak_layak", "tidak_layak", "Tidak layak", note_required=True),
)


@dataclass(frozen=True)
class RequestKind:
    name: str
    # The first character of its tickets ("U-7KQ4M9"); unique among kinds, not a digit.
    letter: str
    # What the request is about, as stored in `request.subtype` (the flow's first choice).
    subtypes: tuple[str, ...]
    # How staff read it (dashboard, digests); citizens read the catalogue's `kind.<name>`.
    staff_label: str
    # One open request of this kind per person (the main NIK), from whichever chat: the flow
    # files it with `FileUsulan`, which can answer `AlreadyFiled` (checked against open
    # usulan, and held by the database's index on them: only usulan has it today).
    one_open_per_nik: bool = False
    # Its households go into the BNBA export (the by-name-by-address list for musyawarah).
    bnba: bool = False
    # What the musyawarah decides for it: the first goes on, the second stops.
    decisions: tuple[Decision, Decision] = ELIGIBILITY
    # The staff's name for a stage of a kind whose region words speak of an usulan, by
    # the stage's kind ("accepted", "rejected"); `{who}` is the stage's `who`. The
    # citizen's words for such stages are in the catalogue: `notify.<name>.stage.<kind>`.
    stage_labels: Mapping[str, str] = field(default_factory=dict)

    def decision(self, code: str) -> Decision | None:
        found = next((d for d in self.decisions if d.code == code), None)
        # Meetings before kinds had their own decisions stored the action's name.
        return found or self.decision_for_action(code)

    def decision_for_action(self, action: str) -> Decision | None:
        return next((d for d in self.decisions if d.action == action), None)

    # About someone else (answers `subject_*`), filed by someone whose identity staff lists
    # keep hidden until revealed and logged (the objector of a sanggahan).
    about_someone_else: bool = False
    # The subtypes whose main NIK and name are the filer's own (an usulan for oneself, the
    # reporter of a sanggahan): offered again to the same chat for its own NIK and name.
    filed_by_the_person: tuple[str, ...] = ()
    # The subtypes filed by someone proposing in their own capacity (`CAPACITIES`): the
    # filer's NIK, name and phone are kept as the proposer, apart from the household
    # (models/tables.py `Proposer`), shown to staff and in the export, and the household
    # is told the outcome too when its phone was given (staff/notices.py).
    in_capacity: tuple[str, ...] = ()


# Who may propose a household besides the household itself, Permensos 3/2021 Pasal 5
# (seed 002): "a. rukun tetangga/rukun warga; b. kepala dusun; c. lurah atau kepala desa
# atau nama lain; d. Potensi dan Sumber Kesejahteraan Sosial; dan/atau e. pendaftaran
# mandiri kepada perangkat desa atau kelurahan atau nama lain". `perangkat_desa` is huruf c
# (the lurah or kepala desa) and the village officials of huruf e, who receive a household's
# own registration; `psks` is huruf d (the examples the chat names, TKSK, pendamping PKH
# and Karang Taruna, come from the Bungo SOP, seed 000 VI.C, and the Kapuas Hulu circular,
# seed 003 2.b, not from Pasal 5 itself).
CAPACITIES: Final = ("rt_rw", "kepala_dusun", "perangkat_desa", "psks")
# How staff read a capacity (dashboard, exports); citizens read `choice.for_whom.<capacity>`.
CAPACITY_LABELS: Final = {
    "rt_rw": "Ketua RT/RW",
    "kepala_dusun": "Kepala dusun",
    "perangkat_desa": "Kepala desa/lurah atau perangkat desa",
    "psks": "PSKS (TKSK, pendamping PKH, Karang Taruna...)",
}

KINDS: Final[tuple[RequestKind, ...]] = (
    RequestKind(
        "usulan",
        "U",
        ("self", "family", "other_household", *CAPACITIES),
        "Usulan",
        one_open_per_nik=True,
        bnba=True,
        filed_by_the_person=("self",),
        in_capacity=CAPACITIES,
    ),
    RequestKind(
        "sanggahan",
        "S",
        ("recipient_not_eligible", "wrong_family_member", "excluded_or_wrong_data"),
        "Sanggahan",
        # An upheld objection goes on like an eligible usulan (Bekasi's SOP: Dinas Sosial
        # "persetujuan atau penolakan terhadap usulan baru dan sanggahan", 004 langkah 5).
        decisions=(
            Decision("diterima", "layak", "Sanggahan diterima — usulkan dikeluarkan/diperbaiki"),
            Decision("ditolak", "tidak_layak", "Sanggahan ditolak — data tetap", True),
        ),
        stage_labels={
            "accepted": "Ditetapkan Menteri: data dikeluarkan/diperbaiki sesuai sanggahan",
            "rejected": "Sanggahan ditolak — data tetap ({who})",
        },
        about_someone_else=True,
        filed_by_the_person=(
            "recipient_not_eligible",
            "wrong_family_member",
            "excluded_or_wrong_data",
        ),
    ),
    RequestKind(
        "perbaikan",
        "P",
        # Whose data in the household already in DTSEN is wrong: one's own, or a member's
        # of the same KK (then the member is `subject_*`, the filer `nik`/`name`).
        ("self", "family_member"),
        "Perbaikan data",
        # A correction the village accepts goes on like an usulan: to the bupati/wali kota
        # through Dinas Sosial (Permensos 3/2021 Pasal 6 ayat 1), verified there and sent
        # through SIKS-NG (ayat 2-3); the data is corrected in DTSEN only by the Minister's
        # penetapan (Pasal 12).
        decisions=(
            Decision("diterima", "layak", "Perbaikan diterima — diteruskan ke Dinas Sosial"),
            Decision("ditolak", "tidak_layak", "Perbaikan ditolak — data tetap", True),
        ),
        stage_labels={
            "accepted": "Ditetapkan Menteri: data diperbaiki di DTSEN",
            "rejected": "Perbaikan ditolak — data tetap ({who})",
        },
        filed_by_the_person=("self", "family_member"),
    ),
    RequestKind(
        # Laporan perubahan: a household in DTSEN reports a change in itself, the
        # "penghentian/penonaktifan" and "perbaikan/update" of Permensos 3/2021 (seed 002,
        # the Asahan article) and Bungo's "penambahan, perbaikan, atau penghapusan data"
        # (seed 000, IV): a death, a move, a KK split, or leaving the register (graduasi).
        # "M" for mutasi, Dukcapil's word for such changes.
        "perubahan",
        "M",
        ("death", "move", "kk_split", "graduation"),
        "Laporan perubahan",
        # Accepted by the village it goes on like an eligible usulan: musyawarah proposals
        # go to the bupati/wali kota through Dinas Sosial (002 Pasal 6 ayat 1), which sends
        # them on through SIKS-NG (Pasal 6 ayat 3); the register changes only when the
        # Minister sets the month's data (Pasal 12 ayat 1 dan 3).
        decisions=(
            Decision("diterima", "layak", "Perubahan diterima — diteruskan ke Dinas Sosial"),
            Decision("ditolak", "tidak_layak", "Perubahan ditolak — data tetap", True),
        ),
        stage_labels={
            "accepted": "Ditetapkan Menteri: data keluarga diubah sesuai laporan",
            "rejected": "Laporan perubahan ditolak — data tetap ({who})",
        },
        # The reporter speaks for their own household: the main NIK and name are theirs.
        filed_by_the_person=("death", "move", "kk_split", "graduation"),
    ),
)

NAMES: Final[tuple[str, ...]] = tuple(k.name for k in KINDS)

# The catalogue keys (in every language) each kind needs; `{}` is the kind's name.
TEXTS: Final = (
    "kind.{}",  # its name in a status line ("Usulan mandiri")
    "flow_name.{}",
    "flow_intro.{}",
    "choice.menu.{}",
    "summary.header.{}",
    "done.{}",  # the receipt with the ticket
    "ask.consent_{}",
    "notify.can_do.{}",  # what the citizen can do after a rejection
    "digest.kind.{}",  # its word in the staff digest's counts
)
# Texts a kind may have (`{}` its name): when present they replace the region's or the
# general words. `notify.{}.decision.<code>`: what the meeting decided, said first;
# `notify.{}.stage.<stage kind>`: a stage's words; `notify.{}.next.<stage kind>`: what
# comes next. A kind with its own decisions or stage labels must have the first two for
# each of them (tests/conversations/test_kinds.py).
OWN_TEXTS: Final = ("notify.{}.decision.{}", "notify.{}.stage.{}", "notify.{}.next.{}")

_BY_NAME: Final = {k.name: k for k in KINDS}
_BY_LETTER: Final = {k.letter: k for k in KINDS}


class UnknownKind(KeyError):
    pass


def request_kind(name: str) -> RequestKind:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise UnknownKind(name) from None


def kind_of_letter(letter: str) -> RequestKind | None:
    return _BY_LETTER.get(letter)


def _check(kinds: tuple[RequestKind, ...]) -> None:
    letters = [k.letter for k in kinds]
    if len(set(letters)) != len(letters) or len(set(NAMES)) != len(NAMES):
        raise ValueError("request kinds need distinct names and ticket letters")
    if any(len(k.letter) != 1 or not k.letter.isalpha() or not k.letter.isupper() for k in kinds):
        raise ValueError("a ticket letter is one capital letter")
    for kind in kinds:
        codes = [d.code for d in kind.decisions]
        if len(set(codes)) != 2 or any(not 0 < len(c) <= 16 for c in codes):
            raise ValueError(f"{kind.name}: two distinct decision codes of at most 16 characters")
        if [d.action for d in kind.decisions] != ["layak", "tidak_layak"]:
            raise ValueError(f"{kind.name}: decisions run the actions layak, tidak_layak")


_check(KINDS)
