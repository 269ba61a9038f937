"""Laporan perubahan, told as conversations: a death, a move, a KK split, leaving DTSEN."""

from __future__ import annotations

from conversations.effects import AttachmentRef
from tests.conversations.transcript import KK, NIK_CHILD, NIK_MAN, NIK_WOMAN, Chat, transcript

NEW_KK = "3204052006250001"  # issued 20-06-2025, same kecamatan
# The household (KK, Cinunuk, Dusun Sukamaju, RT 2 / RW 5), up to the change's own questions.
CHANGE_START = [
    ("menu", "Apa yang ingin"),
    ("4", "Apakah Anda setuju?"),
    ("setuju", "Perubahan apa yang ingin Anda laporkan?"),
]


def household(change: str, then: str) -> list[tuple[str, str]]:
    return [
        *CHANGE_START,
        (change, "nomor Kartu Keluarga (KK) keluarga Anda"),
        (KK, "Di desa/kelurahan mana keluarga Anda tinggal"),
        ("cinunuk", "Pilih desa/kelurahan"),
        ("1", "Dusun/lingkungan"),
        ("Sukamaju", "RT/RW keluarga Anda"),
        ("2/5", then),
    ]


def filed(chat: Chat):  # type: ignore[no-untyped-def]
    [request] = chat.register.requests
    return request.submission


def test_a_death_without_a_letter_is_reported_with_a_witness_and_flagged_for_staff():
    chat = Chat()
    transcript(
        chat,
        [
            *household("1", "Nama lengkap anggota keluarga yang meninggal"),
            ("Siti Aminah", "NIK orang itu"),
            (NIK_WOMAN, "Tanggal meninggal"),
            ("20-11-2026", "foto surat kematian"),
            ("lewati", "Nama lengkap saksi"),
            ("Ahmad Fauzi", "Nomor HP saksi"),
            ("0812 3456 7890", "data Anda sebagai pelapor"),
        ],
    )
    summary = chat.say(f"{NIK_MAN} Budi Santoso")
    assert "Ringkasan laporan perubahan Anda" in summary
    assert "Anggota keluarga meninggal" in summary and "Tanggal meninggal: 20-11-2026" in summary
    assert "3204********0002" in summary and NIK_WOMAN not in summary and KK not in summary
    done = chat.say("ya")
    assert "Kode tiket: M-" in done and "Data DTSEN belum berubah sekarang" in done
    report = filed(chat)
    assert report.kind == "perubahan" and report.subtype == "death"
    assert (report.nik, report.name, report.kk) == (NIK_MAN, "Budi Santoso", KK)
    assert (report.subject_nik, report.subject_name) == (NIK_WOMAN, "Siti Aminah")
    assert report.village_code == "32.04.05.2004"
    answers = report.answers
    assert answers["death_date"] == "2026-11-20" and answers["death_letter"] is None
    assert answers["witness_name"] == "Ahmad Fauzi" and answers["witness_phone"] == "+6281234567890"
    # Where the household lives, as the queue's dusun/RT/RW filters read it.
    assert (answers["dusun"], answers["rt"], answers["rw"]) == ("Sukamaju", "002", "005")
    assert report.flags == ("death_letter_missing",)
    assert report.attachments == ()


def test_a_death_with_the_surat_kematian_asks_no_witness_and_files_the_photo():
    chat = Chat()
    transcript(
        chat,
        [
            *household("1", "meninggal"),
            ("Siti Aminah", "NIK orang itu"),
            ("lewati", "Tanggal meninggal"),  # the NIK is not known: staff see a flag
            ("kemarin", "Tanggal"),  # not a date: asked again
            ("22-11-2026", "foto surat kematian"),
        ],
    )
    assert "data Anda sebagai pelapor" in chat.photo("surat-1")
    chat.say(f"{NIK_MAN} Budi Santoso")
    chat.say("ya")
    report = filed(chat)
    assert report.attachments == (AttachmentRef("surat-1", "evidence"),)
    assert "witness_name" not in report.answers
    assert report.subject_nik is None and report.flags == ("member_nik_missing",)


