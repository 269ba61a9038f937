"""Usulan mandiri, told as conversations."""

from __future__ import annotations

from conversations.effects import AttachmentRef, Member
from conversations.types import Incoming
from tests.conversations.transcript import (
    KK,
    NIK_MAN,
    NIK_WOMAN,
    USULAN_TYPED,
    Chat,
    FakeRegister,
    file_usulan,
    finish_after_photos,
    reach_photos,
    transcript,
    until,
)


def test_a_complete_usulan_is_summarised_with_the_nik_masked_and_filed_once():
    chat = Chat()
    reach_photos(chat)
    summary = finish_after_photos(chat)
    assert "Ringkasan usulan Anda" in summary
    assert "3204********0001" in summary
    assert NIK_MAN not in summary and KK not in summary
    assert "Budi Santoso" in summary  # typed in lower case, kept as on the KTP
    assert "17-08-1985" in summary
    assert "Cinunuk, Kec. Cileunyi" in summary
    assert "2 orang: Sri Wahyuni, Rina" in summary
    assert "+6281234567890" in summary

    done = chat.say("ya")
    assert "Usulan Anda sudah kami terima" in done
    assert "Kode tiket: U-" in done
    assert "musyawarah desa" in done
    [filed] = [r.submission for r in chat.register.requests]
    assert filed.nik == NIK_MAN and filed.kk == KK
    assert filed.village_code == "32.04.05.2004"
    assert filed.members == (
        Member(
            NIK_WOMAN,
            "Sri Wahyuni",
            "istri_suami",
            sex="P",
            birth_date="1985-08-17",
            birth_place="Garut",
            mother_name="Enok Suryani",
        ),
        Member(
            None,
            "Rina",
            "anak",
            sex="P",
            birth_date="2015-03-02",
            birth_place="Bandung",
            mother_name="Sri Wahyuni",
        ),
    )
    assert filed.answers["rt"] == "003" and filed.answers["rw"] == "005"
    assert filed.answers["conditions"] == ["lansia", "penyakit_kronis"]
    assert filed.answers["programmes"] == ["pkh", "bpnt"]
    assert filed.attachments == (
        AttachmentRef("ktp-1", "ktp"),
        AttachmentRef("house-1", "house_front"),
    )
    assert "member_nik_missing" in filed.flags
    assert filed.consent.version and filed.consent.given_at
    # After filing, the chat is back at rest: a new message does not file again.
    chat.say("ya")
    assert len(chat.register.requests) == 1


def test_the_summary_comes_in_sections_each_with_its_own_change_button():
    chat = Chat()
    reach_photos(chat)
    finish_after_photos(chat)
    sections = [r.text.splitlines()[2 if i == 0 else 0] for i, r in enumerate(chat.replies)]
    assert sections[:5] == ["1. Data diri", "2. Alamat", "3. Keluarga", "4. Rumah", "5. Lampiran"]
    assert chat.buttons() == [
        "Ubah Data diri",
        "Ubah Alamat",
        "Ubah Keluarga",
        "Ubah Rumah",
        "Ubah Lampiran",
        "Ya, kirim",
    ]
    assert all(len(r.text) <= 600 for r in chat.replies)


def test_a_field_is_changed_from_its_section():
    chat = Chat()
    reach_photos(chat)
    finish_after_photos(chat)
    assert "Apa yang ingin diubah di bagian Data diri?" in chat.press("Ubah Data diri")
    assert "nama lengkap" in chat.press("Nama")
    assert "Jawaban sebelumnya: Budi Santoso" in chat.replies[-1].text
    back_at_summary = chat.say("Budi Santosa")
    assert "Ringkasan usulan Anda" in back_at_summary
    assert "Budi Santosa" in back_at_summary
    chat.say("ya")
    assert chat.register.requests[0].submission.name == "Budi Santosa"


def test_a_section_is_chosen_by_its_number_or_name_and_a_field_by_its_words():
    chat = Chat()
    reach_photos(chat)
    finish_after_photos(chat)
    assert "bagian Alamat" in chat.say("ubah alamat")
    assert "RT" in chat.say("rt")
    chat.say("kembali")  # back to the summary from the question
    assert "bagian Rumah" in chat.say("4")
    assert "Atap" in chat.say("atap")
    assert "Ringkasan" in chat.say("genteng")
    assert chat.state.answers["roof"] == "genteng"


