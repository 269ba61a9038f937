"""The simulator API over the real container: engine, service, a fresh SQLite file."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from bot.inbound import InboundMessage
from bot.settings import Settings
from models.requests import create_request
from tests.models.factories import new_usulan
from tests.webhook.support import tiny_png
from webhook.app import create_app

API = "/api/simulator/messages"


@pytest.fixture
def real_client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'dtsen.db'}",
        data_dir=tmp_path / "var",
        redis_url=None,
        simulator_enabled=True,
    )
    # The lifespan builds (and migrates) the database, then closes it.
    with TestClient(create_app(settings)) as client:
        yield client


def send(client: TestClient, user: str = "e2e", **payload: Any) -> list[dict[str, Any]]:
    response = client.post(API, json={"user": user, **payload})
    assert response.status_code == 200, response.text
    replies: list[dict[str, Any]] = response.json()["replies"]
    return replies


def choice_id(replies: list[dict[str, Any]], label_start: str) -> str:
    for reply in replies:
        for choice in reply["choices"]:
            if choice["label"].startswith(label_start):
                return str(choice["id"])
    raise AssertionError(f"no choice starting {label_start!r} in {replies}")


def test_fresh_database_is_healthy(real_client: TestClient) -> None:
    response = real_client.get("/readyz")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["database"]["ok"] is True
    assert body["store"]["ok"] is True


def test_check_status_on_a_new_chat_finds_nothing(real_client: TestClient) -> None:
    menu = send(real_client, text="menu")
    assert menu[-1]["expects"] == "choice"

    modes = send(real_client, choice=choice_id(menu, "Cek status"))
    answer = send(real_client, choice=choice_id(modes, "Permohonan saya"))

    assert any("Belum ada permohonan" in reply["text"] for reply in answer)


def test_a_photo_reaches_the_flow_and_a_non_image_is_refused_kindly(
    real_client: TestClient, tmp_path: Path
) -> None:
    replies = send(real_client, text="menu")
    replies = send(real_client, choice=choice_id(replies, "Sanggahan"))
    replies = send(real_client, choice=choice_id(replies, "Saya setuju"))
    replies = send(real_client, choice=choice_id(replies, "Ada penerima"))
    replies = send(real_client, text="sukamaju")
    replies = send(real_client, choice=choice_id(replies, "Sukamaju, Kec. Tigapanah"))
    for answer in ("Budi Santoso", "lewati", "lewati", "lewati", "lewati", "ga tau"):
        replies = send(real_client, text=answer)
    replies = send(real_client, choice=choice_id(replies, "Sudah mampu"))
    replies = send(real_client, text="lewati")
    assert replies[-1]["expects"] == "photo"

    not_image = "data:image/png;base64," + base64.b64encode(b"just text").decode()
    refused = send(real_client, photo=not_image)
    assert refused[-1]["expects"] == "photo"
    assert "bukan foto" in refused[0]["text"]

    # JPEG magic bytes followed by junk look like a photo but do not decode.
    junk = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"junk" * 64
    refused = send(real_client, photo="data:image/jpeg;base64," + base64.b64encode(junk).decode())
    assert refused[-1]["expects"] == "photo"
    assert "tidak bisa dibuka" in refused[0]["text"]

    png = "data:image/png;base64," + base64.b64encode(tiny_png()).decode()
    accepted = send(real_client, photo=png)
    assert accepted[-1]["expects"] == "location"
    assert list((tmp_path / "var").rglob("*")), "the photo should be stored under DATA_DIR"


def text_of(replies: list[dict[str, Any]]) -> str:
    return "\n".join(reply["text"] for reply in replies)


def test_a_whole_usulan_over_the_api_then_its_status_from_another_chat(
    real_client: TestClient,
) -> None:
    from tests.conversations.transcript import NIK_MAN, USULAN_TYPED

    for said, expected in USULAN_TYPED:
        assert expected in text_of(send(real_client, text=said)), said
    photo = "data:image/png;base64," + base64.b64encode(tiny_png()).decode()
    assert "foto rumah" in text_of(send(real_client, photo=photo))
    assert "lokasi" in text_of(send(real_client, photo=photo))
    location = send(real_client, location={"lat": -6.93, "lon": 107.72})
    assert location[-1]["text"].startswith("Nomor HP")
    summary = send(real_client, text="0812 3456 7890")
    assert summary[-1]["numbered"] is False and "Ya, kirim" in str(summary[-1]["choices"])
    assert "3204********0001" in summary[0]["text"]  # the first section: Data diri
    done = text_of(send(real_client, text="ya"))
    ticket = next(word for word in done.split() if word.startswith("U-"))

    assert "NIK yang diisi" in text_of(send(real_client, user="neighbour", text=ticket))
    status = text_of(send(real_client, user="neighbour", text=NIK_MAN))
    assert "Status: Diterima" in status and "Budi" not in status


def test_a_photo_a_little_over_the_limit_gets_the_bots_answer_not_a_bare_413(
    tmp_path: Path,
) -> None:
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'dtsen.db'}",
        data_dir=tmp_path / "var",
        redis_url=None,
        simulator_enabled=True,
        max_photo_bytes=3000,  # the arithmetic of 10 MB and a 10.2 MB photo, smaller
    )
    photo = b"\x89PNG\r\n\x1a\n" + b"x" * 3060
    with TestClient(create_app(settings)) as client:
        url = "data:image/png;base64," + base64.b64encode(photo).decode()
        replies = send(client, user="besar", photo=url)
    assert any("terlalu besar" in r["text"] for r in replies), replies


def test_simulator_chats_never_reach_a_real_channels_chat(real_client: TestClient) -> None:
    """Namespacing (issue 9): whatever `user` the page sends, even a real channel's chat
    key or bare chat id, it is a simulator chat of its own: it sees nothing filed from the
    Telegram chat, and what it does leaves that chat's unfinished form alone."""
    container = real_client.app.state.container  # type: ignore[attr-defined]
    with Session(container.engine) as session, session.begin():
        filed = new_usulan(channel="telegram", chat_id="123")
        create_request(session, filed, now=datetime.now(UTC))

    def telegram(text: str) -> str:
        message = InboundMessage(channel="telegram", sender="123", text=text)
        return "\n".join(reply.text for reply in container.service.handle(message).replies)

    telegram("menu")
    assert "persetujuan" in telegram("1").lower()  # the usulan's consent question, unanswered
    for user in ("telegram:123", "123", "telegram: 123", "simulator:telegram:123"):
        menu = send(real_client, user, text="menu")
        assert "masih tersimpan" not in menu[-1]["text"], user  # no draft of Telegram's
        modes = send(real_client, user, choice=choice_id(menu, "Cek status"))
        mine = send(real_client, user, choice=choice_id(modes, "Permohonan saya"))
        assert any("Belum ada permohonan" in r["text"] for r in mine), user
        menu = send(real_client, user, text="menu")
        actions = send(real_client, user, choice=choice_id(menu, "Privasi"))
        held = send(real_client, user, choice=choice_id(actions, "Data saya"))
        assert not any("Tiket" in r["text"] for r in held), user
        send(real_client, user, text="menu")
        send(real_client, user, text="1")
        send(real_client, user, text="batal")
        send(real_client, user, text="ya")
    # The Telegram chat still has its form, and its request is still its own.
    assert "masih tersimpan" in telegram("menu")
