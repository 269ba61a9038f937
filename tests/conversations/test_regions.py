"""Region codes and the village search a citizen uses to give an address."""

from __future__ import annotations

import pytest

from conversations.validators import Region, RegionIndex, Village, default_regions, dotted_code

CIBEBER = "32.03.03"  # Kab. Cianjur; one of its villages is Sukamaju


@pytest.fixture(scope="module")
def regions() -> RegionIndex:
    return default_regions()


def names(villages: list[Village]) -> list[str]:
    return [v.name for v in villages]


# --- codes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name", "level"),
    [
        pytest.param("32", "Jawa Barat", "provinsi", id="province"),
        pytest.param("32.04", "Kabupaten Bandung", "kabupaten", id="regency-dotted"),
        pytest.param("3204", "Kabupaten Bandung", "kabupaten", id="regency-digits"),
        pytest.param("32.73", "Kota Bandung", "kabupaten", id="city"),
        pytest.param("320405", "Cileunyi", "kecamatan", id="kecamatan-digits"),
        pytest.param(" 32.04.05 ", "Cileunyi", "kecamatan", id="kecamatan-spaces"),
        pytest.param("3204052001", "Cileunyi Kulon", "desa", id="village-digits"),
    ],
)
def test_get_accepts_dotted_and_plain_digits(
    regions: RegionIndex, code: str, name: str, level: str
) -> None:
    region = regions.get(code)
    assert region is not None
    assert (region.name, region.level, region.retired) == (name, level, False)
    assert region.code == dotted_code(code)


@pytest.mark.parametrize(
    "code", ["", "3", "32.4", "320", "3204051", "32-04", "abc", "99", "32.04.99"]
)
def test_get_unknown_or_malformed_is_none(regions: RegionIndex, code: str) -> None:
    assert regions.get(code) is None


def test_retired_codes_resolve(regions: RegionIndex) -> None:
    regency = regions.get("9101")
    assert regency == Region("91.01", "Kabupaten Merauke", "kabupaten", retired=True)
    kecamatan = regions.get("91.01.01")
    assert kecamatan is not None and kecamatan.retired and kecamatan.name == "Merauke"
    village = regions.village("9101011002")
    assert village is not None and village.retired
    assert village.label() == "Samkai, Kec. Merauke, Kabupaten Merauke"


def test_current_wins_over_retired() -> None:
    index = RegionIndex.from_regions(
        [
            Region("32", "Jawa Barat", "provinsi", retired=False),
            Region("32.04", "KAB. BANDUNG", "kabupaten", retired=True),
            Region("32.04", "Kabupaten Bandung", "kabupaten", retired=False),
            Region("32.04", "KAB. BANDUNG LAMA", "kabupaten", retired=True),
        ]
    )
    assert index.get("3204") == Region("32.04", "Kabupaten Bandung", "kabupaten", retired=False)


def test_an_index_without_villages_finds_nothing() -> None:
    index = RegionIndex.from_regions([Region("32", "Jawa Barat", "provinsi", retired=False)])
    assert index.search_villages("jawa") == []
    assert index.villages_in_kecamatan("32.04.05") == []


def test_village_label(regions: RegionIndex) -> None:
    village = regions.village("32.03.03.2013")
    assert village is not None
    assert village.label() == "Sukamaju, Kec. Cibeber, Kabupaten Cianjur"
    assert (village.provinsi, village.kecamatan_code) == ("Jawa Barat", CIBEBER)
    assert regions.village("32.04.05") is None  # a kecamatan, not a village


def test_villages_in_kecamatan(regions: RegionIndex) -> None:
    villages = regions.villages_in_kecamatan("320405")
    assert "Cileunyi Kulon" in names(villages)
    assert names(villages) == sorted(names(villages))
    assert all(v.kecamatan == "Cileunyi" and not v.retired for v in villages)
    assert regions.villages_in_kecamatan("32.04.05") == villages
    assert regions.villages_in_kecamatan("91.01.01") == []  # retired: villages moved to 93.01.01


# --- search ----------------------------------------------------------------------------------


def test_search_lists_namesakes_with_kecamatan_and_kabupaten(regions: RegionIndex) -> None:
    found = regions.search_villages("sukamaju")
    assert len(found) == 8
    assert set(names(found)) == {"Sukamaju"}
    labels = [v.label() for v in found]
    assert len(set(labels)) == len(labels), "each choice must be told apart by its place"
    assert all(", Kec. " in label for label in labels)


