"""Sealing personal data: what a stolen database or key file gives an outsider."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from models.crypto import KeyRing, SealError, add_key_version, load_keys
from tests.conftest import TEST_KEYS

NIK = "3204014101900001"


def test_a_sealed_nik_opens_with_the_keys_and_shows_nothing_without_them() -> None:
    sealed = TEST_KEYS.seal(NIK, "request.nik")
    assert sealed.startswith("v2:") and NIK not in sealed
    assert TEST_KEYS.open(sealed, "request.nik") == NIK
    # The same NIK twice gives two different sealed values (fresh nonce each time).
    assert TEST_KEYS.seal(NIK, "request.nik") != sealed


def test_a_value_changed_or_moved_to_another_column_is_refused() -> None:
    sealed = TEST_KEYS.seal(NIK, "request.nik")
    with pytest.raises(SealError):
        TEST_KEYS.open(sealed, "request.kk")
    flipped = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(SealError):
        TEST_KEYS.open(flipped, "request.nik")


def test_values_under_an_older_key_still_open_and_reseal_under_the_newest() -> None:
    old = KeyRing({1: TEST_KEYS.keys[1]}, TEST_KEYS.lookup_key)
    sealed = old.seal(NIK, "request.nik")
    assert sealed.startswith("v1:")
    resealed = TEST_KEYS.reseal(sealed, "request.nik")
    assert resealed.startswith("v2:") and TEST_KEYS.open(resealed, "request.nik") == NIK
    assert TEST_KEYS.reseal(resealed, "request.nik") == resealed  # already current: as is


def test_the_lookup_digest_finds_the_same_nik_and_only_with_the_key() -> None:
    assert TEST_KEYS.lookup(NIK) == TEST_KEYS.lookup(NIK)
    assert TEST_KEYS.lookup(NIK) != TEST_KEYS.lookup("3204014101900002")
    other = KeyRing(TEST_KEYS.keys, b"\x09" * 32)
    assert other.lookup(NIK) != TEST_KEYS.lookup(NIK)


def test_a_first_run_makes_one_private_key_file_and_keeps_it(tmp_path: Path) -> None:
    first = load_keys(None, None, tmp_path)
    path = tmp_path / "data_keys"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_keys(None, None, tmp_path) == first  # the same keys on the next start
    assert [p.name for p in tmp_path.iterdir()] == ["data_keys"]

    newer = add_key_version(tmp_path)
    assert newer.current == 2 and newer.keys[1] == first.keys[1]
    assert load_keys(None, None, tmp_path) == newer


def test_configured_keys_must_come_in_pairs_and_be_32_bytes(tmp_path: Path) -> None:
    with pytest.raises(SealError):
        load_keys("1:AAAA", None, tmp_path)
    with pytest.raises(SealError):
        load_keys("1:AAAA", "AAAA", tmp_path)
    assert not (tmp_path / "data_keys").exists()
