"""Every typed usulan question refuses a wrong answer kindly and keeps what was answered."""

from __future__ import annotations

import pytest

from tests.conversations.transcript import USULAN_TYPED, Chat, transcript, until

# (index in USULAN_TYPED of the answer to replace, a wrong answer, a piece of the explanation)
WRONG_ANSWERS = [
    (2, "mungkin", "ya"),  # consent
    (3, "8", "1 sampai 7"),  # for whom
    (4, "12345", "16 angka"),  # NIK
    (4, "9904051708850001", "provinsi"),  # NIK with an unknown province
    (4, "3204053208850001", "tanggal"),  # NIK with day 32
    (5, "3204050101200", "16 angka"),  # KK
    (6, "Budi 123", "huruf"),  # name
    (8, "S", "huruf"),  # mother's name
    (11, "zzzqqq", "tidak ditemukan"),  # village
    (11, "x", "3 huruf"),  # village, too short to search
    (12, "Jl", "terlalu pendek"),  # street
    (13, "abc/def", "RT/RW"),  # RT/RW without numbers
    (15, "raja", '"raja" tidak ada di pilihan'),  # relationship
    (18, "S", "huruf"),  # a member's mother's name
    (19, "123", "16 angka"),  # member NIK
    (20, "kucing", '"kucing" tidak ada di pilihan'),  # a member's sex (no NIK)
    (21, "31-02-2015", "tanggal"),  # a member's birth date
    (32, "9", "1 sampai 5"),  # special conditions
    (32, "1 5", "tidak bisa dipilih bersama"),  # "none" together with a condition
]


@pytest.mark.parametrize(
    ("index", "wrong", "explained"),
    WRONG_ANSWERS,
    ids=[f"{USULAN_TYPED[i][0][:12]}->{w}" for i, w, _ in WRONG_ANSWERS],
)
def test_a_wrong_answer_is_explained_and_the_same_question_asked_again(
    index: int, wrong: str, explained: str
) -> None:
    chat = Chat()
    transcript(chat, USULAN_TYPED[:index])
    question = chat.last.text
    before = dict(chat.state.answers)
    answer = chat.say(wrong)
    assert explained.lower() in answer.lower()
    assert chat.last.text.split("\n\n")[0] == question.split("\n\n")[0]
    assert chat.state.answers == before
    # And the right answer is then taken as usual.
    said, expected = USULAN_TYPED[index]
    assert expected in chat.say(said)


# A grouped answer partly right: (index, wrong, explained, the part kept, the rest alone)
PARTLY_WRONG = [
    (7, "B, 17-08-1985", "terlalu pendek", "Tanggal lahir: 17-08-1985", "Bandung"),
    (7, "Bandung, 31-02-1985", "tidak ada", "Tempat lahir: Bandung", "17-08-1985"),
    (7, "Bandung, 17-08-1986", "17-08-1985", "Tempat lahir: Bandung", "17 Agustus 1985"),
    (7, "17-08-1985", "tempat lahirnya saja", "Tanggal lahir: 17-08-1985", "Bandung"),
    (7, "Bandung", "tanggal lahirnya saja", "Tempat lahir: Bandung", "17-08-1985"),
    (13, "3/0", "tidak mungkin 0", "RT: 003", "5"),
    (13, "abc/5", "RT-nya saja", "RW: 005", "3"),
    (13, "rt 3", "RW-nya saja", "RT: 003", "rw 5"),
]
WHOLE = {7: ("birth", "Bandung, 17-08-1985"), 13: ("rt_rw", "003/005")}


@pytest.mark.parametrize(
    ("index", "wrong", "explained", "kept", "rest"),
    PARTLY_WRONG,
    ids=[f"{USULAN_TYPED[i][0][:12]}->{w}" for i, w, *_ in PARTLY_WRONG],
)
def test_the_right_part_of_a_grouped_answer_is_kept_and_only_the_rest_asked(
    index: int, wrong: str, explained: str, kept: str, rest: str
) -> None:
    chat = Chat()
    transcript(chat, USULAN_TYPED[:index])
    before = dict(chat.state.answers)
    answer = chat.say(wrong)
    # One message: the part kept, what is wrong with the other, and only that one asked.
    assert len(chat.replies) == 1
    assert f"{kept} (sudah dicatat)." in answer and explained.lower() in answer.lower()
    assert answer.splitlines()[-1].startswith("Sekarang ketik")
    assert chat.state.answers == before
    assert USULAN_TYPED[index][1] in chat.say(rest)
    key, whole = WHOLE[index]
    assert chat.state.answers[key] == whole


def test_programmes_refuse_not_sure_together_with_a_programme() -> None:
    chat = Chat()
    transcript(chat, until("Bantuan apa"))
    assert "tidak bisa dipilih bersama" in chat.say("1 4")
    assert "foto KTP" in chat.say("belum tahu")
    assert chat.state.answers["programmes"] == ["belum_tahu"]
