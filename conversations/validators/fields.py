"""Parsers for the other answers a citizen types: names, RT/RW, phone numbers, dates,
yes/no, counts and ticket codes. Forgiving about form, strict about meaning.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

from conversations.validators._dates import dmy, real_date, two_digit_year_date
from conversations.validators._text import APOSTROPHES, fold, title_words
from conversations.validators.problems import Checked, Term, problem

# --- names -------------------------------------------------------------------------------

NAME_MIN, NAME_MAX = 2, 100
_NAME_PUNCTUATION = frozenset(" '.-")
_CURLY_APOSTROPHES = str.maketrans({ch: "'" for ch in APOSTROPHES})


def parse_name(raw: str) -> Checked[str]:
    # NFC first so "é" typed as e + combining accent counts as one letter.
    text = " ".join(unicodedata.normalize("NFC", raw).split()).translate(_CURLY_APOSTROPHES)
    # A list dash or stray dot before the name ("- Siti") is not part of it.
    text = text.lstrip("-. ")
    if not text:
        return Checked.bad(problem("name_empty"))
    if any(ch.isdigit() for ch in text):
        return Checked.bad(problem("name_has_digits"))
    bad = [ch for ch in dict.fromkeys(text) if not (ch.isalpha() or ch in _NAME_PUNCTUATION)]
    if bad:
        return Checked.bad(problem("name_invalid_chars", chars=" ".join(bad)))
    letters = sum(ch.isalpha() for ch in text)
    if letters < NAME_MIN:
        return Checked.bad(problem("name_too_short", minimum=NAME_MIN))
    if len(text) > NAME_MAX:
        return Checked.bad(problem("name_too_long", got=len(text), maximum=NAME_MAX))
    # Keep "Ni Luh de Vries" as typed; only fix text typed wholly in one case.
    if text in (text.lower(), text.upper()):
        text = title_words(text)
    return Checked.good(text)


# --- RT / RW -----------------------------------------------------------------------------

_RT_RW_LABEL_WORDS = frozenset({"rt", "rw", "r", "t", "w", "no", "nomor", "nmr"})


def parse_rt_rw(raw: str) -> Checked[str]:
    """RT or RW number, zero-padded as on KTP and KK: "3", "rt 3", "RW.05" → "003"."""
    text = raw.strip().lower()
    if not text:
        return Checked.bad(problem("rt_rw_empty"))
    numbers = re.findall(r"[0-9]+", text)
    words = re.findall(r"[^\W\d_]+", re.sub(r"[0-9]+", " ", text))
    if any(word not in _RT_RW_LABEL_WORDS for word in words) or not numbers:
        return Checked.bad(problem("rt_rw_invalid"))
    if len(numbers) > 1:
        return Checked.bad(problem("rt_rw_two_numbers"))
    # Counted as digits, not converted first: thousands of them are someone's paste.
    digits = numbers[0].lstrip("0")
    if not digits:
        return Checked.bad(problem("rt_rw_zero"))
    if len(digits) > 3:
        got = numbers[0] if len(numbers[0]) <= 12 else numbers[0][:11] + "…"
        return Checked.bad(problem("rt_rw_too_long", got=got))
    return Checked.good(f"{int(digits):03d}")


# --- phone -------------------------------------------------------------------------------

_PHONE_SEPARATORS = re.compile(r"[\s\-.()/\u2010-\u2015]+")
# E.164 for Indonesia: +62 then 8-12 digits; mobile numbers start 8 and are 9-12 long
# (0811-123-456 up to 0812-3456-78901).
_NATIONAL_MIN, _NATIONAL_MAX = 8, 12
_MOBILE_MIN = 9


def parse_phone(raw: str) -> Checked[str]:
    """Indonesian number in E.164: "0812-3456-7890", "+62 812...", "812..." → "+6281234567890"."""
    text = _PHONE_SEPARATORS.sub("", raw)
    if not text:
        return Checked.bad(problem("phone_empty"))
    plus = text.startswith("+")
    body = text[1:] if plus else text
    bad = [ch for ch in dict.fromkeys(body) if not ("0" <= ch <= "9")]
    if bad:
        return Checked.bad(problem("phone_invalid_chars", chars=" ".join(bad)))
    national = _national_number(body, plus)
    if national is None:
        return Checked.bad(problem("phone_not_indonesian"))
    # No Indonesian number starts 1 after the country code (nor 0, once the trunk 0 is gone).
    if not national or national[0] not in "23456789":
        return Checked.bad(problem("phone_invalid_prefix"))
    minimum = _MOBILE_MIN if national.startswith("8") else _NATIONAL_MIN
    # Citizens count digits the way they write them: with the leading 0.
    if len(national) < minimum:
        return Checked.bad(problem("phone_too_short", got=len(national) + 1))
    if len(national) > _NATIONAL_MAX:
        return Checked.bad(problem("phone_too_long", got=len(national) + 1))
    return Checked.good("+62" + national)


def local_phone(e164: str) -> str:
    """ "+6281234567890" -> "081234567890": a stored number as staff dial and write it. In a
    CSV it also does not start with "+", which the writer would prefix with an apostrophe
    against formula injection. Anything else is returned as it is."""
    return "0" + e164[3:] if e164.startswith("+62") else e164


def _national_number(body: str, plus: bool) -> str | None:
    """Digits after the country code; "" when unreadable; None for another country's number."""
    if plus:
        if not body.startswith("62"):
            return None
        national = body[2:]
    elif body.startswith("0062"):
        national = body[4:]
    elif body.startswith("00"):
        return None
    elif body.startswith("62"):
        national = body[2:]
    elif body.startswith("0"):
        national = body[1:]
    elif body.startswith("8"):
        national = body  # "812 3456 7890": a mobile number with its 0 left off
    else:
        return ""  # "21 1234 5678": a landline needs its 0 and area code to be read safely
    # "+62 0812..." is a common mix of both forms; the trunk 0 is not part of the number.
    return national[1:] if national.startswith("0") else national