def test_changing_the_nik_from_the_summary_asks_the_birth_date_again():
    chat = Chat()
    reach_photos(chat)
    finish_after_photos(chat)
    chat.press("Ubah Data diri")
    chat.press("NIK")
    assert "Tempat/Tgl lahir" in chat.say("3204051808850001")  # born a day later
    assert "Ringkasan" in chat.say("Bandung, 18-08-1985")


def test_invalid_answers_are_explained_and_asked_again_without_losing_anything():
    chat = Chat()
    transcript(chat, USULAN_TYPED[:4])
    answer = chat.say("3204 0517 0885 001")
    assert "16 angka" in answer and "NIK" in chat.last.text
    answer = chat.say("32O4051708850001")
    assert "O" in answer
    assert "Kartu Keluarga" in chat.say("3204.0517.0885.0001")  # dots are fine
    transcript(chat, [(KK, "nama lengkap"), ("B4di", "nama"), ("Budi", "lahir")])
    # Each part of "Tempat/Tgl lahir" is checked and explained on its own.
    short = chat.say("X, 18-08-1985")
    assert "Tempat lahir:\nJawaban terlalu pendek" in short
    assert "Tanggal lahir:\nTanggal lahir di NIK adalah 17-08-1985" in short
    assert "Tempat/Tgl lahir" in chat.last.text  # nothing was right: asked whole again
    # The right part is kept and only the other asked, "Bandung" alone or with a wrong date.
    assert "Sekarang ketik tanggal lahirnya saja" in chat.say("Bandung")
    assert "Tempat lahir: Bandung (sudah dicatat)" in chat.say("18-08-1985")
    assert "ibu kandung" in chat.say("17 Agustus 1985")
    assert chat.state.answers["birth_place"] == "Bandung"
    assert chat.state.answers["birth_date"] == "1985-08-17"
    assert chat.state.answers["nik"] == NIK_MAN and chat.state.answers["name"] == "Budi"


def test_a_choice_is_accepted_by_number_words_or_button_and_refused_politely_otherwise():
    chat = Chat()
    transcript(chat, until("perkawinan"))
    assert "perkawinan" in chat.last.text
    refused = chat.say("9")
    assert '"9" tidak ada di pilihan' in refused and "1 sampai 4" in refused
    assert "Pekerjaan" in chat.press("Cerai mati")
    assert chat.state.answers["marital"] == "cerai_mati"


def test_an_old_button_is_not_taken_as_the_answer_to_a_new_question():
    chat = Chat()
    transcript(chat, USULAN_TYPED[:3])
    old_button = chat.replies[-1].choices[0].id  # "Diri sendiri", from the for-whom question
    chat.say("1")
    answer = chat.text_of(chat.send(Incoming(now=chat.now, choice=old_button)))
    assert "pertanyaan sebelumnya" in answer and "NIK" in answer
    assert "nik" not in chat.state.answers


def test_a_skippable_photo_can_be_skipped_but_the_ktp_cannot():
    chat = Chat()
    reach_photos(chat)
    assert "wajib" in chat.say("lewati")
    assert "bukan tulisan" in chat.say("ini fotonya")
    chat.photo("ktp-1")
    # No house photo now: the location is not asked either.
    assert "Nomor HP" in chat.press("Lewati")
    chat.say("081234567890")
    chat.say("ya")
    assert "house_photo_missing" in chat.register.requests[0].submission.flags


def test_members_can_be_left_for_the_village_staff():
    chat = Chat()
    lines = [*until("Siapa saja"), ("nanti", "Berapa orang"), ("3", "hubungannya"), ("1", "Lantai")]
    transcript(chat, lines)
    assert not any(k.startswith("members.") for k in chat.state.answers)
    assert chat.state.answers["household_size"] == 3