def test_a_date_of_death_still_to_come_is_refused():
    chat = Chat()
    transcript(
        chat,
        [
            *household("1", "meninggal"),
            ("Siti Aminah", "NIK orang itu"),
            ("lewati", "Tanggal meninggal"),
            ("20-12-2026", "belum lewat"),
        ],
    )


def test_a_date_of_death_before_the_birth_in_the_nik_is_refused():
    chat = Chat()
    transcript(
        chat,
        [
            *household("1", "meninggal"),
            ("Siti Aminah", "NIK orang itu"),
            (NIK_WOMAN, "Tanggal meninggal"),  # born 17-08-1985
            ("20-11-1975", "sebelum tanggal lahir di NIK orang itu (17-08-1985)"),
            ("20-11-2025", "foto surat kematian"),
        ],
    )


def test_the_reporter_cannot_be_the_member_who_died():
    chat = Chat()
    transcript(
        chat,
        [
            *household("1", "meninggal"),
            ("Siti Aminah", "NIK orang itu"),
            (NIK_WOMAN, "Tanggal meninggal"),
            ("20-11-2026", "foto surat kematian"),
        ],
    )
    chat.photo("surat-1")
    assert "Ketik NIK Anda sendiri" in chat.say(f"{NIK_WOMAN} Siti Aminah")


def test_a_member_who_moved_is_reported_with_the_village_they_moved_to():
    chat = Chat()
    transcript(
        chat,
        [
            *household("2", "Siapa yang pindah?"),
            ("2", "Nama lengkap anggota keluarga yang pindah"),
            ("Rina", "NIK orang itu"),
            (NIK_CHILD, "Pindah ke desa/kelurahan mana?"),
            ("cibiru wetan", "benar?"),
            ("ya", "Kapan pindahnya?"),
            ("lewati", "data Anda sebagai pelapor"),
        ],
    )
    summary = chat.say(f"{NIK_MAN} Budi Santoso")
    assert "Pindah ke: Cibiru Wetan" in summary and "Satu anggota keluarga" in summary
    chat.say("ya")
    report = filed(chat)
    assert report.subtype == "move" and report.subject_name == "Rina"
    assert report.answers["moved_who"] == "member"
    assert report.answers["destination"].startswith("32.04.05.")
    assert report.answers["move_date"] is None


def test_a_whole_family_that_moved_names_no_member():
    chat = Chat()
    transcript(
        chat,
        [
            *household("pindah", "Siapa yang pindah?"),
            ("seluruh keluarga", "Pindah ke desa/kelurahan mana?"),
            ("lewati", "Kapan pindahnya?"),
            ("01-10-2026", "data Anda sebagai pelapor"),
        ],
    )
    chat.say(f"{NIK_MAN} Budi Santoso")
    chat.say("ya")
    report = filed(chat)
    assert report.subject_name is None and report.subject_nik is None
    assert report.answers["destination"] is None and report.answers["move_date"] == "2026-10-01"
    assert report.flags == ()


def test_a_kk_split_checks_the_new_kk_like_the_usulan_and_lists_who_is_on_it():
    chat = Chat()
    transcript(
        chat,
        [
            *household("3", "Nomor KK yang baru"),
            ("3204 0520 0625", "16 angka"),  # too short: the usulan's KK check
            (KK, "sama dengan nomor KK lama"),
            (NEW_KK, "Siapa saja yang masuk KK baru itu?"),
            (f"{NIK_WOMAN} Sri Wahyuni\n{NIK_WOMAN} Sri", "sudah diketik di baris lain"),
            (f"{NIK_WOMAN} Sri Wahyuni\nRina", "data Anda sebagai pelapor"),
        ],
    )
    summary = chat.say(f"{NIK_MAN} Budi Santoso")
    assert "Masuk KK baru: Sri Wahyuni (3204********0002), Rina" in summary
    assert NEW_KK not in summary
    chat.say("ya")
    report = filed(chat)
    assert report.subtype == "kk_split" and report.answers["new_kk"] == NEW_KK
    assert report.answers["split_members"] == [f"{NIK_WOMAN} Sri Wahyuni", "Rina"]


