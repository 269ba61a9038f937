"""Ticket generation, normalisation and display."""

from __future__ import annotations

import random

import pytest

from models.tickets import TICKET_ALPHABET, format_ticket, generate_ticket, normalise_ticket


def test_alphabet_has_no_look_alikes() -> None:
    assert not set("01OIL") & set(TICKET_ALPHABET)
    assert len(set(TICKET_ALPHABET)) == len(TICKET_ALPHABET) == 31


@pytest.mark.parametrize(("kind", "letter"), [("usulan", "U"), ("sanggahan", "S")])
def test_generated_tickets_use_the_kind_letter_and_the_alphabet(kind: str, letter: str) -> None:
    rng = random.Random(7)
    for _ in range(200):
        ticket = generate_ticket(kind, rng)
        assert len(ticket) == 7
        assert ticket[0] == letter
        assert set(ticket[1:]) <= set(TICKET_ALPHABET)
        assert normalise_ticket(ticket) == ticket


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
def test_normalise_ticket(typed: str, expected: str | None) -> None:
    assert normalise_ticket(typed) == expected


def test_format_ticket() -> None:
    assert format_ticket("U7KQ4M9") == "U-7KQ4M9"
    assert format_ticket("s223344") == "S-223344"
    with pytest.raises(ValueError):
        format_ticket("nope")
