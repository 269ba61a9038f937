"""The request-kind registry: each kind has what the rest of the bot reads from it."""

from __future__ import annotations

from conversations.catalogue import LANGUAGES, catalogue
from conversations.flows import FLOWS
from conversations.kinds import ELIGIBILITY, KINDS, TEXTS, request_kind
from conversations.tickets import format_ticket, normalise


def test_every_registered_kind_has_its_texts_in_every_language():
    missing = [
        f"{language}:{key.format(kind.name)}"
        for kind in KINDS
        for key in TEXTS
        for language in LANGUAGES
        if not catalogue(language).has(key.format(kind.name))
    ]
    assert missing == []


def test_every_kind_has_a_flow_on_the_menu_whose_first_choice_is_its_subtype():
    for kind in KINDS:
        flow = FLOWS[kind.name]
        assert flow.on_menu
        subtype_step = next(
            n for n in flow.nodes if getattr(n, "choices", None) and n.key != "consent"
        )
        assert subtype_step.choices.values == kind.subtypes  # type: ignore[union-attr]


def test_a_kinds_letter_starts_its_tickets():
    assert format_ticket(request_kind("usulan").letter + "7KQ4M9") == "U-7KQ4M9"
    assert normalise("s-223344") == "S223344"
    assert normalise("X-223344") is None


def test_a_kind_with_its_own_decisions_tells_each_of_them_and_its_stages_in_every_language():
    missing = [
        f"{language}:{key}"
        for kind in KINDS
        if kind.decisions != ELIGIBILITY
        for key in (
            *(f"notify.{kind.name}.decision.{d.code}" for d in kind.decisions),
            *(f"notify.{kind.name}.stage.{stage}" for stage in kind.stage_labels),
        )
        for language in LANGUAGES
        if not catalogue(language).has(key)
    ]
    assert missing == []


def test_a_sanggahan_is_decided_upheld_or_rejected_and_a_rejection_needs_the_reason():
    upheld, rejected = request_kind("sanggahan").decisions
    assert upheld.label == "Sanggahan diterima — usulkan dikeluarkan/diperbaiki"
    assert rejected.label == "Sanggahan ditolak — data tetap" and rejected.note_required
    # Meetings recorded before kinds had their own decisions stored the action's name.
    assert request_kind("sanggahan").decision("layak") == upheld
