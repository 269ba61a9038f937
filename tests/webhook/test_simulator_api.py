from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conversations.types import Location
from tests.webhook.support import FailingService, FakeService, settings_for_test, tiny_png
from webhook.app import body_limit

API = "/api/simulator/messages"


def data_url(data: bytes, media_type: str = "image/png") -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


# ---- the happy path: request mapping and reply JSON ----


def test_text_is_handed_to_the_service_as_a_simulator_message(
    client: TestClient, fake_service: FakeService
) -> None:
    response = client.post(API, json={"user": "ani-01", "text": "halo"})

    assert response.status_code == 200
    (message,) = fake_service.received
    assert message.channel == "simulator"
    assert message.sender == "ani-01"
    assert message.text == "halo"
    # The simulator never retries, so no delivery id is invented.
    assert message.message_id is None


def test_replies_have_the_documented_shape(client: TestClient) -> None:
    body = client.post(API, json={"user": "u", "choice": "yes"}).json()

    assert body == {
        "replies": [
            {
                "text": "echo: yes\nsecond line",
                "choices": [],
                "expects": "text",
                "numbered": True,
            },
            {
                "text": "Pilih satu:",
                "choices": [{"id": "yes", "label": "Ya"}, {"id": "no", "label": "Tidak"}],
                "expects": "choice",
                "numbered": False,
            },
        ]
    }


def test_a_given_message_id_is_passed_on(client: TestClient, fake_service: FakeService) -> None:
    client.post(API, json={"user": "u", "text": "x", "message_id": "m-1"})

    assert fake_service.received[0].message_id == "m-1"


def test_photo_data_url_is_decoded(client: TestClient, fake_service: FakeService) -> None:
    png = tiny_png()

    response = client.post(API, json={"user": "u", "photo": data_url(png)})

    assert response.status_code == 200
    photo = fake_service.received[0].photo
    assert photo is not None
    assert photo.data == png
    assert photo.declared_type == "image/png"


def test_data_url_parameters_before_base64_are_allowed(
    client: TestClient, fake_service: FakeService
) -> None:
    url = "data:image/jpeg;name=ktp.jpg;base64," + base64.b64encode(b"\xff\xd8\xff").decode()

    assert client.post(API, json={"user": "u", "photo": url}).status_code == 200
    photo = fake_service.received[0].photo
    assert photo is not None
    assert photo.declared_type == "image/jpeg"


def test_location_is_passed_on(client: TestClient, fake_service: FakeService) -> None:
    client.post(API, json={"user": "u", "location": {"lat": -6.2, "lon": 106.8}})

    assert fake_service.received[0].location == Location(-6.2, 106.8)


def test_api_replies_are_not_cached(client: TestClient) -> None:
    response = client.post(API, json={"user": "u", "text": "x"})

    assert response.headers["cache-control"] == "no-store"


# ---- validation: 422 with a readable message, never echoing the input ----


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"text": "x"}, "user"),
        ({"user": "", "text": "x"}, "user"),
        ({"user": "u" * 65, "text": "x"}, "user"),
        ({"user": "u"}, "body"),
        ({"user": "u", "text": ""}, "body"),
        ({"user": "u", "text": "x" * 4097}, "text"),
        ({"user": "u", "location": {"lat": 91, "lon": 0}}, "location.lat"),
        ({"user": "u", "location": {"lat": 0}}, "location.lon"),
        ({"user": "u", "text": "x", "surprise": 1}, "surprise"),
    ],
)
def test_invalid_requests_are_422(client: TestClient, payload: dict[str, Any], field: str) -> None:
    response = client.post(API, json=payload)

    assert response.status_code == 422
    body = response.json()
    assert field in [error["field"] for error in body["errors"]]
    assert isinstance(body["detail"], str)