# --- dates -------------------------------------------------------------------------------

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "januari jan january",
        "februari feb pebruari peb february",
        "maret mar march",
        "april apr",
        "mei may",
        "juni jun june",
        "juli jul july",
        "agustus agu agt ags agst aug august",
        "september sep sept",
        "oktober okt oct october",
        "november nov nop nopember",
        "desember des dec december",
    ),
    start=1,
):
    _MONTHS.update(dict.fromkeys(_names.split(), _number))
_FULL_MONTH_NAMES = [name for name in _MONTHS if len(name) > 4]
# Words around a date that carry no part of it ("Senin, tanggal 17 Agustus 1985").
_DATE_FILLER = frozenset(
    {
        "tanggal",
        "tgl",
        "tahun",
        "thn",
        "th",
        "bulan",
        "bln",
        "lahir",
        "pada",
        "hari",
        "senin",
        "selasa",
        "rabu",
        "kamis",
        "jumat",
        "jum",
        "at",
        "sabtu",
        "minggu",
        "ahad",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "of",
        "the",
    }
)
EARLIEST_YEAR = 1900


def parse_date(raw: str, *, today: date) -> Checked[date]:
    """17-08-1985, 17/8/1985, 17.08.1985, 17 Agustus 1985, 17 agt 85, 1985-08-17, 17081985."""
    tokens = [t for t in re.findall(r"[0-9]+|[a-z]+", fold(raw)) if t not in _DATE_FILLER]
    if not tokens:
        return Checked.bad(problem("date_empty"))
    parts = _date_parts(tokens)
    if parts is None:
        return Checked.bad(problem("date_unreadable"))
    day, month, year_text = parts
    shown = f"{day:02d}-{month:02d}-{year_text}"
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return Checked.bad(problem("date_invalid", date=shown))
    if len(year_text) == 4 and int(year_text) < EARLIEST_YEAR:
        # Checked before the calendar: year 0 does not exist in `datetime` at all.
        return Checked.bad(problem("date_too_old", date=shown, earliest=EARLIEST_YEAR))
    if len(year_text) == 2:
        found = two_digit_year_date(int(year_text), month, day, today=today)
    else:
        found = real_date(int(year_text), month, day)
    if found is None:
        last = _last_day(_full_year(year_text, today), month)
        month_name = Term(f"problem_month.m{month}")
        return Checked.bad(problem("date_not_in_month", date=shown, month=month_name, last=last))
    if found > today:
        return Checked.bad(problem("date_future", date=dmy(found)))
    return Checked.good(found)


