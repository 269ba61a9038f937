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


def test_once_installed_every_record_is_masked_traceback_and_arguments_included() -> None:
    import io

    from bot.logs import install_masking

    install_masking()
    install_masking()  # idempotent: not masked twice, not wrapped twice
    out = io.StringIO()
    handler = logging.StreamHandler(out)  # a handler with no filter of its own
    logger = logging.getLogger("test.masking.installed")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            raise ValueError("duplicate key (nik)=(3204051708850001)")
        except ValueError:
            logger.exception("submit failed for %s in %r", "3204051708850001", ("x", 1))
        # uvicorn's access log unpacks its arguments: they keep their shape.
        logger.warning('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", "/?n=1", "1.1", 200)
    finally:
        logger.removeHandler(handler)
    logged = out.getvalue()
    assert "3204051708850001" not in logged
    assert "submit failed for 3204********0001" in logged
    assert "ValueError: duplicate key (nik)=(3204********0001)" in logged
    assert '127.0.0.1:5 - "GET /?n=1 HTTP/1.1" 200' in logged


LEAKY_COMMAND = """
import logging, sys, types
import click
import bot.cli

@click.command()
def leak():
    logging.basicConfig(stream=sys.stderr, format="%(message)s")
    try:
        raise ValueError("duplicate key (nik)=(3204051708850001)")
    except ValueError:
        logging.getLogger("leak").exception("failed for %s", "3204051708850001")

module = types.ModuleType("leaky")
module.leak = leak
sys.modules["leaky"] = module
bot.cli.COMMANDS["leak"] = "leaky:leak"
bot.cli.main(["leak"])
"""


def test_every_command_line_process_masks_its_log_from_the_start() -> None:
    """`dtsen-bot worker`, `purge`, `keys`... all start in the command group, which installs
    the masking before the command runs: a command that installs nothing itself and logs
    a NIK with its traceback, in a fresh process, logs it masked (issue 9, item 4)."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", LEAKY_COMMAND], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "failed for 3204********0001" in done.stderr
    assert "ValueError: duplicate key (nik)=(3204********0001)" in done.stderr
    assert "3204051708850001" not in done.stderr