@pytest.mark.parametrize(
    "photo",
    [
        "not a data url",
        "https://example.com/ktp.jpg",
        "data:image/png,plain-not-base64",
        "data:image/png;base64,***not base64***",
        "data:image/png;base64,aGk",  # bad padding
    ],
)
def test_a_bad_data_url_is_422_with_a_clear_message(
    client: TestClient, fake_service: FakeService, photo: str
) -> None:
    response = client.post(API, json={"user": "u", "photo": photo})

    assert response.status_code == 422
    assert "photo" in response.json()["detail"]
    assert "data URL" in response.json()["detail"]
    assert fake_service.received == []


def test_validation_errors_do_not_echo_the_photo(client: TestClient) -> None:
    junk = "data:image/png;base64," + "A" * 5000 + "!"

    response = client.post(API, json={"user": "u", "photo": junk})

    assert response.status_code == 422
    assert "AAAAAAAA" not in response.text


def test_malformed_json_is_422(client: TestClient) -> None:
    response = client.post(API, content=b"{oops", headers={"Content-Type": "application/json"})

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/json")


# ---- size limit: 413 ----


@pytest.fixture
def small_limit_client(make_client: Callable[..., TestClient]) -> TestClient:
    # A 3 kB photo limit keeps the test fast; the arithmetic is the same as for 10 MB.
    return make_client(settings=settings_for_test(max_photo_bytes=3000), service=FakeService())


def test_default_limit_admits_a_10_mb_photo_as_base64() -> None:
    limit = body_limit(settings_for_test())

    assert limit >= len(data_url(b"x" * 10 * 1024 * 1024)) + 100
    assert limit >= len(data_url(b"x" * 10_700_000))  # 10.2 MB: the bot answers, not a 413
    assert limit < 18 * 1024 * 1024


def test_a_photo_at_the_limit_fits(small_limit_client: TestClient) -> None:
    response = small_limit_client.post(API, json={"user": "u", "photo": data_url(b"x" * 3000)})

    assert response.status_code == 200


def test_an_oversized_body_is_413(small_limit_client: TestClient) -> None:
    huge = data_url(b"x" * 200_000)

    response = small_limit_client.post(API, json={"user": "u", "photo": huge})

    assert response.status_code == 413
    assert "too large" in response.json()["detail"]


def test_an_oversized_chunked_body_is_413(small_limit_client: TestClient) -> None:
    # No Content-Length: the limit must be enforced while the body streams in.
    def chunks() -> Iterator[bytes]:
        yield b'{"user": "u", "photo": "data:image/png;base64,'
        for _ in range(100):
            yield b"A" * 4096
        yield b'"}'

    response = small_limit_client.post(
        API, content=chunks(), headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 413
    assert "too large" in response.json()["detail"]


# ---- failures and the on/off switch ----


def test_a_service_crash_is_a_json_500_without_internals(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(service=FailingService(), raise_server_exceptions=False)

    response = client.post(API, json={"user": "u", "text": "x"})

    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error."}
    assert "passwd" not in response.text
    assert "Traceback" not in response.text


def test_unknown_routes_are_json_404(client: TestClient) -> None:
    response = client.get("/nope")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_simulator_off_hides_page_and_api(make_client: Callable[..., TestClient]) -> None:
    service = FakeService()
    client = make_client(settings=settings_for_test(simulator_enabled=False), service=service)

    assert client.get("/").status_code == 404
    assert client.get("/static/chat.js").status_code == 404
    assert client.post(API, json={"user": "u", "text": "x"}).status_code == 404
    assert service.received == []


def test_simulator_is_off_by_itself_once_a_public_address_is_set(
    make_client: Callable[..., TestClient],
) -> None:
    service = FakeService()
    settings = settings_for_test(
        simulator_enabled=None, public_base_url="https://bot.example.go.id"
    )
    client = make_client(settings=settings, service=service)

    assert client.get("/").status_code == 404
    assert client.post(API, json={"user": "u", "text": "x"}).status_code == 404
    assert service.received == []


@pytest.mark.parametrize("user", ["demo\x00", "\x00", "de\nmo"])
def test_a_user_id_with_control_characters_is_refused_not_a_500(
    client: TestClient, user: str
) -> None:
    response = client.post(API, json={"user": user, "text": "menu"})
    assert response.status_code == 422