def test_members_come_in_one_message_and_only_what_is_missing_is_asked():
    chat = Chat()
    transcript(chat, until("Siapa saja"))
    answer = chat.say(f"1. {NIK_WOMAN} Sri Wahyuni\n2. Rina\n3. 3204050203150003")
    assert "hubungannya dengan kepala keluarga" in answer
    answers = chat.state.answers
    assert answers["household_size"] == 4
    assert answers["members.0.nik_sex"] == "P"
    assert answers["members.0.nik_birth_date"] == "1985-08-17"
    assert "members.1.nik" not in answers and "members.2.name" not in answers
    assert "hubungan Sri Wahyuni" in chat.press("Kepala keluarga")
    assert "Tempat lahir Sri Wahyuni" in chat.say("istri")
    assert "ibu kandung Sri Wahyuni" in chat.say("lewati")
    assert "NIK Rina" in chat.say("ga tau")
    assert "Jenis kelamin Rina" in chat.say("lewati")
    assert "Tanggal lahir Rina" in chat.say("perempuan")
    assert "hubungan Rina" in chat.say("02-03-2015")
    assert "Tempat lahir Rina" in chat.say("anak")
    chat.say("Bandung")
    assert "nama lengkap" in chat.say("Sri Wahyuni")  # the third line had a NIK but no name


def test_a_wrong_line_is_explained_and_only_that_member_asked_again():
    chat = Chat()
    transcript(chat, until("Siapa saja"))
    answer = chat.say(f"{NIK_WOMAN} Sri Wahyuni\n3204 0502 0315 Rina")
    assert "Baris 2:" in answer and "16 angka" in answer
    assert chat.state.answers["members.0.nik"] == NIK_WOMAN
    assert chat.state.answers["members.1.name"] == "Rina"
    chat.say("1")
    chat.say("istri")
    chat.say("lewati")
    chat.say("lewati")
    assert "NIK Rina" in chat.last.text


def test_the_name_can_come_with_the_nik_as_on_the_ktp():
    chat = Chat()
    transcript(chat, until("NIK"))
    assert "Kartu Keluarga" in chat.say("3204 0517 0885 0001 budi santoso")
    assert chat.state.answers["name"] == "Budi Santoso"
    assert "Tempat/Tgl lahir" in chat.say(KK)  # the name is not asked again
    # A wrong name is said, and only the name is asked again after the KK.
    other = Chat()
    transcript(other, until("NIK"))
    assert "Nama:" in other.say(f"{NIK_MAN} Budi@Santoso")
    assert "nama lengkap" in other.say(KK)


def test_living_alone_asks_nothing_more_about_the_household():
    chat = Chat()
    transcript(chat, until("Siapa saja"))
    assert "Lantai" in chat.say("tidak ada")
    assert chat.state.answers["household_size"] == 1
    assert chat.state.answers["relationship"] == "kepala_keluarga"


def test_an_address_written_as_on_the_ktp_fills_the_dusun_and_the_rt_rw():
    chat = Chat()
    transcript(chat, until("Alamat"))
    assert "Siapa saja" in chat.say("Jl. Melati Gg. 2, Dsn. Krajan, RT 003 RW 007")
    answers = chat.state.answers
    assert answers["dusun"] == "Krajan" and (answers["rt"], answers["rw"]) == ("003", "007")


def test_rt_and_rw_are_checked_one_by_one():
    chat = Chat()
    transcript(chat, until("RT/RW"))
    assert "RW:\n" in chat.say("3/0") and "RW-nya saja" in chat.last.text
    assert "RT: 003 (sudah dicatat)" in chat.last.text
    assert "dipisah garis miring" in chat.say("tiga")
    assert "Siapa saja" in chat.say("RT 3 RW 5")  # the whole answer again is fine too
    assert chat.state.answers["rt_rw"] == "003/005"


def test_a_nik_with_an_open_usulan_cannot_file_a_second_one():
    register = FakeRegister()
    ticket = file_usulan(register)

    second = Chat(register)
    transcript(second, USULAN_TYPED[:4])
    refused = second.say(NIK_MAN)
    assert "sudah punya usulan" in refused and f"{ticket[0]}-{ticket[1:]}" in refused
    assert "NIK" in second.last.text  # asked again, may type another NIK


def test_the_same_person_cannot_be_entered_twice_in_one_household():
    chat = Chat()
    transcript(chat, until("Siapa saja"))
    assert "sudah diisi untuk orang lain" in chat.say(f"{NIK_MAN} Budi")


