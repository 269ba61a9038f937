"""A perbaikan data on the dashboard: found by kind and dusun, read with its wrong fields and
right values, decided in its own words, and listed in its own export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from models.requests import create_request
from models.tables import OutboxNotification
from tests.models.factories import NIK_A, NIK_C, new_perbaikan
from tests.webhook.test_staff_dashboard import (  # noqa: F401 (fixtures)
    VILLAGE,
    Dashboard,
    csrf_of,
    dash,
    make_dashboard,
)
from webhook.staff import views


def file_perbaikan(dash: Dashboard, **overrides: object) -> str:  # noqa: F811
    overrides.setdefault("village_code", VILLAGE)
    with Session(dash.engine) as session, session.begin():
        request = create_request(
            session, new_perbaikan(**overrides), now=datetime.now(UTC) - timedelta(hours=1)
        )
        return request.ticket


def test_a_perbaikan_is_found_read_decided_and_exported_in_its_own_words(
    dash: Dashboard,  # noqa: F811 (the fixture)
) -> None:
    dash.staff("sri", "village_operator", [VILLAGE])
    correction = file_perbaikan(dash, chat_id="warga-7")
    member = file_perbaikan(
        dash,
        subtype="family_member",
        nik=NIK_A,
        name="Sri Wahyuni",
        subject_nik=NIK_C,
        subject_name="Budi Santoso",
        answers={
            **new_perbaikan().answers,
            "perbaikan_for": "family_member",
            "perbaikan_fields": ["anggota_keluarga"],
            "members_correct": [
                {"nik": NIK_A, "name": "Sri Wahyuni"},
                {"nik": None, "name": "Rina"},
            ],
        },
    )
    client = dash.login("sri")

    queue = client.get("/staff?kind=perbaikan&dusun=krajan").text
    assert views.ticket_text(correction) in queue and views.ticket_text(member) in queue
    assert "Budi Santoso (diajukan Sri Wahyuni)" in queue
    assert views.ticket_text(correction) not in client.get("/staff?kind=sanggahan").text

    page = client.get(f"/staff/requests/{member}").text
    assert "Data yang salah" in page and "Anggota keluarga (ada yang belum tercatat" in page
    assert "2: Sri Wahyuni (" in page and NIK_A[:4] + "********" + NIK_A[-4:] in page
    page = client.get(f"/staff/requests/{correction}").text
    assert "Nama, Alamat atau RT/RW" in page and "Budi Santosa" in page

    token = csrf_of(page)
    moved = client.post(
        f"/staff/requests/{correction}/move",
        data={"csrf": token, "action": "agendakan", "note": ""},
        follow_redirects=False,
    )
    assert moved.status_code == 303, moved.text
    page = client.get(f"/staff/requests/{correction}").text
    assert ">Perbaikan diterima — diteruskan ke Dinas Sosial</button>" in page
    assert ">Perbaikan ditolak — data tetap</button>" in page
    assert ">Layak</button>" not in page
    accepted = client.post(
        f"/staff/requests/{correction}/move",
        data={
            "csrf": token,
            "action": "layak",
            "note": "",
            "doc_number": "03/BA/MUSDES/XII/2026",
            "doc_date": "2026-12-01",
        },
        follow_redirects=False,
    )
    assert accepted.status_code == 303, accepted.text
    with Session(dash.engine) as session:
        told = session.exec(
            select(OutboxNotification).where(OutboxNotification.chat_id == "warga-7")
        ).all()
    assert "perbaikan data Anda diterima dan diteruskan" in told[-1].text
    assert "sudah diperbaiki" not in told[-1].text

    export = client.get("/staff/export").text
    assert 'value="perbaikan"' in export and "Perbaikan data" in export
    listed = client.get(f"/staff/export/bnba?area={VILLAGE}&fmt=csv&daftar=perbaikan")
    assert listed.status_code == 200
    assert "perbaikan-" in listed.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(listed.content.decode("utf-8-sig"))))
    assert sorted(row["Tiket"] for row in rows) == sorted(
        views.ticket_text(t) for t in (correction, member)
    )
    by_ticket = {row["Tiket"]: row for row in rows}
    assert by_ticket[views.ticket_text(member)]["Data yang Benar"] == (
        f"Anggota keluarga (ada yang belum tercatat atau salah): {NIK_A} Sri Wahyuni, "
        "(tanpa NIK) Rina"
    )
    assert by_ticket[views.ticket_text(member)]["Diajukan Oleh"] == "Sri Wahyuni"
