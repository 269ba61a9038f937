"""The golden conversations, compared whole, and the number of messages they take.

After a wanted change of a text or a question, write the files again and read the diff:

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/conversations/test_golden.py

Run with `-s` to see the figures (messages per flow, longest message).
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from conversations.catalogue import LANGUAGES, Language
from tests.conversations.golden import SCENARIOS, record

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
LIMIT = 600
# Citizen messages from choosing the flow in the menu to the one that sends it (inclusive).
# Issue 10 asks every member's birth place and mother's name (the BNBA's columns; two
# messages per member, three members here) and offers their occupation and disability in
# one question (one tap to decline): 34 and 28 before.
TARGETS = {"usulan": 41, "usulan_sendiri": 26, "usulan_ktp": 35}
# The same, counted as issue 12 did (the answers to the form's questions: neither the menu
# choice nor the confirmation of the summary): 41 and 31 before issue 12, 32 and 26 before
# issue 10.
TARGETS_FORM_ANSWERS = {"usulan": 39, "usulan_sendiri": 24, "usulan_ktp": 33}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_conversation_is_exactly_the_golden_one(name: str, language: Language) -> None:
    path = GOLDEN / f"{name}.{language}.txt"
    text = record(name, language).text()
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"no {path.name}: UPDATE_GOLDEN=1 writes it"
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        diff = difflib.unified_diff(
            expected.splitlines(), text.splitlines(), "golden", "now", lineterm="", n=2
        )
        pytest.fail(
            f"{path.name} differs (UPDATE_GOLDEN=1 if on purpose):\n" + "\n".join(diff),
            pytrace=False,
        )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_no_bot_message_is_longer_than_600_characters(name: str, language: Language) -> None:
    too_long = [r.text for r in record(name, language).replies if len(r.text) > LIMIT]
    assert not too_long


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", sorted(TARGETS))
def test_an_usulan_takes_few_messages(name: str, language: Language) -> None:
    recorder = record(name, language)
    messages = len(recorder.counted)
    form_answers = messages - 2
    longest = max(len(reply.text) for reply in recorder.replies)
    print(
        f"\n[{language}] {name}: {messages} citizen messages from the menu choice to the"
        f" ticket ({form_answers} answers to the form), longest bot message {longest}"
    )
    assert messages <= TARGETS[name]
    assert form_answers <= TARGETS_FORM_ANSWERS[name]