def test_an_unknown_kecamatan_is_accepted_only_after_the_citizen_confirms():
    chat = Chat()
    transcript(chat, USULAN_TYPED[:4])
    unknown_kecamatan = "3204991708850001"
    warning = chat.say(unknown_kecamatan)
    assert "sudah benar" in warning
    assert "Kartu Keluarga" in chat.press("Ya, sudah benar")
    assert any(f.startswith("nik_kecamatan") for f in chat.state.flags)


def test_a_refused_warning_asks_for_the_number_again():
    chat = Chat()
    transcript(chat, USULAN_TYPED[:4])
    chat.say("3204991708850001")
    assert "ketik ulang" in chat.say("tidak")
    assert "nik" not in chat.state.answers


def test_without_consent_nothing_is_kept():
    chat = Chat()
    transcript(chat, [("menu", "Apa yang ingin"), ("usulan", "setuju")])
    goodbye = chat.press("Tidak setuju")
    assert "tidak menyimpan data" in goodbye
    assert chat.state.flow is None and chat.state.answers == {}


def test_another_chat_learns_a_nik_is_taken_but_not_the_ticket():
    register = FakeRegister()
    ticket = file_usulan(register)

    register.chat = "someone-else"
    other = Chat(register)
    transcript(other, USULAN_TYPED[:4])
    refused = other.say(NIK_MAN)
    assert "sudah punya usulan" in refused
    assert ticket[1:] not in refused


def test_a_nik_filed_by_another_chat_while_this_one_was_answering_is_refused_kindly():
    register = FakeRegister()
    first, second = Chat(register), Chat(register)
    for chat in (first, second):  # both pass the NIK check before either has filed
        reach_photos(chat)
        finish_after_photos(chat)
    assert "sudah kami terima" in first.say("ya")
    ticket = register.requests[0].ticket

    register.chat = "someone-else"
    refused = second.say("ya")
    assert "belum bisa kami simpan" in refused and "tetap tersimpan" in refused
    assert ticket[1:] not in refused and "Kode tiket" not in refused
    assert "kantor desa/kelurahan" in refused
    assert "Jawaban sebelumnya: 3204********0001" in second.last.text  # the NIK to check
    assert len(register.requests) == 1

    assert "Ringkasan usulan Anda" in second.say("3204051708850005")
    assert "Terima kasih" in second.say("ya")
    assert [r.submission.nik for r in register.requests] == [NIK_MAN, "3204051708850005"]
    assert register.requests[1].submission.answers["street"] == "Jl. Melati Gg. 2"


def test_today_is_the_citizens_day_not_the_servers():
    from datetime import UTC, datetime

    chat = Chat()
    chat.now = datetime(2026, 11, 17, 23, 0, tzinfo=UTC)  # already the 18th in Jakarta
    reach_photos(chat)
    finish_after_photos(chat)
    # The 17 November cut-off has passed for this citizen: December's penetapan at the earliest.
    assert "penetapan bulan Desember 2026" in chat.say("ya")


def test_villages_of_the_niks_kecamatan_are_offered_first():
    # 14.71.03 is Kecamatan Sail in Kota Pekanbaru, which has a kelurahan Sukamaju.
    nik_pekanbaru = "1471031708850001"
    lines = [*USULAN_TYPED[:4], (nik_pekanbaru, "Kartu Keluarga")]
    chat = Chat()
    transcript(chat, lines)
    transcript(chat, [("1471030101200003", "nama"), *until("desa/kelurahan")[6:]])
    assert "Kec. Sail, Kota Pekanbaru (dari NIK)" in chat.last.text
    assert "Sukamaju" in chat.buttons()
    # Another name is searched, the NIK's kecamatan first.
    chat.say("suka")
    assert chat.last.choices[0].id.endswith("=14.71.03.1003")
    assert len(chat.last.choices) > 1  # the other Sukamajus follow
    assert "Alamat" in chat.say("1")


def test_the_phone_can_be_a_shared_contact():
    chat = Chat()
    reach_photos(chat)
    chat.photo("ktp-1")
    chat.say("lewati")
    chat.say("lewati")
    assert chat.last.asks_phone
    summary = chat.text_of(chat.send(Incoming(now=chat.now, contact_phone="+62 812-3456-7890")))
    assert "+6281234567890" in summary


