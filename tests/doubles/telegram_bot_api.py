"""A local Telegram Bot API: a real HTTP server on 127.0.0.1 that python-telegram-bot talks to.

Point `Bot(base_url=double.base_url, base_file_url=double.file_base_url)` (or the settings
TELEGRAM_API_BASE_URL / TELEGRAM_FILE_BASE_URL) at it. It answers `POST /bot<token>/<method>`
with form or JSON bodies the way Telegram does (`{"ok": true, "result": ...}`, or
`{"ok": false, "error_code": ..., "description": ...}`), serves files at
`GET /file/bot<token>/<file_path>`, records every call, and fails on request:

    double.fail("sendMessage", 429, retry_after=1)     # Too Many Requests, once
    double.fail("sendMessage", 403, chat_id=42, times=None)   # blocked by chat 42, always

Only what the bot uses is implemented; an unknown method gets Telegram's 404, so a typo in
the code under test shows up as an error instead of a silent success.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

DEFAULT_TOKEN = "123456789:TEST-dtsen-token_abcdefghijklmnopqrstu"
DEFAULT_USERNAME = "dtsen_test_bot"

# Parameters that are strings on Telegram's side: never decode them as JSON ("123" stays "123").
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "secret_token",
        "url",
        "callback_query_id",
        "file_id",
        "inline_message_id",
        "language_code",
        "ip_address",
        "parse_mode",
    }
)

# What Telegram says for each status the tests ask for, unless they give their own words.
_DESCRIPTIONS = {
    400: "Bad Request: message to edit not found",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: can't use getUpdates method while webhook is active",
    429: "Too Many Requests: retry after {retry_after}",
    500: "Internal Server Error",
    502: "Bad Gateway",
}

# Telegram's own limits, enforced so the code under test cannot rely on a lenient double.
MAX_TEXT = 4096
MAX_CALLBACK_DATA_BYTES = 64
# Long polls return after at most this long, so tests and shutdown never wait 30 seconds.
LONG_POLL_CAP_SECONDS = 0.5


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]
    status: int  # the HTTP status the double answered
    at: float  # time.monotonic() when it arrived
    result: Any = None  # what it answered ("result" of a successful call)


@dataclass
class _Failure:
    method: str
    status: int
    description: str
    retry_after: int | None
    chat_id: int | None
    times: int | None  # None: every matching call
    skip: int = 0  # matching calls that still succeed before the failures begin

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        if self.method != method:
            return False
        return self.chat_id is None or _as_int(params.get("chat_id")) == self.chat_id


@dataclass
class _File:
    file_id: str
    unique_id: str
    path: str
    data: bytes


@dataclass
class _State:
    calls: list[Call] = field(default_factory=list)
    failures: list[_Failure] = field(default_factory=list)
    files: dict[str, _File] = field(default_factory=dict)
    updates: list[dict[str, Any]] = field(default_factory=list)
    webhook: dict[str, Any] = field(default_factory=dict)
    commands: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


class TelegramBotApiDouble:
    def __init__(self, token: str = DEFAULT_TOKEN, username: str = DEFAULT_USERNAME) -> None:
        self.token = token
        self.username = username
        self.bot_id = int(token.split(":", 1)[0])
        self._state = _State()
        self._lock = threading.Lock()
        self._message_ids = itertools.count(1001)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # -- running ----------------------------------------------------------------------------

    def start(self, timeout: float = 15.0) -> TelegramBotApiDouble:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._app(), host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="bot-api-double")
        self._thread.daemon = True
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the Bot API double did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(10)
        self._server = None

    def __enter__(self) -> TelegramBotApiDouble:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """In python-telegram-bot's `base_url` form: the token is appended to it."""
        return f"{self.root}/bot"

    @property
    def file_base_url(self) -> str:
        return f"{self.root}/file/bot"

    # -- programming it ---------------------------------------------------------------------

    def fail(
        self,
        method: str,
        status: int,
        *,
        description: str | None = None,
        retry_after: int | None = None,
        chat_id: int | None = None,
        times: int | None = 1,
        skip: int = 0,
    ) -> None:
        """The next `times` matching calls (all, with None) fail with this status, after
        `skip` matching calls that still succeed."""
        words = description or _DESCRIPTIONS.get(status, "Error").format(retry_after=retry_after)
        with self._lock:
            self._state.failures.append(
                _Failure(method, status, words, retry_after, chat_id, times, skip)
            )

    def add_file(self, data: bytes, *, file_id: str | None = None, suffix: str = "jpg") -> str:
        """Make a file downloadable through getFile; returns its file_id."""
        with self._lock:
            number = len(self._state.files) + 1
            file_id = file_id or f"AgACAgUAAxkBAAI{number:04d}file"
            self._state.files[file_id] = _File(
                file_id, f"AQAD{number:04d}", f"photos/file_{number}.{suffix}", data
            )
        return file_id

    def push_updates(self, *updates: dict[str, Any]) -> None:
        """Updates the next getUpdates calls hand out (respecting `offset`)."""
        with self._lock:
            self._state.updates.extend(updates)

    # -- what it saw ------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._state.calls)

    def calls_to(self, method: str, *, ok_only: bool = True) -> list[Call]:
        return [c for c in self.calls if c.method == method and (c.status == 200 or not ok_only)]

    def messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """The parameters of every successful sendMessage (to one chat, if given)."""
        return [c.params for c in self.sent(chat_id)]

    def sent(self, chat_id: int | None = None) -> list[Call]:
        """Successful sendMessage calls (`result["message_id"]` is what a press refers to)."""
        return [
            c
            for c in self.calls_to("sendMessage")
            if chat_id is None or _as_int(c.params.get("chat_id")) == chat_id
        ]

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [str(m["text"]) for m in self.messages(chat_id)]

    @property
    def webhook(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._state.webhook)

    @property
    def commands(self) -> dict[str, list[dict[str, Any]]]:
        with self._lock:
            return dict(self._state.commands)

    def wait_for(
        self, condition: Callable[[], bool], timeout: float = 10.0, what: str = "a call"
    ) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; calls: {self.calls}")
            time.sleep(0.02)

    # -- the HTTP side ----------------------------------------------------------------------

    def _app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/bot{token}/{method}", self._api, methods=["POST", "GET"]),
                Route("/file/bot{token}/{path:path}", self._download, methods=["GET"]),
            ]
        )

    async def _api(self, request: Request) -> Response:
        arrived = time.monotonic()
        method = request.path_params["method"]
        params = await _read_params(request)
        if request.path_params["token"] != self.token:
            response = _error(401, "Unauthorized")
        elif (failure := self._take_failure(method, params)) is not None:
            response = failure
        elif method == "getUpdates":
            response = await self._get_updates(params)
        elif (handler := self._handlers().get(method)) is not None:
            response = handler(params)
        else:
            response = _error(404, "Not Found")
        return self._answer(Call(method, params, response.status_code, arrived), response)

    async def _download(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return Response(status_code=401)
        path = request.path_params["path"]
        with self._lock:
            found = next((f for f in self._state.files.values() if f.path == path), None)
            self._state.calls.append(Call("download", {"path": path}, 200, time.monotonic()))
        if found is None:
            return Response(status_code=404)
        return Response(found.data, media_type="application/octet-stream")

    def _answer(self, call: Call, response: JSONResponse) -> Response:
        result = json.loads(bytes(response.body)).get("result")
        with self._lock:
            self._state.calls.append(dataclasses.replace(call, result=result))
        return response

    def _take_failure(self, method: str, params: dict[str, Any]) -> JSONResponse | None:
        with self._lock:
            for failure in self._state.failures:
                if failure.matches(method, params):
                    if failure.skip > 0:
                        failure.skip -= 1
                        return None
                    if failure.times is not None:
                        failure.times -= 1
                        if failure.times <= 0:
                            self._state.failures.remove(failure)
                    return _error(failure.status, failure.description, failure.retry_after)
        return None

    def _handlers(self) -> dict[str, Callable[[dict[str, Any]], JSONResponse]]:
        return {
            "getMe": lambda p: _ok(self._bot_user()),
            "sendMessage": self._send_message,
            "answerCallbackQuery": lambda p: _ok(True),
            "editMessageReplyMarkup": self._edit_reply_markup,
            "getFile": self._get_file,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": lambda p: _ok({"url": "", "pending_update_count": 0, **self.webhook}),
            "setMyCommands": self._set_commands,
        }

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "DTSEN",
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _message(self, chat_id: Any, **fields: Any) -> dict[str, Any]:
        chat_id = _as_int(chat_id)
        chat_type = "private" if chat_id is not None and chat_id > 0 else "supergroup"
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": chat_type},
            "from": self._bot_user(),
            **fields,
        }

    def _send_message(self, params: dict[str, Any]) -> JSONResponse:
        text = params.get("text")
        if params.get("chat_id") in (None, ""):
            return _error(400, "Bad Request: chat_id is empty")
        if not text:
            return _error(400, "Bad Request: message text is empty")
        if len(str(text).encode("utf-16-le")) // 2 > MAX_TEXT:
            return _error(400, "Bad Request: message is too long")
        markup = params.get("reply_markup")
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data", "")
                if not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
                    return _error(400, "Bad Request: BUTTON_DATA_INVALID")
        extra = {"reply_markup": markup} if markup and "inline_keyboard" in markup else {}
        return _ok(self._message(params["chat_id"], text=text, **extra))

    def _edit_reply_markup(self, params: dict[str, Any]) -> JSONResponse:
        if "chat_id" not in params or "message_id" not in params:
            return _error(400, "Bad Request: message identifier is not specified")
        return _ok(self._message(params["chat_id"], text="(edited)"))

    def _get_file(self, params: dict[str, Any]) -> JSONResponse:
        with self._lock:
            found = self._state.files.get(str(params.get("file_id")))
        if found is None:
            return _error(400, "Bad Request: invalid file_id")
        return _ok(
            {
                "file_id": found.file_id,
                "file_unique_id": found.unique_id,
                "file_size": len(found.data),
                "file_path": found.path,
            }
        )

    def _set_webhook(self, params: dict[str, Any]) -> JSONResponse:
        if not str(params.get("url", "")).startswith("https://"):
            return _error(400, "Bad Request: bad webhook: An HTTPS URL must be provided")
        with self._lock:
            self._state.webhook = dict(params)
        return _ok(True)

    def _delete_webhook(self, params: dict[str, Any]) -> JSONResponse:
        with self._lock:
            self._state.webhook = {}
        return _ok(True)

    def _set_commands(self, params: dict[str, Any]) -> JSONResponse:
        with self._lock:
            self._state.commands[str(params.get("language_code") or "")] = params["commands"]
        return _ok(True)

    async def _get_updates(self, params: dict[str, Any]) -> JSONResponse:
        if self.webhook:
            return _error(409, _DESCRIPTIONS[409])
        offset = _as_int(params.get("offset")) or 0
        limit = _as_int(params.get("limit")) or 100
        wait = min(float(params.get("timeout") or 0), LONG_POLL_CAP_SECONDS)
        deadline = time.monotonic() + wait
        while True:
            with self._lock:
                # Telegram forgets updates below the offset: they were confirmed.
                self._state.updates = [u for u in self._state.updates if u["update_id"] >= offset]
                ready = self._state.updates[:limit]
            if ready or time.monotonic() >= deadline:
                return _ok(ready)
            await asyncio.sleep(0.02)


