"""Issue 10's proposer: an RT head proposes another household in that capacity. Staff see
the proposer and the household apart, on the request page and in the export, and both the
proposer (their chat) and the household (its own phone) are told the outcome; either can
look the status up.

Over the real app: the chat service of the container, the dashboard, the outbox."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from bot.inbound import InboundMessage
from bot.worker import Worker
from models.tables import OutboxNotification, Proposer, Request
from tests.bot.test_service import Citizen
from tests.bot.test_worker import FakeNotifier
from tests.conversations.test_proposer_flow import AS_RT_HEAD, NIK_RT
from tests.conversations.transcript import NIK_MAN
from tests.webhook.test_staff_dashboard import VILLAGE, Dashboard, csrf_of
from tests.webhook.test_staff_dashboard import make_dashboard as make_dashboard  # fixture

RT_HEAD_CHAT = "6281211112222"  # the RT head writes from this number
HOUSEHOLD_CHAT = "6281234567890"  # the number the RT head gave for the household


def _file_as_rt_head(dash: Dashboard) -> str:
    service = dash.app.state.container.service
    done = Citizen(service, sender=RT_HEAD_CHAT).file_usulan(AS_RT_HEAD)  # phone: 0812 3456 7890
    assert "Kode tiket: U-" in done
    assert "Keluarga yang diusulkan juga akan diberi kabar hasilnya" in done
    with Session(dash.engine) as session:
        return session.exec(select(Request.ticket)).one()


def test_an_rt_heads_proposal_shows_proposer_and_household_apart_and_both_hear_the_outcome(
    make_dashboard: Callable[..., Dashboard],
) -> None:
    dash = make_dashboard(photo_checks="off")
    dash.staff("sri", "village_operator", [VILLAGE])
    ticket = _file_as_rt_head(dash)
    with Session(dash.engine) as session:
        request = session.exec(select(Request)).one()
        proposer = session.exec(select(Proposer)).one()
        # Stored apart: the household is the request, the proposer a row of its own.
        assert (request.subtype, request.nik, request.name) == ("rt_rw", NIK_MAN, "Budi Santoso")
        assert (proposer.capacity, proposer.nik, proposer.name, proposer.phone) == (
            "rt_rw",
            NIK_RT,
            "Ahmad Fauzi",
            "+6281211112222",
        )
        assert request.answers["household_phone"] == "+" + HOUSEHOLD_CHAT
        assert not any(key.startswith("proposer") for key in request.answers)
        # Found by its keyed hash, like every NIK (sealed at rest).
        found = session.exec(select(Proposer).where(Proposer.nik_lookup == NIK_RT)).one()
        assert found.request_id == request.id

    client = dash.login("sri")
    page = client.get(f"/staff/requests/{ticket}").text
    household, _, proposer_part = page.partition('<h2 id="pengusul">Pengusul</h2>')
    household = household.split("<h2>Yang diusulkan</h2>")[1]
    assert "Budi Santoso" in household and NIK_MAN in household
    assert "+" + HOUSEHOLD_CHAT in household
    assert "Ahmad Fauzi" not in household and NIK_RT not in household
    proposer_part = proposer_part.split("</section>")[0]
    assert "Diusulkan oleh Ketua RT/RW (Permensos 3/2021 Pasal 5)" in proposer_part
    assert "Ahmad Fauzi" in proposer_part and NIK_RT in proposer_part
    assert "+6281211112222" in proposer_part
    assert "Budi Santoso" not in proposer_part and NIK_MAN not in proposer_part

    answer = client.get(f"/staff/export/bnba?area={VILLAGE}&fmt=csv")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert [row["Nama"] for row in rows] == ["Budi Santoso", "Sri Wahyuni", "Rina"]
    for row in rows:  # every person of the household, with who proposed it beside
        assert (row["Diusulkan Oleh"], row["Nama Pengusul"], row["NIK Pengusul"]) == (
            "Ketua RT/RW",
            "Ahmad Fauzi",
            NIK_RT,
        )
        # As staff dial it: no "+62" (which a spreadsheet would read as a formula, and
        # the CSV writer would have to prefix with an apostrophe).
        assert row["HP Pengusul"] == "081211112222"
    assert rows[0]["Nomor NIK"] == NIK_MAN

    # The outcome: the village closes it. The RT head's chat and the household's phone
    # are both told, each in its own words.
    token = csrf_of(page)
    moved = client.post(
        f"/staff/requests/{ticket}/move",
        data={"csrf": token, "action": "tutup", "note": "Sudah terdaftar di DTSEN"},
        follow_redirects=False,
    )
    assert moved.status_code == 303
    with Session(dash.engine) as session:
        told = session.exec(
            select(OutboxNotification)
            .where(OutboxNotification.kind == "status_changed")
            .order_by(col(OutboxNotification.id))
        ).all()
        assert [(n.channel, n.recipient) for n in told] == [
            ("test", RT_HEAD_CHAT),
            ("phone", HOUSEHOLD_CHAT),
        ]
        shown = f"{ticket[0]}-{ticket[1:]}"
        to_rt, to_household = told[0].text, told[1].text
    assert "Sudah terdaftar di DTSEN" in to_rt and "Sudah terdaftar di DTSEN" in to_household
    assert "Keluarga Anda diusulkan ke DTSEN oleh Ketua RT/RW." in to_household
    assert f"kode tiket {shown} dan NIK orang yang diusulkan" in to_household
    assert "Keluarga Anda" not in to_rt
    # The worker hands the household's row to the channel that reaches a phone (SMS when
    # configured, bot/worker.py); the RT head's waits behind the replies its chat has not
    # yet confirmed, as every chat's notifications do.
    phone = FakeNotifier("sms")
    worker = Worker(dash.engine, {"test": FakeNotifier("test"), "phone": phone})
    asyncio.run(worker.run_once(datetime.now(UTC) + timedelta(minutes=1)))
    assert [(chat, n.text) for chat, n in phone.sent] == [(HOUSEHOLD_CHAT, to_household)]

    # Cek status: the RT head from their chat ("permohonan saya"), the household from its
    # own chat with the ticket and the NIK of the person proposed.
    service = dash.app.state.container.service
    rt_head = Citizen(service, sender=RT_HEAD_CHAT)
    rt_head.say("menu")
    rt_head.say("cek status")
    assert shown in rt_head.say("1")
    family = Citizen(service, sender=HOUSEHOLD_CHAT)
    family.say("menu")
    family.say("cek status")
    assert "kode tiket" in family.say("2").lower()
    assert "NIK" in family.say(shown)
    status = family.say(NIK_MAN)
    assert shown in status and "Budi" not in status


def test_the_households_notice_held_by_whatsapp_goes_out_when_that_number_writes(
    make_dashboard: Callable[..., Dashboard],
) -> None:
    """Without SMS, the household's phone is reached by WhatsApp, which holds a notice
    outside its 24-hour window when no template is approved. It waited on the phone channel
    for a message nobody sends there; now the number's first WhatsApp message takes it."""
    dash = make_dashboard(photo_checks="off")
    dash.staff("sri", "village_operator", [VILLAGE])
    ticket = _file_as_rt_head(dash)
    client = dash.login("sri")
    token = csrf_of(client.get(f"/staff/requests/{ticket}").text)
    client.post(
        f"/staff/requests/{ticket}/move",
        data={"csrf": token, "action": "tutup", "note": "Sudah terdaftar di DTSEN"},
        follow_redirects=False,
    )
    held = FakeNotifier("whatsapp", path="waiting")  # outside the window, no template
    worker = Worker(dash.engine, {"test": FakeNotifier("test"), "phone": held})
    asyncio.run(worker.run_once(datetime.now(UTC) + timedelta(minutes=1)))
    with Session(dash.engine) as session:
        [notice] = session.exec(
            select(OutboxNotification).where(OutboxNotification.channel == "phone")
        ).all()
        assert notice.status == "waiting"
        to_household = notice.text

    service = dash.app.state.container.service

    def whatsapp(sender: str, text: str) -> list[str]:
        message = InboundMessage(
            channel="whatsapp", sender=sender, message_id=uuid.uuid4().hex, text=text
        )
        return [reply.text for _, reply in service.handle(message).to_send]

    # Another number writing takes nothing of it.
    assert to_household not in whatsapp("6281299998888", "halo")
    # The household writes: the menu, then the notice that waited for it.
    answer = whatsapp(HOUSEHOLD_CHAT, "halo")
    assert answer[-1] == to_household and len(answer) >= 2
    assert "Keluarga Anda diusulkan ke DTSEN oleh Ketua RT/RW." in answer[-1]
    assert to_household not in whatsapp(HOUSEHOLD_CHAT, "menu")  # taken once

    # "Permohonan saya" from the household's own number lists the RT head's proposal.
    whatsapp(HOUSEHOLD_CHAT, "cek status")
    mine = "\n".join(whatsapp(HOUSEHOLD_CHAT, "1"))
    assert f"Tiket {ticket[0]}-{ticket[1:]}" in mine
    assert "Diusulkan untuk keluarga Anda oleh Ketua RT/RW." in mine
    assert "Sudah terdaftar di DTSEN" in mine  # the village's note, as in the notice
    whatsapp("6281299998888", "cek status")  # another number: nothing of it
    assert "Belum ada permohonan" in "\n".join(whatsapp("6281299998888", "1"))
