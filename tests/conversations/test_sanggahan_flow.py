"""Sanggahan, told as conversations."""

from __future__ import annotations

from conversations.effects import AttachmentRef
from tests.conversations.transcript import NIK_MAN, NIK_WOMAN, Chat, transcript

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
    *[("lewati", question) for question in ("Dusun", "RT", "RW", "alasannya")],
    ("sudah mampu", "Ceritakan singkat"),
    *[("lewati", question) for question in ("foto bukti", "lokasi", "NIK Anda")],
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
            ("lewati", "alasannya"),
            ("sudah mampu", "Ceritakan singkat"),
            ("Punya dua mobil dan toko besar", "foto bukti"),
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
