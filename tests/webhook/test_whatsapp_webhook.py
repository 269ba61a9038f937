"""The WhatsApp routes at the web layer (a fake service): Twilio's signature decides whether
anything happens, over the public URL Twilio called; the channel is off until configured."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from tests.doubles.twilio_api import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    TWILIO_NUMBER,
    inbound_form,
    status_form,
)
from tests.webhook.support import FailingService, FakeService, settings_for_test

PUBLIC = "https://bot.example.go.id"
PATH = "/webhook/whatsapp"

WHATSAPP: dict[str, Any] = {
    "public_base_url": PUBLIC,
    "twilio_account_sid": ACCOUNT_SID,
    "twilio_auth_token": AUTH_TOKEN,
    "twilio_whatsapp_from": TWILIO_NUMBER,
}


def sign(url: str, form: dict[str, str], token: str = AUTH_TOKEN) -> str:
    return str(RequestValidator(token).compute_signature(url, form))


def post(
    client: TestClient, form: dict[str, str], *, path: str = PATH, signature: str | None = None
) -> Any:
    headers = {} if signature is None else {"X-Twilio-Signature": signature}
    return client.post(path, data=form, headers=headers)


def bodies(response: Any) -> list[str]:
    assert response.headers["content-type"].startswith("application/xml")
    return [m.text or "" for m in ET.fromstring(response.text).findall("Message")]


@pytest.fixture
def whatsapp_client(
    make_client: Callable[..., TestClient], fake_service: FakeService
) -> TestClient:
    return make_client(settings=settings_for_test(**WHATSAPP), service=fake_service)


def test_a_signed_message_reaches_the_service_and_the_replies_come_back_as_twiml(
    whatsapp_client: TestClient, fake_service: FakeService
) -> None:
    form = inbound_form(body="menu")
    response = post(whatsapp_client, form, signature=sign(PUBLIC + PATH, form))
    assert response.status_code == 200, response.text
    [message] = fake_service.received
    assert (message.channel, message.sender, message.text) == ("whatsapp", "6281234567890", "menu")
    assert message.sender_phone == "+6281234567890"
    first, second = bodies(response)
    assert first == "echo: menu\nsecond line"
    assert second == "Pilih satu:\n\n• Ya\n• Tidak"


def test_unsigned_requests_are_refused_and_change_nothing(
    whatsapp_client: TestClient, fake_service: FakeService
) -> None:
    response = post(whatsapp_client, inbound_form(body="menu"))
    assert response.status_code == 403
    assert fake_service.received == []


@pytest.mark.parametrize(
    "how",
    ["another token", "the internal url", "a changed field", "an extra field", "garbage"],
)
def test_wrongly_signed_requests_are_refused(
    whatsapp_client: TestClient, fake_service: FakeService, how: str
) -> None:
    form = inbound_form(body="menu")
    signature = {
        "another token": sign(PUBLIC + PATH, form, token="not-the-auth-token"),
        # What the app sees behind the proxy is not what Twilio signed.
        "the internal url": sign("http://testserver" + PATH, form),
        "a changed field": sign(PUBLIC + PATH, {**form, "Body": "batal"}),
        "an extra field": sign(PUBLIC + PATH, {**form, "Extra": "1"}),
        "garbage": "bm90IGEgc2lnbmF0dXJl",
    }[how]
    response = post(whatsapp_client, form, signature=signature)
    assert response.status_code == 403
    assert fake_service.received == []


def test_the_query_string_twilio_called_is_part_of_what_is_signed(
    whatsapp_client: TestClient, fake_service: FakeService
) -> None:
    form = inbound_form(body="menu")
    path = PATH + "?sender=main"
    assert (
        post(whatsapp_client, form, path=path, signature=sign(PUBLIC + PATH, form)).status_code
        == 403
    )
    response = post(whatsapp_client, form, path=path, signature=sign(PUBLIC + path, form))
    assert response.status_code == 200


def test_fields_twilio_adds_later_are_accepted(
    whatsapp_client: TestClient, fake_service: FakeService
) -> None:
    form = inbound_form(body="menu", BrandNewTwilioField="x", OriginalRepliedMessageSid="SM1")
    assert post(whatsapp_client, form, signature=sign(PUBLIC + PATH, form)).status_code == 200


def test_a_signed_form_that_is_not_a_message_is_a_bad_request(
    whatsapp_client: TestClient, fake_service: FakeService
) -> None:
    form = {"AccountSid": ACCOUNT_SID, "Body": "menu"}
    response = post(whatsapp_client, form, signature=sign(PUBLIC + PATH, form))
    assert response.status_code == 400
    assert fake_service.received == []


def test_a_storage_failure_answers_5xx_so_twilio_retries(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(
        settings=settings_for_test(**WHATSAPP),
        service=FailingService(),
        raise_server_exceptions=False,
    )
    form = inbound_form(body="menu")
    response = post(client, form, signature=sign(PUBLIC + PATH, form))
    assert response.status_code == 500
    assert "passwd" not in response.text


@pytest.mark.parametrize("missing", ["public_base_url", "twilio_auth_token", "twilio_account_sid"])
def test_the_channel_is_off_until_configured(
    make_client: Callable[..., TestClient], fake_service: FakeService, missing: str
) -> None:
    settings = settings_for_test(**{**WHATSAPP, missing: None})
    client = make_client(settings=settings, service=fake_service)
    form = inbound_form(body="menu")
    assert post(client, form, signature=sign(PUBLIC + PATH, form)).status_code == 404
    assert post(client, status_form("SM1", "delivered"), path=PATH + "/status").status_code == 404
    assert fake_service.received == []


def test_insecure_mode_accepts_unsigned_requests_for_local_development(
    make_client: Callable[..., TestClient], fake_service: FakeService
) -> None:
    settings = settings_for_test(allow_insecure_webhooks=True)
    client = make_client(settings=settings, service=fake_service)
    response = post(client, inbound_form(body="menu"))
    assert response.status_code == 200
    assert [m.text for m in fake_service.received] == ["menu"]


def test_status_callbacks_need_the_signature_too(whatsapp_client: TestClient) -> None:
    form = status_form("SM" + "1" * 32, "delivered")
    response = post(whatsapp_client, form, path=PATH + "/status")
    assert response.status_code == 403
    wrong = sign(PUBLIC + PATH, form)  # signed for the other route
    assert post(whatsapp_client, form, path=PATH + "/status", signature=wrong).status_code == 403


def test_a_signed_message_replayed_with_a_field_boundary_shifted_is_refused(
    whatsapp_client: TestClient, fake_service: FakeService
) -> None:
    form = inbound_form(body="menu")
    signature = sign(PUBLIC + PATH, form)
    # Twilio signs names and values run together: "MessageSid" + "SM…" + "MessageType" +
    # "text" reads the same when MessageSid swallows the next field, so the old signature
    # still holds; the id is then no Message SID any more.
    shifted = {k: v for k, v in form.items() if k != "MessageType"}
    shifted["MessageSid"] = form["MessageSid"] + "MessageType" + form["MessageType"]
    assert sign(PUBLIC + PATH, shifted) == signature
    response = post(whatsapp_client, shifted, signature=signature)
    assert response.status_code == 400
    assert fake_service.received == []