def _date_parts(tokens: list[str]) -> tuple[int, int, str] | None:
    """(day, month, year digits) from the tokens, in the orders Indonesians write dates."""
    if len(tokens) == 1 and tokens[0].isdigit() and len(tokens[0]) in (6, 8):
        compact = tokens[0]  # DDMMYY or DDMMYYYY, as some forms ask
        return int(compact[:2]), int(compact[2:4]), compact[4:]
    if len(tokens) != 3:
        return None
    first, second, third = tokens
    if first.isdigit() and len(first) == 4 and second.isdigit() and third.isdigit():
        first, third = third, first  # ISO 1985-08-17
    elif first.isalpha() and second.isdigit():
        first, second = second, first  # "August 17 1985"
    month = int(second) if second.isdigit() else _month(second)
    if not first.isdigit() or month is None or not third.isdigit() or len(third) not in (2, 4):
        return None
    if len(first) > 2:
        return None
    return int(first), month, third


def _month(word: str) -> int | None:
    if word in _MONTHS:
        return _MONTHS[word]
    # "agus", "septem", "okto": unambiguous beginnings of a full month name.
    if len(word) >= 3:
        found = {_MONTHS[name] for name in _FULL_MONTH_NAMES if name.startswith(word)}
        if len(found) == 1:
            return found.pop()
    return None


def _full_year(year_text: str, today: date) -> int:
    year = int(year_text)
    if len(year_text) == 2:
        year += 2000 if 2000 + year <= today.year else 1900
    return year


def _last_day(year: int, month: int) -> int:
    return next(d for d in (31, 30, 29, 28) if real_date(year, month, d) is not None)


# --- yes / no ----------------------------------------------------------------------------

_YES = frozenset(
    {
        "ya",
        "iya",
        "iy",
        "y",
        "yes",
        "yess",
        "yup",
        "yap",
        "ok",
        "oke",
        "okay",
        "okey",
        "okeh",
        "sip",
        "siap",
        "betul",
        "benar",
        "bener",
        "setuju",
        "lanjut",
        "lanjutkan",
        "kirim",
        "send",
        "boleh",
        "mau",
        "tentu",
        "pasti",
    }
)
_NO = frozenset(
    {
        "tidak",
        "tdk",
        "tak",
        "gak",
        "ga",
        "gk",
        "g",
        "nggak",
        "ngga",
        "engga",
        "enggak",
        "ndak",
        "nda",
        "no",
        "n",
        "nope",
        "bukan",
        "jangan",
        "belum",
        "batal",
        "tolak",
    }
)
# "ga tau", "tidak yakin": a negation word that is not an answer.
_UNSURE = frozenset(
    {"tau", "tahu", "tahuu", "yakin", "ngerti", "mengerti", "paham", "tentu", "pasti"}
)
_REPEATS = re.compile(r"(\w)\1+$")


def parse_yes_no(raw: str) -> bool | None:
    """ya / iya / ok / betul ... → True; tidak / gak / bukan / jangan ... → False; else None.

    The first word decides ("iya kak", "tidak mau"), stretched endings are forgiven
    ("yaaa", "okee"), and "gak tau" (don't know) is not taken for a no.
    """
    words = fold(raw).split()
    if not words:
        return _emoji_answer(raw)
    first = _unstretch(words[0])
    if first in _NO:
        return None if any(_unstretch(w) in _UNSURE for w in words[1:2]) else False
    if first in _YES:
        return True
    return None


