"""Kemendagri region codes (provinsi, kabupaten/kota, kecamatan, desa/kelurahan) and village search.

The shipped lists are `conversations/data/wilayah.csv` (current) and `wilayah_retired.csv`
(codes retired since 2015). Both count as known codes because a NIK keeps the code it was
issued under for life; only current villages are offered when a citizen searches.
"""

from __future__ import annotations

import csv
import difflib
import heapq
import io
import re
from bisect import bisect_right
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from itertools import accumulate
from typing import Literal

from conversations.validators._text import fold, fold_many, title_words

Level = Literal["provinsi", "kabupaten", "kecamatan", "desa"]
_LEVEL_BY_NAME: dict[str, Level] = {
    "provinsi": "provinsi",
    "kabupaten": "kabupaten",
    "kecamatan": "kecamatan",
    "desa": "desa",
}
# (code, name, level, retired): one row of either CSV file.
_Entry = tuple[str, str, Level, bool]
# [0-9], not \d: \d would also accept Arabic-Indic and other non-ASCII digits.
_DOTTED = re.compile(r"[0-9]{2}(?:\.[0-9]{2}(?:\.[0-9]{2}(?:\.[0-9]{4})?)?)?")
# Undotted digit counts per level and where the dots go.
_SPLITS: dict[int, tuple[int, ...]] = {2: (2,), 4: (2, 2), 6: (2, 2, 2), 10: (2, 2, 2, 4)}

# Words citizens put before a village name that the official name does not carry.
_VILLAGE_PREFIXES = frozenset({"desa", "des", "ds", "dsa", "kelurahan", "kel", "kelrahan", "lurah"})

# Match quality, best first. Preferred-kecamatan villages are sorted before all of these.
_EXACT, _NAME_PREFIX, _WORD_PREFIX, _SUBSTRING, _SPACELESS, _FUZZY = range(6)
_FUZZY_CUTOFF = 0.8
# Beyond this many hits in one tier the rest are noise for a list of eight choices.
_MAX_HITS_PER_TIER = 5000
_MAX_HITS_SHORT = 500
# Words naming the level of a place, dropped from "sukamaju kec. cibeber, kab. cianjur".
_PLACE_LABELS = frozenset({"kec", "kecamatan", "kab", "kabupaten", "kota", "prov", "provinsi"})
_PREFIX_WORDS = re.compile(r"(?m)^(?:(?:" + "|".join(sorted(_VILLAGE_PREFIXES)) + r") )+")


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: Level
    retired: bool


@dataclass(frozen=True)
class Village:
    code: str
    name: str
    kecamatan: str
    kabupaten: str
    provinsi: str
    retired: bool

    @property
    def kecamatan_code(self) -> str:
        return self.code[:8]

    def label(self) -> str:
        # "Kec." is the abbreviation printed on KTP and KK addresses in every region, so it is
        # not translated; kabupaten names already start with "Kabupaten" or "Kota".
        return f"{self.name}, Kec. {self.kecamatan}, {self.kabupaten}"


def dotted_code(code: str) -> str | None:
    """`"320405"`, `"32.04.05"` or `" 32 04 05 "` → `"32.04.05"`; anything else → None."""
    compact = "".join(code.split())
    if "." in compact:
        return compact if _DOTTED.fullmatch(compact) else None
    if not (compact.isascii() and compact.isdigit()) or len(compact) not in _SPLITS:
        return None
    parts, start = [], 0
    for width in _SPLITS[len(compact)]:
        parts.append(compact[start : start + width])
        start += width
    return ".".join(parts)


def search_key(text: str) -> str:
    """The folded form used for search, without a leading "desa"/"kelurahan"/"kel."/"ds."."""
    key = _PREFIX_WORDS.sub("", fold(text))
    return "" if key in _VILLAGE_PREFIXES else key


def _pretty_retired_name(name: str) -> str:
    """Old lists spell regencies "KAB. MERAUKE" / "KOTA SORONG"; show them like current names."""
    if not name.isupper():
        return name
    if name.startswith("KAB. "):
        name = "Kabupaten " + name[len("KAB. ") :]
    return title_words(name)