def test_a_number_the_channel_knows_is_offered_and_taken_only_when_confirmed():
    chat = Chat()
    chat.send(Incoming(now=chat.now, text="menu", sender_phone="+6285712345678"))
    transcript(chat, USULAN_TYPED[1:])
    chat.photo("ktp-1")
    chat.say("lewati")
    chat.say("lewati")
    assert "Pakai nomor ini: +6285712345678" in chat.buttons()
    assert "Ringkasan" in chat.say("ya")
    assert chat.state.answers["phone"] == "+6285712345678"


def test_another_number_can_be_typed_instead_of_the_known_one():
    chat = Chat()
    chat.send(Incoming(now=chat.now, text="menu", sender_phone="+6285712345678"))
    transcript(chat, USULAN_TYPED[1:])
    chat.photo("ktp-1")
    chat.say("lewati")
    chat.say("lewati")
    chat.say("0812 3456 7890")
    assert chat.state.answers["phone"] == "+6281234567890"


def test_multiple_choice_buttons_toggle_and_end_with_selesai():
    chat = Chat()
    transcript(chat, until("kondisi"))  # at the special-conditions question
    assert "Dipilih: Lansia (60 tahun ke atas)" in chat.press("Lansia (60 tahun ke atas)")
    assert "✓ Lansia (60 tahun ke atas)" in chat.buttons() and "Selesai" in chat.buttons()
    chat.press("Ibu hamil")
    chat.press("✓ Lansia (60 tahun ke atas)")  # pressed again: not chosen any more
    assert "Dipilih: Ibu hamil." in chat.last.text
    chat.press("Sakit menahun (kronis)")
    assert "Mau mengisi pekerjaan" in chat.press("Selesai")
    assert chat.state.answers["conditions"] == ["hamil", "penyakit_kronis"]
    assert "Bantuan apa" in chat.press("Tidak perlu")
    # "Belum tahu" stands alone: pressing it ends the question at once.
    assert "foto KTP" in chat.press("Belum tahu")
    assert chat.state.answers["programmes"] == ["belum_tahu"]


def test_selesai_can_be_typed_by_its_number_once_something_is_chosen():
    chat = Chat()
    transcript(chat, until("kondisi"))
    chat.press("Ibu hamil")
    assert "6. Selesai" not in chat.last.text and chat.buttons()[-1] == "Selesai"
    assert "Mau mengisi pekerjaan" in chat.say("6")
    assert chat.state.answers["conditions"] == ["hamil"]


def test_selesai_with_nothing_chosen_says_so():
    chat = Chat()
    transcript(chat, until("kondisi"))
    assert "Belum ada yang dipilih" in chat.say("selesai")
    assert "Mau mengisi pekerjaan" in chat.say("2 4")
    assert chat.state.answers["conditions"] == ["lansia", "penyakit_kronis"]


def test_a_village_search_with_one_result_asks_yes_or_no_instead_of_a_list_of_one():
    chat = Chat()
    transcript(chat, until("desa/kelurahan"))
    asked = chat.say("wancimekar karawang")
    assert asked == "Desa/kelurahan Wancimekar, Kec. Kota Baru, Kabupaten Karawang — benar?"
    assert chat.buttons() == ["Ya, benar", "Bukan"]
    assert chat.press("Bukan") == "Baik. Ketik nama desa/kelurahan Anda yang lain."
    assert "benar?" in chat.say("wancimekar karawang")
    assert "Ketik nama desa" in chat.say("2")  # the number shown before "Bukan"
    chat.say("wancimekar karawang")
    assert "Alamat" in chat.say("ya")
    assert chat.state.answers["village_label"].startswith("Wancimekar, Kec. Kota Baru")


def test_a_right_name_next_to_a_wrong_nik_is_kept_and_only_the_nik_asked():
    chat = Chat()
    transcript(chat, USULAN_TYPED[:4])
    answer = chat.say("3204 0517 0885 001 Budi Santoso")  # a digit left out
    assert answer.startswith("Nama: Budi Santoso (sudah dicatat).\nNIK:\nNIK harus 16 angka")
    assert answer.endswith("Sekarang ketik NIK-nya saja, 16 angka.")
    assert "Kartu Keluarga" in chat.say(NIK_MAN)  # the name is not asked again
    assert chat.state.answers["name"] == "Budi Santoso"
    assert "Tempat/Tgl lahir" in chat.say(KK)


