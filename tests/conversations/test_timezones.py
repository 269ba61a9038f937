"""Which clock an area keeps, from its province code."""

from __future__ import annotations

import pytest

from conversations.timezones import NATIONAL, zone_of_area


@pytest.mark.parametrize(
    ("area", "zone"),
    [
        ("32.04.05.2004", "WIB"),  # Cinunuk, Kabupaten Bandung
        ("15.08", "WIB"),  # Bungo, Jambi
        ("52.72", "WITA"),  # Kota Bima, NTB
        ("61.10", "WIB"),  # Kapuas Hulu, Kalimantan Barat
        ("64.72", "WITA"),  # Kota Samarinda
        ("91.71", "WIT"),  # Kota Jayapura
        ("81", "WIT"),  # Maluku
    ],
)
def test_an_areas_clock_follows_its_province(area: str, zone: str) -> None:
    assert zone_of_area(area).abbreviation == zone


def test_the_register_counts_days_on_jakarta_time() -> None:
    assert NATIONAL.key == "Asia/Jakarta"