def _read_rows(filename: str) -> Iterator[list[str]]:
    text = resources.files("conversations").joinpath("data", filename).read_text(encoding="utf-8")
    rows = csv.reader(io.StringIO(text))
    next(rows)  # header
    yield from rows


def _load_entries() -> Iterator[_Entry]:
    # Retired first: should a code ever appear in both files, the current entry overwrites it.
    for code, name, level, _last_seen in _read_rows("wilayah_retired.csv"):
        yield code, _pretty_retired_name(name), _LEVEL_BY_NAME[level], True
    for code, name, level in _read_rows("wilayah.csv"):
        yield code, name, _LEVEL_BY_NAME[level], False


def _starts(keys: list[str]) -> list[int]:
    """Offsets of each key in "\\n" + "\\n".join(keys) + "\\n"."""
    return list(accumulate((len(k) + 1 for k in keys[:-1]), initial=1))


class _SearchIndex:
    """Current villages laid out for fast matching.

    All search keys are joined into one newline-separated string so that matching runs in
    `re`'s C loop with its literal fast path instead of a Python loop over 83,762 names; a
    match offset maps back to its village by bisecting the key start offsets.
    """

    def __init__(self, codes: list[str], names: list[str]) -> None:
        self.codes = codes
        folded = _PREFIX_WORDS.sub("", "\n".join(fold_many(names)))
        self.keys = folded.split("\n") if names else []
        self.blob, self.starts = "\n" + folded + "\n", _starts(self.keys)
        spaceless = folded.replace(" ", "")
        self.spaceless_blob = "\n" + spaceless + "\n"
        self.spaceless_starts = _starts(spaceless.split("\n"))
        self.exact: dict[str, list[int]] = {}
        for i, key in enumerate(self.keys):
            self.exact.setdefault(key, []).append(i)
        self.by_kecamatan: dict[str, list[int]] = {}
        for i, code in enumerate(codes):
            self.by_kecamatan.setdefault(code[:8], []).append(i)

    @cached_property
    def words(self) -> frozenset[str]:
        # Built on the first typo only: it is not needed for the common, well-typed query.
        return frozenset(w for key in self.exact for w in key.split())

    @cached_property
    def buckets(self) -> dict[tuple[str, int], list[str]]:
        # Typo fallback compares against names of similar length and the same first letter;
        # a difflib pass over all 64k distinct names would take far too long per message.
        buckets: dict[tuple[str, int], list[str]] = {}
        for key in self.exact:
            if key:
                buckets.setdefault((key[0], len(key)), []).append(key)
        return buckets

    def direct(self, query: str, enough: int) -> dict[int, int]:
        """Exact, prefix and substring matches (index → tier); stops widening at `enough`."""
        found: dict[int, int] = {i: _EXACT for i in self.exact.get(query, ())}
        # One or two letters start or sit inside most names: only whole-name prefixes mean
        # anything there, and a sample of them is enough for eight choices.
        short = len(query) < 3
        cap = _MAX_HITS_SHORT if short else _MAX_HITS_PER_TIER
        self._scan(found, "\n" + query, self.blob, self.starts, _NAME_PREFIX, cap, shift=1)
        if short:
            return found
        self._scan(found, " " + query, self.blob, self.starts, _WORD_PREFIX, cap, shift=1)
        if len(found) < enough:
            self._scan(found, query, self.blob, self.starts, _SUBSTRING, cap)
        spaceless = query.replace(" ", "")
        if len(found) < enough and len(spaceless) >= 4:
            blob, starts = self.spaceless_blob, self.spaceless_starts
            self._scan(found, spaceless, blob, starts, _SPACELESS, cap)
        return found

    @staticmethod
    def _scan(
        found: dict[int, int],
        needle: str,
        blob: str,
        starts: list[int],
        tier: int,
        cap: int,
        shift: int = 0,
    ) -> None:
        # str.find is CPython's fastsearch: about twice as quick here as re.finditer, and a
        # Python loop over the names would be a hundred times slower.
        position, hits = blob.find(needle), 0
        while position != -1 and hits < cap:
            found.setdefault(bisect_right(starts, position + shift) - 1, tier)
            position, hits = blob.find(needle, position + 1), hits + 1

    def fuzzy(self, query: str) -> dict[int, int]:
        """Villages whose name is one or two typos away, or whose words are one typo away."""
        names = set(_close_in_set(query, self.exact))
        if not names:
            names = set(self._close_by_bucket(query))
        found = {i: _FUZZY for name in names for i in self.exact[name]}
        if not found and " " in query:
            corrected = " ".join(_correct_word(w, self.words) for w in query.split())
            if corrected != query:
                found = {i: _FUZZY for i in self.direct(corrected, enough=1)}
        return found

    def _close_by_bucket(self, query: str) -> list[str]:
        candidates = [
            key
            for length in range(len(query) - 2, len(query) + 3)
            for key in self.buckets.get((query[0], length), ())
        ]
        return difflib.get_close_matches(query, candidates, n=8, cutoff=_FUZZY_CUTOFF)