def test_a_members_nik_is_checked_like_the_heads():
    chat = Chat()
    transcript(chat, until("NIK Rina"))
    assert "16 angka" in chat.say("3204 0502 0315")  # too short: asked again, kindly
    # A NIK from an unknown kecamatan: confirmed first, then flagged for the village staff.
    assert "sudah benar" in chat.say("3204994203150003")
    assert "hubungan Rina" in chat.press("Ya, sudah benar")  # sex and birth date from it
    answers = chat.state.answers
    assert (answers["members.1.nik_sex"], answers["members.1.nik_birth_date"]) == (
        "P",
        "2015-03-02",
    )
    assert any(f.startswith("nik_kecamatan") for f in chat.state.flags)


def test_a_member_without_a_nik_says_so_and_is_asked_sex_and_birth_date():
    for said in ("belum punya", "Tidak punya", "belum ada"):
        chat = Chat()
        transcript(chat, until("NIK Rina"))
        assert "Jenis kelamin Rina" in chat.say(said)
        assert chat.state.answers["members.1.nik"] is None
        assert "Tanggal lahir Rina" in chat.say("perempuan")


def test_every_member_is_asked_birth_place_and_mother_and_the_dont_knows_skip():
    chat = Chat()
    transcript(chat, until("Siapa saja"))
    lines = [
        (f"{NIK_WOMAN} Sri Wahyuni\nRina", "hubungannya dengan kepala keluarga"),
        ("1", "hubungan Sri Wahyuni"),
        ("istri", "Tempat lahir Sri Wahyuni"),  # sex and birth date came from her NIK
        ("tidak tahu", "ibu kandung Sri Wahyuni"),
        ("gak tahu", "NIK Rina"),
        ("belum punya", "Jenis kelamin Rina"),
        ("perempuan", "Tanggal lahir Rina"),
        ("02-03-2015", "hubungan Rina"),
        ("anak", "Tempat lahir Rina"),
        ("belum tahu", "ibu kandung Rina"),
        ("ga tau", "Lantai"),
    ]
    transcript(chat, lines)
    answers = chat.state.answers
    for i in (0, 1):
        assert answers[f"members.{i}.birth_place"] is None
        assert answers[f"members.{i}.mother_name"] is None


def test_occupation_and_disability_are_asked_per_member_only_when_the_citizen_wants():
    chat = Chat()
    transcript(chat, until("kondisi"))
    lines = [
        ("1 2", "Mau mengisi pekerjaan dan disabilitas"),  # disabilitas, lansia
        ("ya", "Pekerjaan utama Sri Wahyuni"),
        ("petani", "Apakah Sri Wahyuni penyandang disabilitas"),
        ("ya", "Pekerjaan utama Rina"),
        ("lewati", "Apakah Rina penyandang disabilitas"),  # a child: nothing to tell
        ("ga tau", "Bantuan apa"),
        ("1, 2", "foto KTP"),
    ]
    transcript(chat, lines)
    summary = finish_after_photos(chat)
    assert "2 orang: Sri Wahyuni (Petani atau pekebun, disabilitas), Rina" in summary
    chat.say("ya")
    [filed] = [r.submission for r in chat.register.requests]
    assert filed.members == (
        Member(
            NIK_WOMAN,
            "Sri Wahyuni",
            "istri_suami",
            sex="P",
            birth_date="1985-08-17",
            occupation="petani",
            disability=True,
            birth_place="Garut",
            mother_name="Enok Suryani",
        ),
        Member(
            None,
            "Rina",
            "anak",
            sex="P",
            birth_date="2015-03-02",
            birth_place="Bandung",
            mother_name="Sri Wahyuni",
        ),
    )


def test_declining_the_members_details_asks_nothing_more():
    chat = Chat()
    transcript(chat, until("kondisi"))
    assert "Mau mengisi pekerjaan" in chat.say("disabilitas")
    assert "Bantuan apa" in chat.press("Tidak perlu")
    assert not any(k.endswith((".occupation", ".disability")) for k in chat.state.answers)
