"""The twilio client against the local Twilio double: routed there by the base-URL
setting, retrying 429/5xx with backoff, never retrying a permanent refusal."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bot.channels.whatsapp.client import RetryPolicy, make_client
from bot.channels.whatsapp.outbound import SendError, WhatsAppSender
from tests.doubles.twilio_api import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    TWILIO_NUMBER,
    TwilioApiDouble,
    running_twilio_api,
)

CALLBACK = "https://bot.example.go.id/webhook/whatsapp/status"


@pytest.fixture
def twilio_api() -> Iterator[TwilioApiDouble]:
    with running_twilio_api() as double:
        yield double


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def make_sender(double: TwilioApiDouble, sleeps: Sleeps, attempts: int = 3) -> WhatsAppSender:
    client = make_client(
        ACCOUNT_SID,
        AUTH_TOKEN,
        api_base_url=double.url,
        retry=RetryPolicy(attempts=attempts, base_delay=0.5, max_delay=4.0),
        sleep=sleeps,
    )
    return WhatsAppSender(client, sender=TWILIO_NUMBER, status_callback=CALLBACK)


def test_a_message_goes_to_the_configured_base_url_with_the_account_credentials(
    twilio_api: TwilioApiDouble,
) -> None:
    sent = make_sender(twilio_api, Sleeps()).send_text("6281234567890", "Halo")
    [call] = twilio_api.message_calls()
    assert call.authorized and call.status == 201
    assert call.form == {
        "To": "whatsapp:+6281234567890",
        "From": TWILIO_NUMBER,
        "Body": "Halo",
        "StatusCallback": CALLBACK,
    }
    assert sent.sid == twilio_api.messages[0]["sid"] and sent.sid.startswith("SM")
    assert sent.status == "queued"


def test_a_content_template_goes_with_its_variables_as_json(twilio_api: TwilioApiDouble) -> None:
    variables = {"1": "U-7KQ4M9", "2": "Diverifikasi desa"}
    make_sender(twilio_api, Sleeps()).send_content("6281234567890", "HX" + "1" * 32, variables)
    form = twilio_api.messages[0]
    assert form["ContentSid"] == "HX" + "1" * 32
    assert json.loads(form["ContentVariables"]) == variables
    assert "Body" not in form


def test_429_is_retried_after_the_time_twilio_asks_for(twilio_api: TwilioApiDouble) -> None:
    twilio_api.fail_next(429, times=2, retry_after="1")
    sleeps = Sleeps()
    make_sender(twilio_api, sleeps).send_text("6281234567890", "Halo")
    assert [c.status for c in twilio_api.message_calls()] == [429, 429, 201]
    assert sleeps == [1.0, 1.0]
    assert len(twilio_api.messages) == 1


def test_5xx_is_retried_with_growing_backoff(twilio_api: TwilioApiDouble) -> None:
    twilio_api.fail_next(500)
    twilio_api.fail_next(503)
    sleeps = Sleeps()
    make_sender(twilio_api, sleeps).send_text("6281234567890", "Halo")
    assert [c.status for c in twilio_api.message_calls()] == [500, 503, 201]
    assert sleeps == [0.5, 1.0]


def test_retries_are_bounded_and_then_reported_as_transient(twilio_api: TwilioApiDouble) -> None:
    twilio_api.fail_next(500, times=5)
    with pytest.raises(SendError) as raised:
        make_sender(twilio_api, Sleeps()).send_text("6281234567890", "Halo")
    assert len(twilio_api.message_calls()) == 3
    assert raised.value.transient and raised.value.status == 500


def test_outside_the_window_is_reported_once_and_not_retried(twilio_api: TwilioApiDouble) -> None:
    twilio_api.fail_next(400, code=63016)
    with pytest.raises(SendError) as raised:
        make_sender(twilio_api, Sleeps()).send_text("6281234567890", "Halo")
    assert len(twilio_api.message_calls()) == 1
    error = raised.value
    assert error.outside_window and not error.transient and not error.unreachable
    assert error.error_code == "63016"


@pytest.mark.parametrize("code", [21211, 21610])
def test_an_invalid_or_unsubscribed_number_is_unreachable(
    twilio_api: TwilioApiDouble, code: int
) -> None:
    twilio_api.fail_next(400, code=code)
    with pytest.raises(SendError) as raised:
        make_sender(twilio_api, Sleeps()).send_text("6281234567890", "Halo")
    assert raised.value.unreachable and not raised.value.transient
    assert len(twilio_api.message_calls()) == 1


def test_no_answer_at_all_is_transient() -> None:
    with running_twilio_api() as double:
        url = double.url
    stopped = TwilioApiDouble(url=url)  # the same address, nobody listening any more
    with pytest.raises(SendError) as raised:
        make_sender(stopped, Sleeps()).send_text("6281234567890", "Halo")
    assert raised.value.transient and raised.value.error_code == "network"


def test_without_a_base_url_requests_go_to_twilio() -> None:
    client = make_client(ACCOUNT_SID, AUTH_TOKEN)
    url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json"
    assert client.http_client.route(url) == url


def test_a_base_url_with_a_path_keeps_its_prefix() -> None:
    client = make_client(ACCOUNT_SID, AUTH_TOKEN, api_base_url="http://127.0.0.1:9/twilio/")
    routed = client.http_client.route("https://api.twilio.com/2010-04-01/Messages.json?x=1")
    assert routed == "http://127.0.0.1:9/twilio/2010-04-01/Messages.json?x=1"