async def _read_params(request: Request) -> dict[str, Any]:
    """Form (what python-telegram-bot sends: complex values JSON-encoded) or a JSON body."""
    if request.method == "GET":
        return _decode(dict(request.query_params))
    if request.headers.get("content-type", "").startswith("application/json"):
        body = await request.body()
        loaded = json.loads(body) if body else {}
        return dict(loaded) if isinstance(loaded, dict) else {}
    form = await request.form()
    return _decode({key: value for key, value in form.items() if isinstance(value, str)})


def _decode(fields: dict[str, str]) -> dict[str, Any]:
    decoded: dict[str, Any] = {}
    for key, value in fields.items():
        if key in _STRING_PARAMS:
            decoded[key] = value
            continue
        try:
            decoded[key] = json.loads(value)
        except ValueError:
            decoded[key] = value
    return decoded


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _ok(result: Any) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result})


def _error(status: int, description: str, retry_after: int | None = None) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return JSONResponse(body, status_code=status)


# update_id is one sequence for the whole bot (every chat): the service de-duplicates by it.
_UPDATE_IDS = itertools.count(810_000_001)


class Updates:
    """Builds real-shaped Update JSON as Telegram sends it, for one private chat."""

    def __init__(self, chat_id: int = 700_100_200, first_name: str = "Budi") -> None:
        self.chat_id = chat_id
        self.user = {
            "id": chat_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": "id",
        }
        self._message_ids = itertools.count(501)  # message ids are per chat

    def chat(self, kind: str = "private", chat_id: int | None = None) -> dict[str, Any]:
        if kind == "private":
            return {"id": self.chat_id, "first_name": self.user["first_name"], "type": "private"}
        return {"id": chat_id or -1_001_234_567_890, "title": "Warga RT 03", "type": kind}

    def _message(self, chat: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "from": self.user,
            "chat": chat or self.chat(),
            "date": int(time.time()),
            **fields,
        }

    def _update(self, **payload: Any) -> dict[str, Any]:
        return {"update_id": next(_UPDATE_IDS), **payload}

    def text(self, text: str, *, chat: dict[str, Any] | None = None) -> dict[str, Any]:
        message = self._message(chat, text=text)
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"offset": 0, "length": length, "type": "bot_command"}]
        return self._update(message=message)

    def press(self, data: str, *, message_id: int = 1001, text: str = "...") -> dict[str, Any]:
        """A press on an inline button of the bot's message `message_id`."""
        pressed_on = {
            "message_id": message_id,
            "from": {"id": 123456789, "is_bot": True, "first_name": "DTSEN"},
            "chat": self.chat(),
            "date": int(time.time()),
            "text": text,
        }
        query = {
            "id": f"44{next(self._message_ids)}7731",
            "from": self.user,
            "message": pressed_on,
            "chat_instance": "-4400112233",
            "data": data,
        }
        return self._update(callback_query=query)

    def photo(
        self, file_id: str, *, size: int = 1234, caption: str | None = None
    ) -> dict[str, Any]:
        # Telegram sends several sizes, smallest first; the bot must take the largest.
        sizes = [
            {"file_id": f"{file_id}-s", "file_unique_id": "s1", "width": 90, "height": 60},
            {"file_id": f"{file_id}-m", "file_unique_id": "m1", "width": 320, "height": 213},
            {
                "file_id": file_id,
                "file_unique_id": "x1",
                "width": 1280,
                "height": 853,
                "file_size": size,
            },
        ]
        message = self._message(photo=sizes)
        if caption:
            message["caption"] = caption
        return self._update(message=message)

    def document(
        self, file_id: str, *, mime_type: str, size: int = 1234, name: str = "scan.jpg"
    ) -> dict[str, Any]:
        document = {
            "file_id": file_id,
            "file_unique_id": "d1",
            "file_name": name,
            "mime_type": mime_type,
            "file_size": size,
        }
        return self._update(message=self._message(document=document))

    def location(self, lat: float, lon: float) -> dict[str, Any]:
        return self._update(message=self._message(location={"latitude": lat, "longitude": lon}))

    def contact(self, phone: str, *, own: bool = True) -> dict[str, Any]:
        contact = {
            "phone_number": phone,
            "first_name": self.user["first_name"],
            "user_id": self.chat_id if own else 99_000_111,
        }
        return self._update(message=self._message(contact=contact))

    def sticker(self) -> dict[str, Any]:
        sticker = {
            "file_id": "CAACAgIAAxkBAAIBsticker",
            "file_unique_id": "st1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        return self._update(message=self._message(sticker=sticker))

    def voice(self) -> dict[str, Any]:
        voice = {"file_id": "AwACAgUAAxkvoice", "file_unique_id": "v1", "duration": 3}
        return self._update(message=self._message(voice=voice))

    def edited(self, text: str) -> dict[str, Any]:
        message = self._message(text=text, edit_date=int(time.time()))
        return self._update(edited_message=message)

    def edited_live_location(self, lat: float, lon: float) -> dict[str, Any]:
        location = {"latitude": lat, "longitude": lon, "live_period": 900}
        message = self._message(location=location, edit_date=int(time.time()))
        return self._update(edited_message=message)

    def in_group(self, text: str, *, kind: str = "supergroup") -> dict[str, Any]:
        return self.text(text, chat=self.chat(kind))
