"""NIK and KK never reach a log in clear."""

from __future__ import annotations

import logging

import pytest

from bot.logs import MaskPersonalNumbers, mask_numbers


@pytest.mark.parametrize(
    "typed",
    ["3204051708850001", "3204 0517 0885 0001", "3204.0517.0885.0001", "3204-0517-0885-0001"],
)
def test_a_nik_however_typed_is_masked(typed: str) -> None:
    assert mask_numbers(f"got {typed}!") == "got 3204********0001!"


def test_other_numbers_are_left_alone() -> None:
    text = "phone +6281234567890, 17 digits 32040517088500011, time 1732345678"
    assert mask_numbers(text) == text


def test_a_log_record_with_a_nik_argument_is_masked(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.masking")
    caplog.handler.addFilter(MaskPersonalNumbers())
    with caplog.at_level(logging.INFO, logger="test.masking"):
        logger.info("lookup for %s failed", "3204051708850001")
    assert "3204051708850001" not in caplog.text
    assert "3204********0001" in caplog.text
