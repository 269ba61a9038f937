"""Photo checks on generated phone photos: each fault is refused with its own reason, and
ordinary damaged photos (tilt, uneven light, a finger on a corner, JPEG 30-70) pass."""

from __future__ import annotations

import random
import struct
import zlib

import pytest

from benchmarks import ktp_cards
from bot.photos.card import CARD_HEIGHT, CARD_WIDTH
from bot.photos.image import decode
from bot.photos.quality import check


def _card(seed: int) -> tuple[random.Random, object]:
    rng = random.Random(seed)
    return rng, ktp_cards.render_card(ktp_cards.make_person(rng), rng)


@pytest.mark.parametrize("kind", ktp_cards.BAD_KINDS)
def test_each_bad_ktp_photo_is_refused_with_its_own_reason(kind: str) -> None:
    rng, card = _card(11)
    image = decode(ktp_cards.bad_photo(kind, card, rng))  # type: ignore[arg-type]
    assert image is not None
    assert check(image, "ktp").problem == kind


def test_ordinary_phone_photos_of_a_card_pass() -> None:
    passed = 0
    for seed in range(12):
        rng, card = _card(1000 + seed)
        damage = ktp_cards.random_damage(rng)
        image = decode(ktp_cards.photograph(card, damage, rng))  # type: ignore[arg-type]
        assert image is not None
        passed += check(image, "ktp").problem is None
    # The benchmark measures the share over hundreds; here: nearly all of a dozen.
    assert passed >= 10


def test_a_card_held_by_a_finger_over_a_corner_is_still_found_and_straightened() -> None:
    rng, card = _card(5)
    damage = ktp_cards.Damage((1600, 1200), 0.7, 8.0, 0.03, 0.8, 0, True, 60)
    image = decode(ktp_cards.photograph(card, damage, rng))  # type: ignore[arg-type]
    assert image is not None
    checked = check(image, "ktp")
    assert checked.problem is None
    assert checked.card is not None and checked.card.shape[:2] == (CARD_HEIGHT, CARD_WIDTH)


def test_a_house_photo_is_checked_for_light_and_blur_but_not_for_a_card() -> None:
    rng = random.Random(3)
    house = ktp_cards.house_photo(rng)
    image = decode(house)
    assert image is not None and check(image, "house").problem is None
    dark = decode(ktp_cards.darkened(house))
    assert dark is not None and check(dark, "house").problem == "too_dark"
    blurred = decode(ktp_cards.blurred(house))
    assert blurred is not None and check(blurred, "house").problem == "blurred"


def test_bytes_that_are_not_an_image_are_not_decoded() -> None:
    assert decode(b"%PDF-1.4 not a photo") is None
    assert decode(b"") is None


def test_a_small_file_claiming_a_huge_picture_is_refused_before_decoding() -> None:
    # A PNG header for 30,000 x 30,000 pixels (2.7 GB decoded) in a few dozen bytes.
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", 30_000, 30_000, 8, 2, 0, 0, 0)
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00"))
    assert decode(bomb) is None