def test_leaving_dtsen_says_what_it_means_and_a_no_sends_nothing():
    chat = Chat()
    transcript(
        chat,
        [
            *household("4", "Mengapa keluarga Anda ingin keluar dari DTSEN?"),
            ("1", "Ceritakan singkat"),
            ("Sudah punya usaha sendiri", "Keluarga Anda baru keluar dari DTSEN setelah"),
        ],
    )
    confirm = chat.last.text
    assert "diteruskan ke Dinas Sosial" in confirm and "bisa tidak lagi menerima" in confirm
    assert "laporan tidak dikirim" in chat.say("tidak jadi")
    assert chat.register.requests == []


def test_leaving_dtsen_for_another_reason_asks_it_and_files_after_the_yes():
    chat = Chat()
    transcript(
        chat,
        [
            *household("4", "Mengapa"),
            ("alasan lain", "Ceritakan alasannya dengan singkat"),
            ("lewati", "wajib dijawab"),
            ("Anak sudah bekerja di kota", "Yakin ingin mengajukan keluar"),
            ("ya", "data Anda sebagai pelapor"),
        ],
    )
    chat.say(f"{NIK_MAN} Budi Santoso")
    assert "M-" in chat.say("ya")
    report = filed(chat)
    assert report.subtype == "graduation" and report.answers["leave_reason"] == "lainnya"
    assert report.answers["leave_detail"] == "Anak sudah bekerja di kota"
    assert report.subject_name is None


def test_a_free_text_answer_over_its_limit_is_refused_with_the_count_and_asked_again():
    """Length limits per field (issue 9, item 1): 599 letters where 500 fit."""
    chat = Chat()
    transcript(
        chat,
        [
            *household("4", "Mengapa"),
            ("alasan lain", "Ceritakan alasannya dengan singkat"),
            ("kata " * 120, "Jawaban terlalu panjang (599 huruf). Paling banyak 500 huruf."),
            ("Anak sudah bekerja di kota", "Yakin ingin mengajukan keluar"),
        ],
    )


def test_a_change_of_mind_in_the_summary_files_only_the_answers_of_the_change_sent():
    chat = Chat()
    transcript(
        chat,
        [
            *household("1", "meninggal"),
            ("Siti Aminah", "NIK orang itu"),
            ("lewati", "Tanggal meninggal"),
            ("20-11-2026", "foto surat kematian"),
            ("lewati", "saksi"),
            ("Ahmad Fauzi", "Nomor HP saksi"),
            ("0812 3456 7890", "pelapor"),
            (f"{NIK_MAN} Budi Santoso", "Ringkasan"),
            ("1", "Apa yang ingin diubah"),
            ("1", "Perubahan apa"),
            ("4", "Mengapa"),
            ("1", "Ceritakan singkat"),
            ("lewati", "Yakin"),
            ("ya", "Ringkasan"),
        ],
    )
    chat.say("ya")
    report = filed(chat)
    assert report.subtype == "graduation" and report.subject_name is None
    assert not {"witness_name", "death_date", "member_name"} & set(report.answers)
    assert report.flags == ()


def test_in_english_a_death_is_reported_the_same_way():
    chat = Chat()
    transcript(
        chat,
        [
            ("menu", "Apa yang ingin"),
            ("English", "What would you like"),
            ("4", "Do you agree?"),
            ("yes", "What change do you want to report?"),
            ("1", "family card (KK) number"),
            (KK, "In which village"),
            ("cinunuk", "Choose your village"),
            ("1", "dusun"),
            ("skip", "RT/RW"),
            ("skip", "Full name of the family member who died"),
            ("Siti Aminah", "That person's NIK"),
            ("don't know", "Date of death"),
            ("20-11-2026", "death certificate"),
            ("skip", "witness"),
            ("Ahmad Fauzi", "phone number"),
            ("0812 3456 7890", "your own details as the reporter"),
            (f"{NIK_MAN} Budi Santoso", "Summary of your change report"),
        ],
    )
    done = chat.say("yes")
    assert "Ticket code: M-" in done and "does not change yet" in done
    assert filed(chat).language == "en"