def test_limit(regions: RegionIndex) -> None:
    assert len(regions.search_villages("sukamaju", limit=3)) == 3
    assert len(regions.search_villages("sukamaju", limit=60)) == 60
    assert regions.search_villages("sukamaju", limit=0) == []


@pytest.mark.parametrize("kecamatan", [CIBEBER, CIBEBER.replace(".", ""), "3203032001"])
def test_prefer_kecamatan_puts_its_villages_first(regions: RegionIndex, kecamatan: str) -> None:
    plain = regions.search_villages("sukamaju")
    assert plain[0].kecamatan_code != CIBEBER
    preferred = regions.search_villages("sukamaju", prefer_kecamatan=kecamatan)
    assert preferred[0].label() == "Sukamaju, Kec. Cibeber, Kabupaten Cianjur"
    assert preferred[1:] == plain[:7]


def test_prefer_kecamatan_also_forgives_a_typo_there(regions: RegionIndex) -> None:
    found = regions.search_villages("sukamajuu", prefer_kecamatan=CIBEBER)
    assert found[0].code == "32.03.03.2013"


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("desa sukamaju", id="desa"),
        pytest.param("Desa Sukamaju", id="Desa"),
        pytest.param("kelurahan sukamaju", id="kelurahan"),
        pytest.param("Kel. Sukamaju", id="kel-dot"),
        pytest.param("ds. sukamaju", id="ds-dot"),
        pytest.param("  SUKAMAJU  ", id="upper-and-spaces"),
        pytest.param("sukamaju.", id="trailing-dot"),
    ],
)
def test_prefixes_case_and_spacing_do_not_matter(regions: RegionIndex, query: str) -> None:
    assert regions.search_villages(query) == regions.search_villages("sukamaju")


def _tier(name: str, query: str) -> int:
    name = name.lower()
    if name == query:
        return 0
    if name.startswith(query):
        return 1
    return 2 if f" {query}" in name else 3


def test_rank_exact_then_prefix_then_word_then_substring(regions: RegionIndex) -> None:
    found = names(regions.search_villages("maju", limit=5000))
    tiers = [_tier(name, "maju") for name in found]
    assert tiers == sorted(tiers)
    assert set(tiers) == {0, 1, 2, 3}
    assert found[0] == "Maju" and "Sukamaju" in found


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("sukamju", "Sukamaju", id="letter-missing"),
        pytest.param("sukamajuu", "Sukamaju", id="letter-doubled"),
        pytest.param("skuamaju", "Sukamaju", id="letters-swapped"),
        pytest.param("cileuny kulon", "Cileunyi Kulon", id="typo-in-one-word"),
        pytest.param("tanjungsari", "Tanjungsari", id="joined"),
        pytest.param("tanjung sari", "Tanjung Sari", id="spaced"),
        pytest.param("regapuu", "Regapu\u2019u", id="apostrophe-left-out"),
        pytest.param("regapu'u", "Regapu\u2019u", id="straight-apostrophe"),
    ],
)
def test_typos_and_spelling_variants_still_find(
    regions: RegionIndex, query: str, expected: str
) -> None:
    assert expected in names(regions.search_villages(query))


def test_village_then_place_narrows_the_list(regions: RegionIndex) -> None:
    for query in ("sukamaju cibeber", "Sukamaju, Kec. Cibeber", "sukamaju kec cibeber"):
        assert [v.code for v in regions.search_villages(query)] == ["32.03.03.2013"], query
    in_cianjur = regions.search_villages("sukamaju kab. cianjur")
    assert in_cianjur and all(v.kabupaten == "Kabupaten Cianjur" for v in in_cianjur)


@pytest.mark.parametrize("query", ["xyzzyqq", "", "   ", "desa", "12345", "!!!"])
def test_nothing_found_is_an_empty_list(regions: RegionIndex, query: str) -> None:
    assert regions.search_villages(query) == []


def test_search_offers_current_villages_only(regions: RegionIndex) -> None:
    retired = regions.village("91.01.01.1002")
    assert retired is not None and retired.name == "Samkai" and retired.retired
    found = regions.search_villages("Samkai", limit=50)
    assert found, "the renumbered village is found under its current code"
    assert all(not v.retired and not v.code.startswith("91.01.") for v in found)
