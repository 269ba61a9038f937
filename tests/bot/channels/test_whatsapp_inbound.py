"""Twilio's inbound form, as Twilio posts it, becomes what the citizen did."""

from __future__ import annotations

import pytest

from bot.channels.whatsapp.inbound import MalformedInbound, parse_inbound
from bot.inbound import PhotoUpload
from conversations.types import Location
from tests.doubles.twilio_api import inbound_form
from tests.images import tiny_png


def test_a_text_names_the_sender_by_waid_and_offers_the_number() -> None:
    form = inbound_form("6281234567890", body="menu", SomeFieldTwilioAddsLater="x")
    message = parse_inbound(form).message()
    assert (message.channel, message.sender, message.text) == ("whatsapp", "6281234567890", "menu")
    assert message.message_id == form["MessageSid"]
    assert message.sender_phone == "+6281234567890"
    assert message.chat_key == "whatsapp:6281234567890"
    assert message.rejected is None and message.photo is None


def test_without_waid_the_sender_comes_from_the_from_address() -> None:
    form = inbound_form(body="halo")
    del form["WaId"]
    assert parse_inbound(form).sender == "6281234567890"


def test_a_quick_reply_press_is_the_choice_id_it_carried() -> None:
    form = inbound_form(
        body="Ya", ButtonPayload="consent=yes", ButtonText="Ya", MessageType="button"
    )
    message = parse_inbound(form).message()
    assert message.choice == "consent=yes"


def test_a_shared_location_is_a_location_not_its_address_text() -> None:
    form = inbound_form(
        body="Jl. Raya Cinunuk", Latitude="-6.9301", Longitude="107.7212", MessageType="location"
    )
    message = parse_inbound(form).message()
    assert message.location == Location(-6.9301, 107.7212)
    assert message.text is None


@pytest.mark.parametrize(
    ("latitude", "longitude"), [("abc", "107.7"), ("-91", "107.7"), ("-6.9", "inf")]
)
def test_a_broken_location_is_not_taken_as_one(latitude: str, longitude: str) -> None:
    form = inbound_form(body="", Latitude=latitude, Longitude=longitude)
    parsed = parse_inbound(form)
    assert parsed.location is None and parsed.message().rejected == "unsupported"


def test_an_image_is_a_photo_to_download_and_its_caption_is_dropped() -> None:
    form = inbound_form(
        body="batal",  # a caption must not cancel the flow the photo answers
        NumMedia="1",
        MediaUrl0="https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
        MediaContentType0="image/jpeg",
        MessageType="image",
    )
    parsed = parse_inbound(form)
    assert parsed.photo is not None and parsed.photo.content_type == "image/jpeg"
    message = parsed.message(PhotoUpload(tiny_png(), "image/jpeg"))
    assert message.photo is not None and message.text is None


@pytest.mark.parametrize(
    ("content_type", "message_type"),
    [
        ("audio/ogg", "audio"),
        ("video/mp4", "video"),
        ("application/pdf", "document"),
        ("text/vcard", "contacts"),
        ("image/webp", "sticker"),  # WhatsApp stickers are WebP images
        ("image/webp", "image"),
    ],
)
def test_media_that_is_not_a_photo_is_unsupported(content_type: str, message_type: str) -> None:
    form = inbound_form(
        NumMedia="1",
        MediaUrl0="https://api.twilio.com/media/ME1",
        MediaContentType0=content_type,
        MessageType=message_type,
    )
    parsed = parse_inbound(form)
    assert parsed.photo is None and parsed.unsupported is not None
    assert parsed.message().rejected == "unsupported"


def test_a_message_with_nothing_readable_is_unsupported() -> None:
    assert parse_inbound(inbound_form(body="")).message().rejected == "unsupported"


@pytest.mark.parametrize("missing", ["MessageSid", "From"])
def test_a_form_without_message_id_or_sender_is_refused(missing: str) -> None:
    form = inbound_form(body="halo")
    form.pop(missing)
    form.pop("SmsMessageSid")
    if missing == "From":
        form.pop("WaId")
    with pytest.raises(MalformedInbound):
        parse_inbound(form)