def _unstretch(word: str) -> str:
    if word in _YES or word in _NO:
        return word
    return _REPEATS.sub(r"\1", word)


def _emoji_answer(raw: str) -> bool | None:
    # A thumbs up is a common WhatsApp reply; anything else without words is unclear.
    text = raw.strip()
    if text.startswith(("👍", "👌", "✅")):
        return True
    if text.startswith(("👎", "❌")):
        return False
    return None


# --- integers ----------------------------------------------------------------------------

_UNITS = {
    "nol": 0,
    "satu": 1,
    "dua": 2,
    "tiga": 3,
    "empat": 4,
    "lima": 5,
    "enam": 6,
    "tujuh": 7,
    "delapan": 8,
    "sembilan": 9,
}
_TEENS = {"sepuluh": 10, "sebelas": 11}
# "Berapa anak?" — "tidak ada" is an answer: none.
_ZERO_PHRASES = frozenset(
    {"tidak ada", "tdk ada", "gak ada", "ga ada", "nggak ada", "belum ada", "kosong", "nihil"}
)
_MULTIPLIERS = {"ribu": 1000, "rb": 1000, "k": 1000, "juta": 10**6, "jt": 10**6}
_NUMBER = re.compile(r"(-|\u2212)?([0-9]+(?:[.,][0-9]+)*)")
_THOUSANDS = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+")


def parse_int(raw: str, *, minimum: int, maximum: int) -> Checked[int]:
    """A whole number: "5", "5 orang", "lima", "dua belas", "tidak ada" (0), "1.500.000"."""
    text = raw.strip().lower()
    if not text:
        return Checked.bad(problem("int_empty"))
    found = _NUMBER.findall(text)
    if len(found) > 1:
        return Checked.bad(problem("int_several"))
    if found:
        sign, digits = found[0]
        parsed = _digits_value(digits, _multiplier(text), negative=bool(sign))
    else:
        parsed = _words_value(fold(text).split())
    if parsed is None:
        return Checked.bad(problem("int_not_number"))
    if isinstance(parsed, Decimal):
        return Checked.bad(problem("int_not_whole"))
    if parsed < minimum:
        return Checked.bad(problem("int_too_small", minimum=minimum, maximum=maximum))
    if parsed > maximum:
        return Checked.bad(problem("int_too_large", minimum=minimum, maximum=maximum))
    return Checked.good(parsed)


def _multiplier(text: str) -> int:
    words = re.findall(r"[a-z]+", text)
    return next((_MULTIPLIERS[w] for w in words if w in _MULTIPLIERS), 1)


def _digits_value(digits: str, multiplier: int, *, negative: bool) -> int | Decimal | None:
    """An int, or the Decimal when it is not whole ("2,5"); "1.500.000" is Indonesian thousands."""
    if _THOUSANDS.fullmatch(digits):
        digits = digits.replace(".", "")
    try:
        value = Decimal(digits.replace(",", ".")) * multiplier
    except InvalidOperation:  # "1.2.3"
        return None
    if negative:
        value = -value
    return int(value) if value == value.to_integral_value() else value


def _words_value(words: list[str]) -> int | None:
    """Indonesian number words 0-99: "lima", "sebelas", "dua belas", "dua puluh satu"."""
    if " ".join(words[:2]) in _ZERO_PHRASES:
        return 0
    for i in range(len(words)):
        value = _word_number(words[i:])
        if value is not None:
            return value
    return None


def _word_number(words: list[str]) -> int | None:
    head = words[0]
    if head in _TEENS:
        return _TEENS[head]
    if head not in _UNITS:
        return None
    unit = _UNITS[head]
    following = words[1] if len(words) > 1 else ""
    if following == "belas":
        return 10 + unit
    if following == "puluh":
        tail = _UNITS.get(words[2], 0) if len(words) > 2 else 0
        return unit * 10 + tail
    return unit
