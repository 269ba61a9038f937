"""Proposing a household in one's own capacity (Permensos 3/2021 Pasal 5): an RT head, a
kepala dusun, a village official or a PSKS files for another household, told as chats."""

from __future__ import annotations

from conversations.effects import Proposer
from tests.conversations.transcript import NIK_MAN, USULAN_TYPED, Chat, transcript

NIK_RT = "3204051010700005"  # the RT head: born 10-10-1970

# An RT head's proposal for Budi Santoso's household, up to the photos.
AS_RT_HEAD = [
    *USULAN_TYPED[:3],
    ("4", "NIK dan nama Anda sendiri (pengusul)"),
    (f"{NIK_RT} Ahmad Fauzi", "Nomor HP Anda (pengusul)"),
    # Asked of the household's person, never "type your own NIK" (that was the proposer's).
    ("0812 1111 2222", "Ketik NIK dan nama orang yang Anda usulkan, seperti di KTP-nya."),
    *USULAN_TYPED[4:],
]


def _to_summary(chat: Chat, household_phone: str) -> str:
    transcript(chat, AS_RT_HEAD)
    assert "foto rumah" in chat.photo("ktp-1")
    assert "lokasi" in chat.photo("house-1")
    assert "Nomor HP keluarga yang diusulkan" in chat.location()
    return chat.say(household_phone)


def test_the_capacities_of_pasal_5_are_offered_beside_self_family_and_another_household():
    chat = Chat()
    transcript(chat, USULAN_TYPED[:3])
    assert chat.buttons() == [
        "Diri sendiri dan keluarga saya",
        "Anggota keluarga saya",
        "Keluarga lain di desa saya",
        "Warga, saya Ketua RT/RW",
        "Warga, saya kepala dusun",
        "Warga, saya kepala desa/lurah atau perangkat desa",
        "Warga, saya PSKS (TKSK, pendamping PKH, Karang Taruna, dll.)",
    ]


def test_an_rt_head_files_with_their_own_identity_apart_from_the_household():
    chat = Chat()
    summary = _to_summary(chat, "0813 5555 6666")
    # The proposer's part of the summary comes first, on its own.
    proposer_part, household_part = summary.split("---")[0], summary.split("---")[1]
    assert "Data Anda (pengusul)" in proposer_part and "NIK pengusul: 3204********0005" in summary
    assert "Nama pengusul: Ahmad Fauzi" in proposer_part
    assert "Nomor HP pengusul: +6281211112222" in proposer_part
    # Looked back on, the button "Warga, saya Ketua RT/RW" reads as what it means.
    assert "Usulan untuk: Warga yang Anda usulkan sebagai Ketua RT/RW" in household_part
    assert "Nama: Budi Santoso" in household_part
    assert "Nomor HP keluarga yang diusulkan: +6281355556666" in household_part
    done = chat.say("ya")
    assert "Kode tiket: U-" in done
    assert "Keluarga yang diusulkan juga akan diberi kabar hasilnya" in done
    [filed] = [r.submission for r in chat.register.requests]
    assert filed.subtype == "rt_rw"
    assert (filed.nik, filed.name) == (NIK_MAN, "Budi Santoso")  # the household's head
    assert filed.proposer == Proposer("rt_rw", NIK_RT, "Ahmad Fauzi", "+6281211112222")
    # The household's answers hold its own phone and nothing of the proposer.
    assert filed.answers["household_phone"] == "+6281355556666"
    assert not any(k.startswith("proposer") for k in filed.answers)
    assert "phone" not in filed.answers


def test_the_households_part_is_called_what_it_is_and_found_by_either_name():
    chat = Chat()
    summary = _to_summary(chat, "0813 5555 6666")
    # Not "Data diri" (one's own data): the RT head is proposing someone else.
    assert "2. Data yang diusulkan" in summary and "Data diri" not in summary
    assert "Apa yang ingin diubah di bagian Data yang diusulkan?" in chat.say(
        "ubah data diri"  # the usual words still open it
    )
    chat.say("kembali")
    assert "bagian Data yang diusulkan" in chat.say("ubah data yang diusulkan")


def test_an_rt_head_proposing_again_taps_their_own_identity_and_phone():
    first = Chat()
    _to_summary(first, "0813 5555 6666")
    first.say("ya")
    again = Chat(first.register)  # the same chat, another day
    transcript(again, AS_RT_HEAD[:4])
    # Their own NIK and name as the proposer, not the household's they proposed before.
    assert again.buttons() == ["Pakai data sebelumnya: 3204********0005 Ahmad F."]
    assert "Nomor HP Anda (pengusul)" in again.press(again.buttons()[0])
    assert again.buttons() == ["Pakai data sebelumnya: +62812*****222"]
    assert "orang yang Anda usulkan" in again.say("1")
    assert (again.state.answers["proposer_nik"], again.state.answers["proposer_name"]) == (
        NIK_RT,
        "Ahmad Fauzi",
    )


def test_the_households_phone_may_be_skipped_and_then_only_the_proposer_is_told():
    for skipped in ("lewati", "ga tau", "tidak tahu"):
        chat = Chat()
        summary = _to_summary(chat, skipped)
        assert "Nomor HP keluarga yang diusulkan: (dilewati)" in summary
        done = chat.say("ya")
        assert "Kode tiket" in done and "Keluarga yang diusulkan juga" not in done
        assert chat.register.requests[0].submission.answers["household_phone"] is None


def test_the_proposer_cannot_also_be_the_household_proposed_or_a_member_of_it():
    chat = Chat()
    transcript(chat, AS_RT_HEAD[:6])  # at the household's NIK
    assert "sudah diisi untuk orang lain" in chat.say(f"{NIK_RT} Ahmad Fauzi")
    transcript(chat, [(NIK_MAN, "Kartu Keluarga")])
    lines = [step for step in AS_RT_HEAD[7:] if "Siapa saja" in step[1]]
    transcript(chat, [*AS_RT_HEAD[7 : AS_RT_HEAD.index(lines[0]) + 1]])
    assert "sudah diisi untuk orang lain" in chat.say(f"{NIK_RT} Ahmad Fauzi")


def test_a_proposal_for_oneself_asks_nothing_of_a_proposer():
    chat = Chat()
    transcript(chat, USULAN_TYPED[:4])
    assert "pengusul" not in chat.last.text
    assert not any(k.startswith("proposer") for k in chat.state.answers)
