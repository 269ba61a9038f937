"""Over Telegram and WhatsApp (against the local doubles of their APIs) the KTP photo is
downloaded, checked, read and offered for confirmation the same way: the channel fetches
the file, the service stores it, the inspector reads it, the flow asks "Benar?"."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import Session, select

from benchmarks import ktp_cards
from models.tables import Request
from tests.doubles.telegram_bot_api import TelegramBotApiDouble
from tests.doubles.twilio_api import TwilioApiDouble
from tests.webhook.test_telegram_e2e import Citizen as TelegramCitizen
from tests.webhook.test_telegram_e2e import (  # noqa: F401  (fixtures)
    TestClient,
    double,
    engine_of,
    quick_chats,
    start,
)
from tests.webhook.test_whatsapp_e2e import (
    WhatsAppCitizen,
    running_app,
    settings_for,
    twilio_api,  # noqa: F401  (fixture)
)

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def _nik_shown(nik: str) -> str:
    return " ".join(nik[i : i + 4] for i in range(0, 16, 4))


def test_over_telegram_the_ktp_photo_is_downloaded_read_and_offered(
    start: Callable[..., TestClient],  # noqa: F811
    double: TelegramBotApiDouble,  # noqa: F811
) -> None:
    person, photo = ktp_cards.readable_photo()
    citizen = TelegramCitizen(start(photo_checks="read_ktp"), double, chat_id=5101)
    assert "Apa yang ingin Anda lakukan?" in citizen.say("/start")
    assert "Apakah Anda setuju?" in citizen.press("Usulan mandiri")
    assert "foto KTP" in citizen.press("Saya setuju")
    assert "Usulan ini untuk siapa?" in citizen.photo(photo)
    asked = citizen.press("Diri sendiri")
    assert f"NIK: {_nik_shown(person.nik)}" in asked
    assert "Kartu Keluarga" in citizen.press("Ya, benar")
    asked = citizen.say(f"{person.nik[:6]}0101200003")
    assert f"NAMA: {person.name}" in asked.upper()
    assert "ibu kandung" in citizen.press("Ya, benar")


def test_over_whatsapp_the_ktp_photo_is_downloaded_read_and_offered(
    twilio_api: TwilioApiDouble,  # noqa: F811
    tmp_path: Path,
) -> None:
    person, photo = ktp_cards.readable_photo()
    settings = settings_for(twilio_api, tmp_path, photo_checks="read_ktp")
    with running_app(settings) as client:
        citizen = WhatsAppCitizen(client, twilio_api)
        assert "Apakah Anda setuju?" in citizen.say("1")
        assert "foto KTP" in citizen.say("ya")
        assert "Usulan ini untuk siapa?" in citizen.photo(photo)
        asked = citizen.say("1")
        assert f"NIK: {_nik_shown(person.nik)}" in asked
        # WhatsApp shows the buttons as numbered lines: "1" is "Ya, benar".
        assert "Kartu Keluarga" in citizen.pick("Ya, benar")
        with Session(engine_of(client)) as session:
            assert session.exec(select(Request)).first() is None  # nothing filed yet
    # Downloaded from Twilio with the account's credentials.
    assert [(c.status, c.authorized) for c in twilio_api.media_calls()] == [(200, True)]
