"""From OCR words to KTP fields, and from fields to answers the citizen will confirm.

Two steps, kept apart so the benchmark can score both:
- `fields_from_boxes`: the printed text of each field ("Tempat/Tgl Lahir : BANDUNG,
  17-08-1985"), found by its label, with OCR's usual slips repaired (O for 0, a colon read
  as "1", "RTRW" for "RT/RW").
- `prefill`: each field through the same validators as typed input. A value that does not
  validate is left out (the question is asked normally). The NIK is offered only when the
  birth date and sex printed on the same card agree with the ones coded inside it: a
  single misread digit in the date part then cannot slip through as a valid NIK.

Nothing here logs: the text of an identity card is personal data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher
from typing import Any

from bot.photos.engines import TextBox
from conversations.validators import (
    RegionIndex,
    Sex,
    check_nik,
    nik_birth_date_mismatch,
    nik_sex_mismatch,
    parse_date,
    parse_name,
    parse_rt_rw,
)
from conversations.validators._text import fold

# Field -> its label as printed, letters only, lower case.
LABELS: Mapping[str, str] = {
    "nik": "nik",
    "name": "nama",
    "birth": "tempattgllahir",
    "sex": "jeniskelamin",
    "street": "alamat",
    "rt_rw": "rtrw",
    "village": "keldesa",
    "kecamatan": "kecamatan",
    "religion": "agama",
    "marital": "statusperkawinan",
    "occupation": "pekerjaan",
    "citizenship": "kewarganegaraan",
    "valid_until": "berlakuhingga",
}
MARITAL = {
    "belumkawin": "belum_kawin",
    "kawin": "kawin",
    "ceraihidup": "cerai_hidup",
    "ceraimati": "cerai_mati",
}
# Pekerjaan as Dukcapil prints it -> the usulan's occupation choices.
OCCUPATION = {
    "belumtidakbekerja": "tidak_bekerja",
    "tidakbekerja": "tidak_bekerja",
    "petanipekebun": "petani",
    "petani": "petani",
    "nelayanperikanan": "nelayan",
    "nelayan": "nelayan",
    "buruhharianlepas": "buruh",
    "buruhtani": "buruh",
    "pedagang": "pedagang",
    "karyawanswasta": "karyawan",
    "wiraswasta": "wiraswasta",
    "pelajarmahasiswa": "pelajar",
    "mengurusrumahtangga": "mengurus_rumah_tangga",
    "pembanturumahtangga": "pekerja_rumah_tangga",
}
# Letters OCR reads in place of digits, in a field that holds only digits.
_DIGIT_LOOKALIKES = str.maketrans(
    {
        "O": "0",
        "o": "0",
        "D": "0",
        "Q": "0",
        "I": "1",
        "l": "1",
        "|": "1",
        "i": "1",
        "L": "1",
        "Z": "2",
        "z": "2",
        "S": "5",
        "s": "5",
        "B": "8",
        "G": "6",
        "b": "6",
        "T": "7",
        "A": "4",
        "g": "9",
        "q": "9",
    }
)
_COLONS = ":;\uff1a"  # the last is the full-width colon RapidOCR sometimes reads
# Card columns: the photo and the signature sit right of this share of the card's width.
TEXT_COLUMN = 0.75


@dataclass(frozen=True)
class CardText:
    """What each field of the card says, as printed (after repairing OCR slips)."""

    fields: Mapping[str, str]
    confidence: Mapping[str, float] = field(default_factory=dict)
    header: tuple[str, ...] = ()


@dataclass(frozen=True)
class Prefill:
    """Answers read from the card that passed the typed-input validators.

    Keys are the usulan's answer keys (nik, name, birth_place, birth_date, sex, street, rt,
    rw, village, village_label, marital, occupation). Nothing here is confirmed yet.
    """

    values: Mapping[str, Any]
    # Fields read but refused, by answer key, with the reason (for the benchmark and staff).
    refused: Mapping[str, str] = field(default_factory=dict)


def rows(boxes: Iterable[TextBox]) -> list[list[TextBox]]:
    """Words grouped into printed lines, top to bottom, each left to right."""
    ordered = sorted(boxes, key=lambda b: b.middle)
    lines: list[list[TextBox]] = []
    for box in ordered:
        if lines:
            line = lines[-1]
            middle = sum(b.middle for b in line) / len(line)
            height = max(b.height for b in line)
            if abs(box.middle - middle) < 0.5 * max(height, box.height):
                line.append(box)
                continue
        lines.append([box])
    return [sorted(line, key=lambda b: b.left) for line in lines]


def fields_from_boxes(boxes: Sequence[TextBox], card_width: float) -> CardText:
    limit = TEXT_COLUMN * card_width
    left_side = [b for b in boxes if b.left < limit]
    found: dict[str, str] = {}
    confidence: dict[str, float] = {}
    header: list[str] = []
    for line in rows(left_side):
        words = " ".join(b.text for b in line).split()
        match = _label_of(words)
        if match is None:
            text = " ".join(words)
            if re.match(r"(?i)^(provinsi|kabupaten|kota)\b", text):
                header.append(text)
            continue
        key, used = match
        if key in found:
            continue
        found[key] = _value(words[used:])
        confidence[key] = min(b.confidence for b in line)
    return CardText(found, confidence, tuple(header))


def _letters(text: str) -> str:
    return "".join(ch for ch in fold(text) if ch.isalpha())


def _similar(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio()


def _label_of(words: list[str]) -> tuple[str, int] | None:
    """Which field a line is, and how many of its words the label took."""
    best: tuple[float, str, int] | None = None
    for used in (1, 2, 3):
        if used > len(words):
            break
        head = words[:used]
        # A colon glued to the label ("Nama:") ends it.
        glued = any(ch in _COLONS for ch in head[-1])
        candidate = _letters(" ".join(head).split(":")[0])
        if not candidate:
            continue
        for key, label in LABELS.items():
            score = _similar(candidate, label)
            threshold = 1.0 if len(label) <= 4 else 0.75
            if key == "nik" and candidate in ("nik", "nlk", "n1k", "mik"):
                score = 1.0
            if score >= threshold and (best is None or score > best[0]):
                best = (score, key, used)
        if glued:
            break
    if best is None:
        return None
    return best[1], best[2]


def _value(words: list[str]) -> str:
    text = " ".join(words).strip()
    # The colon between label and value, however it was read (":", ";", "1", "i", ".").
    text = re.sub(r"^[:;\uff1a.,|]+\s*", "", text)
    text = re.sub(r"^[1il]\s+", "", text)
    return text.strip(" :;")


# -- field values ------------------------------------------------------------------------------


def nik_digits(text: str) -> str | None:
    """The 16 digits of a NIK as read; None when there are not exactly 16."""
    candidates = re.findall(r"[0-9OoDQIl|iLZzSsBGbTAgq]{12,20}", text.replace(" ", ""))
    for candidate in sorted(candidates, key=len, reverse=True):
        digits = candidate.translate(_DIGIT_LOOKALIKES)
        if digits.isdigit() and len(digits) == 16:
            return str(digits)
    return None


def birth_parts(text: str) -> tuple[str, str] | None:
    """("BANDUNG", "17-08-1985") from "BANDUNG, 17-08-1985" (the date's digits repaired)."""
    match = re.search(
        r"([0-9OoDIl|SBZ]{2})\s*[-.\s/]\s*([0-9OoDIl|SBZ]{2})\s*[-.\s/]\s*([0-9OoDIl|SBZ]{4})\s*$",
        text,
    )
    if match is None:
        return None
    day, month, year = (part.translate(_DIGIT_LOOKALIKES) for part in match.groups())
    place = text[: match.start()].strip(" ,.")
    return place, f"{day}-{month}-{year}"


def sex_of(text: str) -> Sex | None:
    letters = _letters(re.split(r"(?i)gol", text)[0])
    if not letters:
        return None
    men, women = _similar(letters, "lakilaki"), _similar(letters, "perempuan")
    if max(men, women) < 0.7:
        return None
    return "L" if men > women else "P"


def _closest(text: str, table: Mapping[str, str], threshold: float = 0.8) -> str | None:
    letters = _letters(text)
    if not letters:
        return None
    scored = sorted(((_similar(letters, k), v) for k, v in table.items()), reverse=True)
    best_score, best = scored[0]
    # "KAWIN" inside "BELUM KAWIN": require a clear winner, not two close readings.
    if best_score < threshold or (
        len(scored) > 1 and scored[1][0] > best_score - 0.05 and scored[1][1] != best
    ):
        return None
    return str(best)


def rt_rw_parts(text: str) -> tuple[str, str] | None:
    digits = text.translate(_DIGIT_LOOKALIKES)
    numbers = re.findall(r"[0-9]+", digits)
    if len(numbers) == 1 and len(numbers[0]) == 6:
        numbers = [numbers[0][:3], numbers[0][3:]]
    if len(numbers) != 2:
        return None
    return numbers[0], numbers[1]


# -- validation -------------------------------------------------------------------------------


def prefill(text: CardText, *, regions: RegionIndex, today: date) -> Prefill:
    values: dict[str, Any] = {}
    refused: dict[str, str] = {}
    fields = text.fields

    name = parse_name(fields.get("name", ""))
    if name.ok and name.value is not None and fields.get("name"):
        values["name"] = name.value
    elif fields.get("name"):
        refused["name"] = "invalid"

    born: date | None = None
    place: str | None = None
    parts = birth_parts(fields.get("birth", ""))
    if parts is not None:
        place, printed = parts
        checked = parse_date(printed, today=today)
        if checked.ok and checked.value is not None:
            born = checked.value
            values["birth_date"] = born.isoformat()
        else:
            refused["birth_date"] = "invalid"
        if 2 <= len(place) <= 60 and not any(ch.isdigit() for ch in place):
            values["birth_place"] = parse_name(place).value or place
    sex = sex_of(fields.get("sex", ""))
    if sex is not None:
        values["sex"] = sex

    _check_nik(fields.get("nik", ""), born, sex, regions, today, values, refused)

    street = " ".join(fields.get("street", "").split())
    if 3 <= len(street) <= 200:
        values["street"] = street
    rt_rw = rt_rw_parts(fields.get("rt_rw", ""))
    if rt_rw is not None:
        rt, rw = parse_rt_rw(rt_rw[0]), parse_rt_rw(rt_rw[1])
        if rt.ok and rw.ok:
            values["rt"], values["rw"] = rt.value, rw.value
    village = _village(fields, str(values.get("nik", "")), regions)
    if village is not None:
        values["village"], values["village_label"] = village
    elif fields.get("village"):
        refused["village"] = "not_in_kemendagri_list"
    marital = _closest(fields.get("marital", ""), MARITAL)
    if marital is not None:
        values["marital"] = marital
    occupation = _closest(fields.get("occupation", ""), OCCUPATION, threshold=0.75)
    if occupation is not None:
        values["occupation"] = occupation
    return Prefill(values, refused)


def _check_nik(
    printed: str,
    born: date | None,
    sex: Sex | None,
    regions: RegionIndex,
    today: date,
    values: dict[str, Any],
    refused: dict[str, str],
) -> None:
    digits = nik_digits(printed)
    if digits is None:
        if printed:
            refused["nik"] = "unreadable"
        return
    checked = check_nik(digits, today=today, regions=regions)
    info = checked.value
    if not checked.ok or info is None or checked.warnings:
        refused["nik"] = "invalid"
        return
    # The card prints the birth date and sex the NIK encodes: both must be read and agree.
    if born is None or sex is None:
        refused["nik"] = "unconfirmed"
        return
    if nik_birth_date_mismatch(info, born) or nik_sex_mismatch(info, sex):
        refused["nik"] = "disagrees_with_card"
        return
    # Its birth date and sex are derived again by the NIK question's own parser.
    values["nik"] = info.normalized


def _village(fields: Mapping[str, str], nik: str, regions: RegionIndex) -> tuple[str, str] | None:
    """The desa printed on the card, found in the Kemendagri list (with its kecamatan)."""
    village, kecamatan = fields.get("village", ""), fields.get("kecamatan", "")
    if not _letters(village) or not _letters(kecamatan):
        return None
    found = regions.search_villages(f"{village} {kecamatan}", prefer_kecamatan=nik[:6] or None)
    found += regions.search_villages(village, prefer_kecamatan=nik[:6] or None)
    for candidate in found:
        if (
            _similar(_letters(candidate.name), _letters(village)) >= 0.85
            and _similar(_letters(candidate.kecamatan), _letters(kecamatan)) >= 0.85
        ):
            return candidate.code, candidate.label()
    return None
