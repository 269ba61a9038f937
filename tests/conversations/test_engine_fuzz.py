"""Hypothesis drives the engine at every step of the usulan with hostile input: arbitrary
Unicode, control characters, very long text, random choice ids. Whatever comes, the engine
raises nothing, always answers, and loses no answer already given (only a command such as
"batal" or "kembali" may take answers away, and that is what the citizen asked for).

Examples per run come from the Hypothesis profile (tests/conftest.py): small in CI,
larger with HYPOTHESIS_PROFILE=long.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from conversations.types import Incoming
from conversations.words import command_of
from tests.conversations.transcript import USULAN_TYPED, Chat

hostile_text = (
    st.text(max_size=200)
    | st.text(alphabet=st.characters(max_codepoint=0x20), max_size=50)  # control characters
    | st.sampled_from(["\x00", "Jl. Mawar\x00 No. 1", "\u202e", "\ud800", "\ufeff1", "e\u0301"])
    | st.integers(min_value=0, max_value=10**20).map(str)
    | st.builds(lambda c, n: c * n, st.sampled_from("x9 \n"), st.integers(5_000, 100_000))
)
choice_ids = st.text(max_size=40) | st.sampled_from(["", "0", "-1", "999", "yes", "no", "ya"])
inputs = st.lists(
    st.one_of(
        hostile_text.map(lambda t: ("text", t)),
        choice_ids.map(lambda c: ("choice", c)),
    ),
    min_size=1,
    max_size=3,
)


@given(step=st.integers(min_value=0, max_value=len(USULAN_TYPED)), hostile=inputs)
def test_hostile_input_at_any_step_is_answered_and_loses_nothing(
    step: int, hostile: list[tuple[str, str]]
) -> None:
    chat = Chat()
    for said, _ in USULAN_TYPED[:step]:
        chat.say(said)
    for kind, value in hostile:
        before = dict(chat.state.answers)
        chat.now = chat.now.replace(microsecond=0)
        if kind == "text":
            replies = chat.send(Incoming(now=chat.now, text=value))
        else:
            replies = chat.send(Incoming(now=chat.now, choice=value))
        assert replies and all(r.text.strip() for r in replies), (kind, value)
        if kind == "text" and command_of(value) is not None:
            continue  # batal, kembali, menu...: the citizen asked for it
        lost = {k for k in before if k not in chat.state.answers}
        assert not lost, (kind, value, lost)


def test_a_five_thousand_digit_answer_where_a_position_is_asked_is_answered() -> None:
    """Found by the long run: `int()` refuses more than 4,300 digits with a ValueError."""
    many = "9" * 5000
    chat = Chat()
    for said, expected in USULAN_TYPED:
        if expected in ("Alamat", "foto KTP"):  # at the village and the multi-choice question
            assert chat.say(many)
        chat.say(said)
    chat = Chat()
    for said, _ in USULAN_TYPED[:11]:
        chat.say(said)
    assert "Pilih" in chat.say("sukamaju")  # many villages: a numbered list
    assert chat.say(many)


def test_a_huge_number_at_the_rt_rw_question_is_answered() -> None:
    """Found by the second long run (RT/RW): whatever a caller passes, the engine cuts."""
    chat = Chat()
    for said, expected in USULAN_TYPED:
        if expected == "Siapa saja":  # the RT/RW question was just asked
            assert chat.say("9" * 5000)
        chat.say(said)
