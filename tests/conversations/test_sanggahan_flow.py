"""Sanggahan, told as conversations."""

from __future__ import annotations

from conversations.effects import AttachmentRef
from tests.conversations.transcript import KK, NIK_MAN, NIK_WOMAN, Chat, transcript

CINUNUK = "32.04.05.2004"

OBJECTION_START = [
    ("menu", "Apa yang ingin"),
    ("2", "Identitas Anda dirahasiakan"),
    ("setuju", "Sanggahan tentang apa?"),
]
# An objection to a recipient in Cinunuk, every optional step skipped, up to the reporter.
TO_THE_REPORTER = [
    *OBJECTION_START,
    ("1", "desa/kelurahan yang sama"),
    ("cinunuk", "Pilih desa/kelurahan"),
    ("1", "Nama lengkap orang yang disanggah"),
    ("Haji Darmawan", "NIK orang itu"),
    *[("lewati", question) for question in ("Dusun", "RT", "RW", "Bantuan apa")],
    ("ga tau", "alasannya"),  # the aid that person receives: "Belum tahu"
    ("sudah mampu", "Ceritakan singkat"),
    *[("lewati", question) for question in ("foto rumah orang itu", "lokasi", "NIK Anda")],
]


def test_an_objection_to_a_recipient_is_filed_with_the_objector_kept_confidential():
    chat = Chat()
    transcript(
        chat,
        [
            *OBJECTION_START,
            ("1", "desa/kelurahan yang sama"),
            ("cinunuk", "Pilih desa/kelurahan"),
            ("1", "Nama lengkap orang yang disanggah"),
            ("Haji Darmawan", "NIK orang itu"),
            ("lewati", "Dusun"),
            ("lewati", "RT"),
            ("2", "RW"),
            ("lewati", "Bantuan apa yang diterima orang itu"),
            ("pkh", "alasannya"),
            ("sudah mampu", "Ceritakan singkat"),
            ("Punya dua mobil dan toko besar", "foto rumah orang itu dari depan"),
        ],
    )
    assert "lokasi" in chat.photo("evidence-1")
    assert "NIK Anda" in chat.say("lewati")
    assert "Nama lengkap Anda" in chat.say(NIK_WOMAN)
    summary = chat.say("sri wahyuni")
    assert "Ringkasan sanggahan Anda" in summary
    assert "3204********0002" in summary and NIK_WOMAN not in summary
    done = chat.say("YA")
    assert "Kode tiket: S-" in done and "dirahasiakan" in done
    [filed] = [r.submission for r in chat.register.requests]
    assert filed.kind == "sanggahan" and filed.subtype == "recipient_not_eligible"
    assert filed.subject_name == "Haji Darmawan" and filed.subject_nik is None
    assert filed.nik == NIK_WOMAN and filed.name == "Sri Wahyuni"
    assert filed.answers["reason"] == "sudah_mampu"
    assert filed.answers["subject_programmes"] == ["pkh"]
    assert filed.answers["subject_rt"] == "002" and filed.answers["subject_rw"] is None
    assert filed.attachments == (AttachmentRef("evidence-1", "evidence"),)


def test_the_reasons_offered_follow_the_kind_of_objection():
    chat = Chat()
    transcript(
        chat,
        [
            *OBJECTION_START,
            ("2", "desa"),
            ("cinunuk", "Pilih"),
            ("1", "Nama lengkap"),
            ("Rudi", "NIK"),
            (NIK_MAN, "Dusun"),
            ("lewati", "RT"),
            ("lewati", "RW"),
            ("lewati", "alasannya"),
        ],
    )
    assert "Bukan anggota keluarga saya" in chat.buttons()
    assert "Sudah mampu" not in chat.buttons()


def test_other_reasons_need_a_short_explanation():
    chat = Chat()
    transcript(
        chat,
        [
            *OBJECTION_START,
            ("3", "desa"),
            ("cinunuk", "Pilih"),
            ("1", "Nama lengkap"),
            ("Rudi", "NIK"),
            ("lewati", "Dusun"),
            ("lewati", "RT"),
            ("lewati", "RW"),
            ("lewati", "alasannya"),
            ("lainnya", "Ceritakan alasannya"),
        ],
    )
    assert "wajib" in chat.say("lewati")
    assert "terlalu pendek" in chat.say("tdk")
    assert "foto bukti" in chat.say("Nama saya salah ketik di data")


