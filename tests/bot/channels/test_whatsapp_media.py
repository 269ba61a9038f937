"""Photos are fetched from Twilio with the account's credentials, and only from Twilio."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from bot.channels.whatsapp.media import MediaFetcher, MediaUnavailable
from tests.doubles.twilio_api import ACCOUNT_SID, AUTH_TOKEN, TwilioApiDouble, running_twilio_api
from tests.images import tiny_png


@pytest.fixture
def twilio_api() -> Iterator[TwilioApiDouble]:
    with running_twilio_api() as double:
        yield double


def fetcher(double: TwilioApiDouble, max_bytes: int = 10 * 1024 * 1024) -> MediaFetcher:
    return MediaFetcher(
        auth=(ACCOUNT_SID, AUTH_TOKEN), max_bytes=max_bytes, api_base_url=double.url
    )


def test_a_photo_is_downloaded_with_basic_auth(twilio_api: TwilioApiDouble) -> None:
    url = twilio_api.add_media(tiny_png(), "image/png")
    assert asyncio.run(fetcher(twilio_api).fetch(url)) == tiny_png()
    [call] = twilio_api.media_calls()
    assert call.authorized and call.status == 200


def test_an_oversized_file_is_read_only_one_byte_past_the_limit(
    twilio_api: TwilioApiDouble,
) -> None:
    url = twilio_api.add_media(b"\xff\xd8\xff" + b"x" * 5000, "image/jpeg")
    data = asyncio.run(fetcher(twilio_api, max_bytes=1000).fetch(url))
    # One byte over is enough for the service to refuse it as too large.
    assert len(data) == 1001


def test_a_missing_file_is_unavailable(twilio_api: TwilioApiDouble) -> None:
    with pytest.raises(MediaUnavailable):
        asyncio.run(fetcher(twilio_api).fetch(f"{twilio_api.url}/media/ME404"))


@pytest.mark.parametrize(
    "url",
    [
        "https://attacker.example/collect",
        "http://api.twilio.com/2010-04-01/Media/ME1",  # not https
        "https://api.twilio.com.attacker.example/ME1",
    ],
)
def test_credentials_never_go_to_a_host_that_is_not_twilio(
    twilio_api: TwilioApiDouble, url: str
) -> None:
    media = fetcher(twilio_api)
    assert not media.trusted(url)
    with pytest.raises(MediaUnavailable):
        asyncio.run(media.fetch(url))


def test_twilio_hosts_are_trusted() -> None:
    media = MediaFetcher(auth=None, max_bytes=10)
    assert media.trusted("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1")
    assert media.trusted("https://media.us1.twilio.com/ME1")