_ALPHABET = "abcdefghijklmnopqrstuvwxyz "


def _edits1(word: str) -> Iterator[str]:
    """Every string one deletion, swap, replacement or insertion away (Norvig's speller)."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    for left, right in splits:
        if right:
            yield left + right[1:]
            for ch in _ALPHABET:
                yield left + ch + right[1:]
        if len(right) > 1:
            yield left + right[1] + right[0] + right[2:]
        for ch in _ALPHABET:
            yield left + ch + right


def _names_place(place_words: frozenset[str], typed: list[str]) -> bool:
    """Every typed word starts a word of the kecamatan/kabupaten/provinsi ("cian" → Cianjur)."""
    return all(any(word.startswith(t) for word in place_words) for t in typed)


def _close_in_set(word: str, known: Container[str]) -> list[str]:
    # Short words have too many one-letter neighbours to guess from.
    if len(word) < 4:
        return []
    return sorted({e for e in _edits1(word) if e in known})


def _correct_word(word: str, vocabulary: frozenset[str]) -> str:
    if word in vocabulary:
        return word
    close = _close_in_set(word, vocabulary)
    return close[0] if close else word


class RegionIndex:
    """Every known region code, current and retired, plus a search over current villages.

    Region and Village objects are built on demand: making 91,599 frozen dataclasses up
    front would cost more than half of the one-second load budget.
    """

    def __init__(self, entries: Iterable[_Entry]) -> None:
        self._entries: dict[str, tuple[str, Level, bool]] = {}
        for code, name, level, retired in entries:
            if code not in self._entries or self._entries[code][2]:
                self._entries[code] = (name, level, retired)
        self._place_keys: dict[str, frozenset[str]] = {}

    @cached_property
    def _search(self) -> _SearchIndex:
        # Built on first use: checking a NIK or KK needs only the codes, not village search.
        villages = sorted(
            (code, name)
            for code, (name, level, retired) in self._entries.items()
            if level == "desa" and not retired
        )
        return _SearchIndex([c for c, _ in villages], [n for _, n in villages])

    @cached_property
    def _index_of(self) -> dict[str, int]:
        return {code: i for i, code in enumerate(self._search.codes)}

    def warm(self) -> RegionIndex:
        """Build the village search now (a server does it at start, not on a first message)."""
        _ = self._index_of
        return self

    @classmethod
    def load(cls) -> RegionIndex:
        return cls(_load_entries())

    @classmethod
    def from_regions(cls, regions: Iterable[Region]) -> RegionIndex:
        """A small index for tests or tools, from Region objects."""
        return cls((r.code, r.name, r.level, r.retired) for r in regions)

    def get(self, code: str) -> Region | None:
        key = dotted_code(code)
        entry = None if key is None else self._entries.get(key)
        return None if key is None or entry is None else Region(key, *entry)

    def village(self, code: str) -> Village | None:
        key = dotted_code(code)
        entry = None if key is None else self._entries.get(key)
        if key is None or entry is None or entry[1] != "desa":
            return None
        return self._make_village(key)

    def villages_in_kecamatan(self, kecamatan_code: str) -> list[Village]:
        """Current villages of a kecamatan, by name (for a numbered choice list).

        A retired kecamatan gives []: its villages now sit under new codes, and offering
        the old ones would put a citizen's address under a code that no longer exists.
        """
        key = dotted_code(kecamatan_code)
        indices = self._search.by_kecamatan.get(key or "", [])
        villages = [self._village_at(i) for i in indices]
        return sorted(villages, key=lambda v: (v.name, v.code))

    def search_villages(
        self, query: str, *, prefer_kecamatan: str | None = None, limit: int = 8
    ) -> list[Village]:
        key = search_key(query)
        if not key or limit <= 0:
            return []
        # A village code works too: its first three parts are its kecamatan.
        preferred_code = (dotted_code(prefer_kecamatan or "") or "")[:8]
        preferred = self._search.by_kecamatan.get(preferred_code, [])
        found = self._search.direct(key, enough=limit)
        if not found:
            found = self._with_place(key) or self._search.fuzzy(key)
        for i, tier in self._match_within(key, preferred).items():
            found[i] = min(tier, found.get(i, tier))
        preferred_set = set(preferred)
        keys, codes = self._search.keys, self._search.codes
        ranked = heapq.nsmallest(
            limit,
            found.items(),
            key=lambda it: (
                it[0] not in preferred_set,
                it[1],
                len(keys[it[0]]),
                keys[it[0]],
                codes[it[0]],
            ),
        )
        return [self._village_at(i) for i, _tier in ranked]

    def _match_within(self, key: str, indices: list[int]) -> dict[int, int]:
        """Match against one kecamatan's villages directly, typos included (a few dozen names)."""
        found: dict[int, int] = {}
        for i in indices:
            name = self._search.keys[i]
            if name == key:
                found[i] = _EXACT
            elif name.startswith(key):
                found[i] = _NAME_PREFIX
            elif (" " + key) in name:
                found[i] = _WORD_PREFIX
            elif key in name:
                found[i] = _SUBSTRING
            elif difflib.SequenceMatcher(None, key, name).ratio() >= _FUZZY_CUTOFF:
                found[i] = _FUZZY
        return found

    def _with_place(self, key: str) -> dict[int, int]:
        """A village name followed by where it is: "sukamaju cibeber", "sukamaju kab. cianjur"."""
        words = key.split()
        for cut in range(len(words) - 1, 0, -1):
            place = [w for w in words[cut:] if w not in _PLACE_LABELS]
            if not place or words[cut - 1] in _PLACE_LABELS:
                continue
            matches = self._search.direct(" ".join(words[:cut]), enough=0)
            kept = {i: t for i, t in matches.items() if _names_place(self._place_words(i), place)}
            if kept:
                return kept
        return {}

    def _place_words(self, index: int) -> frozenset[str]:
        kecamatan_code = self._search.codes[index][:8]
        cached = self._place_keys.get(kecamatan_code)
        if cached is None:
            village = self._village_at(index)
            place = fold(f"{village.kecamatan} {village.kabupaten} {village.provinsi}")
            cached = frozenset(place.split())
            self._place_keys[kecamatan_code] = cached
        return cached

    def _village_at(self, index: int) -> Village:
        return self._make_village(self._search.codes[index])

    def _name(self, code: str) -> str:
        entry = self._entries.get(code)
        return entry[0] if entry else ""

    def _make_village(self, code: str) -> Village:
        name, _level, retired = self._entries[code]
        return Village(
            code=code,
            name=name,
            kecamatan=self._name(code[:8]),
            kabupaten=self._name(code[:5]),
            provinsi=self._name(code[:2]),
            retired=retired,
        )


@cache
def default_regions() -> RegionIndex:
    return RegionIndex.load()


@cache
def district_regions() -> RegionIndex:
    """Provinces, regencies and kecamatan only (no villages): all that NIK and KK checks
    read, at a tenth of the load time and memory (the `check` command)."""
    return RegionIndex(entry for entry in _load_entries() if entry[2] != "desa")
