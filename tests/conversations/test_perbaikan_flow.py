"""Perbaikan data, told as conversations: a household already in DTSEN corrects its data."""

from __future__ import annotations

from conversations.effects import AttachmentRef
from tests.conversations.transcript import KK, NIK_CHILD, NIK_MAN, NIK_WOMAN, Chat, transcript

START = [
    ("menu", "Apa yang ingin"),
    ("perbaikan data", "datanya salah"),
    ("setuju", "Data siapa yang salah?"),
]
# Budi's own data: name and address wrong, then what DTSEN has, up to the document photo.
OWN = [
    *START,
    ("1", "NIK dan nama Anda yang benar"),
    (f"{NIK_MAN} Budi Santoso", "Kartu Keluarga"),
    (KK, "desa/kelurahan"),
    ("cinunuk", "Alamat rumah yang benar"),
    ("Jl. Melati Gg. 2, Dusun Krajan", "RT/RW"),
    ("3/5", "Data apa yang salah di DTSEN?"),
]


def test_a_wrong_name_and_address_are_corrected_with_what_the_ktp_says():
    chat = Chat()
    transcript(
        chat,
        [
            *OWN,
            ("1 9", "tercatat sekarang"),
            ("Budi Santosa, Dusun Lama", "foto Kartu Keluarga"),
        ],
    )
    assert "Nomor HP" in chat.photo("kk-1")
    summary = chat.say("0812 3456 7890")
    assert "Ringkasan perbaikan data Anda" in summary
    assert "Data yang salah: Nama, Alamat atau RT/RW" in summary
    assert "3204********0001" in summary and NIK_MAN not in summary
    done = chat.say("ya")
    assert "Kode tiket: P-" in done
    assert "baru berubah setelah ditetapkan Menteri Sosial" in done
    [filed] = [r.submission for r in chat.register.requests]
    assert filed.kind == "perbaikan" and filed.subtype == "self"
    assert (filed.nik, filed.name, filed.kk) == (NIK_MAN, "Budi Santoso", KK)
    assert filed.subject_nik is None and filed.subject_name is None
    assert filed.answers["perbaikan_fields"] == ["nama", "alamat"]
    assert filed.answers["dusun"] == "Krajan" and filed.answers["rt"] == "003"
    assert filed.answers["recorded_now"] == "Budi Santosa, Dusun Lama"
    assert filed.attachments == (AttachmentRef("kk-1", "document"),)
    assert "document_photo_missing" not in filed.flags


def test_a_members_birth_date_is_checked_against_her_nik_and_the_filer_kept_apart():
    chat = Chat()
    transcript(
        chat,
        [
            *START,
            ("2", "NIK dan nama anggota keluarga itu"),
            (f"{NIK_WOMAN} Sri Wahyuni", "Kartu Keluarga"),
            (KK, "desa/kelurahan"),
            ("cinunuk", "Alamat"),
            ("Jl. Melati Gg. 2", "RT/RW"),
            ("3/5", "Data apa yang salah"),
            ("4 5", "Tempat dan tanggal lahir yang benar"),
            ("Bandung, 18-08-1985", "Tanggal lahir"),  # the NIK says 17-08-1985
            ("Bandung, 17-08-1985", "Jenis kelamin yang benar"),
            ("laki-laki", "perempuan"),  # her NIK says a woman
            ("perempuan", "tercatat sekarang"),
            ("ga tau", "foto KTP atau KK"),
            ("gak tahu", "data Anda sebagai pengaju"),
            (f"{NIK_MAN} Budi Santoso", "Nomor HP"),
            ("081234567890", "Ringkasan"),
        ],
    )
    chat.say("ya")
    [filed] = [r.submission for r in chat.register.requests]
    assert filed.subtype == "family_member"
    assert (filed.nik, filed.name) == (NIK_MAN, "Budi Santoso")
    assert (filed.subject_nik, filed.subject_name) == (NIK_WOMAN, "Sri Wahyuni")
    assert filed.answers["birth_date"] == "1985-08-17" and filed.answers["sex"] == "P"
    assert filed.answers["recorded_now"] is None
    assert "document_photo_missing" in filed.flags and filed.attachments == ()


def test_missing_members_and_the_house_are_asked_with_the_usulan_checks():
    chat = Chat()
    transcript(
        chat,
        [
            *OWN,
            ("10 11", "seharusnya tercatat"),
            (f"{NIK_WOMAN} Sri Wahyuni\n{NIK_WOMAN} Sri lagi", "sudah diisi untuk orang lain"),
            (f"{NIK_WOMAN} Sri Wahyuni\n{NIK_CHILD} Rina\nAgus", "Bagian kondisi rumah"),
            ("1 3", "Lantai rumah sebenarnya"),
            ("tanah", "Atap rumah sebenarnya"),
            ("daun", "tercatat sekarang"),
            ("lewati", "foto Kartu Keluarga"),
        ],
    )
    transcript(chat, [("lewati", "Nomor HP"), ("081234567890", "Ringkasan")])
    chat.say("ya")
    [filed] = [r.submission for r in chat.register.requests]
    assert filed.answers["members_correct"] == [
        {"nik": NIK_WOMAN, "name": "Sri Wahyuni"},
        {"nik": NIK_CHILD, "name": "Rina"},
        {"nik": None, "name": "Agus"},
    ]
    assert filed.answers["house_parts"] == ["floor", "roof"]
    assert (filed.answers["floor"], filed.answers["roof"]) == ("tanah", "daun")


def test_cek_status_names_a_perbaikan_by_its_kind_and_its_p_ticket():
    chat = Chat()
    transcript(chat, [*OWN, ("1", "tercatat sekarang"), ("lewati", "foto")])
    transcript(chat, [("lewati", "Nomor HP"), ("081234567890", "Ringkasan"), ("ya", "P-")])
    transcript(chat, [("menu", "Apa yang ingin"), ("cek status", "Permohonan mana")])
    mine = chat.say("1")
    assert "Perbaikan data" in mine and "P-ABCDE" in mine
