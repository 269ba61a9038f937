"""The "Jejak akses" page: the Kepala Dinas Sosial reads who opened, downloaded or was
refused their citizens' data, by ticket and never by NIK or name; a village operator is
refused, and every reading is itself logged (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from conversations.tickets import format_ticket
from models.tables import AccessLog
from tests.models.factories import NIK_A
from tests.webhook.test_staff_dashboard import (  # noqa: F401 (fixtures)
    VILLAGE,
    Dashboard,
    dash,
    make_dashboard,
)

OTHER_KABUPATEN = "35.07.21.2003"  # Kepanjen, Kab. Malang


def test_the_head_of_dinas_sosial_reads_who_opened_and_downloaded_their_citizens_data(
    make_dashboard: Callable[..., Dashboard],  # noqa: F811 (the fixture)
    db_engine: Engine,
) -> None:
    board = make_dashboard(db_engine.url.render_as_string(hide_password=False))
    board.staff("sri", "village_operator", [VILLAGE])
    board.staff("joko", "village_operator", [OTHER_KABUPATEN])
    board.staff("kadis", "dinsos_head", ["32.04"])
    ticket = board.file()
    sri = board.login("sri")
    assert sri.get(f"/staff/requests/{ticket}").status_code == 200
    assert sri.get(f"/staff/export/bnba?area={VILLAGE}&fmt=csv").status_code == 200
    assert board.login("joko").get(f"/staff/requests/{ticket}").status_code == 404

    kadis = board.login("kadis")
    page = kadis.get("/staff/jejak")
    assert page.status_code == 200 and "no-store" in page.headers["cache-control"]
    assert '<a href="/staff/jejak" aria-current="page">Jejak akses</a>' in page.text
    rows = page.text.split("<tbody>", 1)[1]
    assert rows.index("Mengunduh BNBA usulan") < rows.index("Membuka permohonan")  # newest first
    assert "Sri (Operator desa/kelurahan)" in rows
    assert f'<a href="/staff/requests/{ticket}">{format_ticket(ticket)}</a>' in rows
    assert "3 baris, CSV" in rows and "Cinunuk" in rows
    # The trail names tickets and areas, never the citizen.
    assert NIK_A not in page.text and "Siti" not in page.text

    refused = kadis.get("/staff/jejak?jenis=ditolak").text.split("<tbody>", 1)[1]
    assert "Joko (Operator desa/kelurahan)" in refused
    assert "Ditolak: di luar wilayah kerjanya" in refused
    signed_in = kadis.get("/staff/jejak?jenis=masuk&petugas=sri").text
    assert "Masuk dengan kata sandi" in signed_in and "Joko" not in signed_in

    with Session(board.engine) as session:
        read = session.exec(
            select(AccessLog.detail)
            .where(AccessLog.action == "audit", col(AccessLog.allowed))
            .order_by(col(AccessLog.id))
        ).all()
    assert read == ["data - -..- p1", "ditolak - -..- p1", "masuk sri -..- p1"]


def test_a_village_operator_is_refused_the_trail_and_the_refusal_is_logged(
    dash: Dashboard,  # noqa: F811 (the fixture)
) -> None:
    dash.staff("sri", "village_operator", [VILLAGE])
    sri = dash.login("sri")
    assert "Jejak akses" not in sri.get("/staff").text
    page = sri.get("/staff/jejak")
    assert page.status_code == 403
    assert "hanya dibuka oleh Kepala Dinas Sosial dan administrator" in page.text
    with Session(dash.engine) as session:
        [refusal] = session.exec(select(AccessLog).where(AccessLog.action == "audit")).all()
    assert not refusal.allowed
    assert refusal.detail == "role: village_operator does not read the trail"


def test_a_wrong_name_or_date_gets_a_plain_answer_and_the_form_keeps_what_was_typed(
    dash: Dashboard,  # noqa: F811 (the fixture)
) -> None:
    dash.staff("admin", "admin", ["*"])
    admin = dash.login("admin")
    unknown = admin.get("/staff/jejak?petugas=nobody&dari=2026-11-01")
    assert unknown.status_code == 200
    assert "Tidak ada petugas dengan nama pengguna &#34;nobody&#34;." in unknown.text
    assert 'value="nobody"' in unknown.text and 'value="2026-11-01"' in unknown.text
    odd = admin.get("/staff/jejak?dari=kemarin&jenis=%00")
    assert odd.status_code == 200
    assert "Tanggal tidak bisa dibaca. Pilih tanggal dari kalender." in odd.text
    deep = admin.get("/staff/jejak?halaman=99999")
    assert deep.status_code == 200
    assert "Pilih tanggal &#39;Dari&#39; dan &#39;Sampai&#39; untuk catatan lama." in deep.text
    assert admin.get("/staff/jejak?halaman=abc").status_code == 400
