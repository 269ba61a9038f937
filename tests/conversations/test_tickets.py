"""Ticket generation, normalisation, display, and what typed text is worth a look-up."""

from __future__ import annotations

import random

import pytest

from conversations import tickets
from conversations.tickets import ALPHABET, format_ticket, generate, normalise


def test_alphabet_has_no_look_alikes() -> None:
    assert not set("01OIL") & set(ALPHABET)
    assert len(set(ALPHABET)) == len(ALPHABET) == 31


@pytest.mark.parametrize(("kind", "letter"), [("usulan", "U"), ("sanggahan", "S")])
def test_generated_tickets_use_the_kind_letter_and_the_alphabet(kind: str, letter: str) -> None:
    rng = random.Random(7)
    for _ in range(200):
        ticket = generate(kind, rng)
        assert len(ticket) == 7
        assert ticket[0] == letter
        assert set(ticket[1:]) <= set(ALPHABET)
        assert normalise(ticket) == ticket


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("U7KQ4M9", "U7KQ4M9"),
        ("U-7KQ4M9", "U7KQ4M9"),
        (" u-7kq 4m9 ", "U7KQ4M9"),
        ("s.22.33.44", "S223344"),
        ("U7KQ4M", None),  # too short
        ("U7KQ4M9X", None),  # too long
        ("X7KQ4M9", None),  # unknown kind letter
        ("U7KQ0M9", None),  # 0 is not in the alphabet
        ("", None),
    ],
)
def test_normalise(typed: str, expected: str | None) -> None:
    assert normalise(typed) == expected


def test_format_ticket() -> None:
    assert format_ticket("U7KQ4M9") == "U-7KQ4M9"
    assert format_ticket("s223344") == "S-223344"
    with pytest.raises(ValueError):
        format_ticket("nope")


@pytest.mark.parametrize(
    ("typed", "at_the_menu"),
    [
        ("U-7KQ4M9", True),
        ("u 7kq 4m9", True),
        ("U-7KQ4MO", True),  # a look-alike: still a ticket, mistyped
        ("7KQ4M9", True),  # without its letter
        ("U-ABCDEG", True),  # no digit, but the dash says ticket
        ("Sumbang", False),  # a word
        ("usulan", False),
        ("12345678901234", False),
    ],
)
def test_a_code_typed_at_the_menu(typed: str, at_the_menu: bool) -> None:
    assert tickets.typed_at_the_menu(typed) is at_the_menu


def test_only_a_whole_code_without_look_alikes_is_looked_up_as_it_is() -> None:
    assert tickets.complete(tickets.squeeze("u-7kq4m9"))
    assert not tickets.complete("U7KQ4MO") and tickets.worth_a_look("U7KQ4MO")
    assert not tickets.complete("7KQ4M9") and tickets.worth_a_look("7KQ4M9")
    assert not tickets.worth_a_look("X7KQ4M9") and not tickets.worth_a_look("U7KQ")


@pytest.mark.parametrize(
    ("typed", "code"),
    [("u-7kq4 m9", "U7KQ4M9"), ("U7KQ4M9", "U7KQ4M9"), (" s.12ab-34 ", "S12AB34"), ("", "")],
)
def test_squeeze(typed: str, code: str) -> None:
    assert tickets.squeeze(typed) == code