def test_an_objection_about_ones_own_household_asks_about_ones_own_family():
    chat = Chat()
    answer = chat.say("menu") and chat.say("2") and chat.say("setuju") and chat.say("3")
    assert "keluarga Anda tinggal" in answer
    assert "Boleh nama Anda sendiri" in chat.say("cinunuk") + chat.say("1")


# One's own household: its village, the person's name and NIK, where it lives.
OWN_HOUSEHOLD = [
    *OBJECTION_START,
    ("3", "keluarga Anda tinggal"),
    ("cinunuk", "Pilih"),
    ("1", "Nama lengkap orang yang datanya salah atau tidak terdaftar"),
    ("Budi Santoso", "NIK"),
    (NIK_MAN, "Dusun"),
    ("lewati", "RT"),
    ("3", "RW"),
    ("7", "alasannya"),
]


def test_a_household_not_registered_goes_on_as_an_usulan_with_what_was_typed():
    chat = Chat()
    transcript(chat, OWN_HOUSEHOLD)
    moved = chat.say("tidak terdaftar")
    assert "caranya dengan usulan mandiri" in moved
    assert "tidak perlu diketik lagi: NIK, Nama, Desa/kelurahan, RT/RW." in moved
    # Consent is given for one purpose at a time: the usulan asks its own.
    assert "hanya untuk usulan DTSEN" in moved
    transcript(chat, [("setuju", "Usulan ini untuk siapa?"), ("1", "Kartu Keluarga (KK)")])
    assert chat.state.flow == "usulan"
    kept = chat.state.answers
    assert (kept["nik"], kept["name"], kept["village"]) == (NIK_MAN, "Budi Santoso", CINUNUK)
    assert (kept["rt_rw"], kept["rt"], kept["rw"]) == ("003/007", "003", "007")
    assert kept["nik_birth_date"] == "1985-08-17" and kept["nik_sex"] == "L"
    # Nothing is asked twice: after the KK comes the birth, checked against the kept NIK.
    assert "Tempat/Tgl lahir" in chat.say(KK)
    assert "Tanggal lahir di NIK adalah 17-08-1985" in chat.say("Bandung, 18-08-1985")


def test_wrong_data_of_ones_own_household_goes_on_as_a_perbaikan_in_english_too():
    chat = Chat()
    transcript(
        chat,
        [
            ("menu", "Apa yang ingin"),
            ("English", "What would you like"),
            ("2", "Your name and NIK are not told"),
            ("yes", "What is your objection about?"),
            ("3", "your family live"),
            ("cinunuk", "Choose"),
            ("1", "Full name"),
            ("Budi Santoso", "NIK"),
            (NIK_MAN, "dusun"),
            ("skip", "RT"),
            ("3", "RW"),
            ("7", "What is the reason?"),
        ],
    )
    moved = chat.say("wrong data")
    assert "corrected with a Data correction" in moved
    assert "no need to type it again: NIK, Name, Village (desa/kelurahan), RT/RW." in moved
    assert "only to correct your family's DTSEN data" in moved
    transcript(chat, [("yes", "Whose data is wrong?"), ("my own", "family card (KK)")])
    assert chat.state.flow == "perbaikan"
    assert chat.state.answers["nik"] == NIK_MAN and chat.state.answers["rt_rw"] == "003/007"


def test_the_evidence_asked_fits_the_reason():
    asked = {}
    for reason, words in (
        ("meninggal", "surat kematian"),
        ("pindah", "surat keterangan pindah"),
        ("tidak dikenal", "rumah di alamat itu"),
        ("data ganda", "bukti data ganda"),
    ):
        chat = Chat()
        transcript(chat, TO_THE_REPORTER[:12])  # up to the reason
        chat.say(reason)
        asked[reason] = words in chat.say("lewati")
    assert all(asked.values()), asked


def test_every_way_of_saying_i_dont_know_skips_a_skippable_question():
    for said in ("tidak tahu", "ga tau", "gak tahu", "belum tahu", "nggak tau", "Gatau", "gk taw"):
        chat = Chat()
        transcript(chat, TO_THE_REPORTER[:7])  # up to the NIK of the person objected to
        assert "Dusun" in chat.say(said), said
        assert "RT" in chat.say(said), said
        assert chat.state.answers["subject_nik"] is None
        assert chat.state.answers["subject_dusun"] is None
