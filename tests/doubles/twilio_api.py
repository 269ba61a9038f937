"""A local Twilio REST API: a real HTTP server on 127.0.0.1 in a background thread.

It speaks the two things the WhatsApp channel uses:
- `POST /2010-04-01/Accounts/{sid}/Messages.json` (form body, HTTP basic auth with the
  account SID and auth token), answering 201 with a Message resource and a new "SM…" sid;
- `GET /media/{name}` (basic auth): files registered with `add_media`, as Twilio serves
  `MediaUrl0`.

Failures are programmed with `fail_next(status, code=...)`: 429 and 500 as Twilio sends
them, or 400 with Twilio's error JSON (63016 outside the 24-hour window, 21211 invalid
number). Every call is recorded (`calls`), and every accepted message (`messages`).
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "test-auth-token-0123456789abcdef"

ERROR_MESSAGES = {
    429: (20429, "Too Many Requests"),
    500: (20500, "Internal Server Error"),
    503: (20503, "Service Unavailable"),
    63016: (
        63016,
        "Failed to send freeform message because you are outside the allowed window. "
        "If you are using WhatsApp, please use a Message Template.",
    ),
    21211: (21211, "Invalid 'To' Phone Number"),
    21610: (21610, "Attempt to send to unsubscribed recipient"),
}


@dataclass
class Call:
    method: str
    path: str
    form: dict[str, str]
    status: int
    authorized: bool


@dataclass
class Failure:
    status: int
    code: int | None = None
    retry_after: str | None = None


@dataclass
class TwilioApiDouble:
    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    calls: list[Call] = field(default_factory=list)
    messages: list[dict[str, str]] = field(default_factory=list)
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- programming it ---------------------------------------------------------------------

    def fail_next(
        self,
        status: int,
        *,
        code: int | None = None,
        times: int = 1,
        retry_after: str | None = None,
    ) -> None:
        """The next `times` message creates fail with this status (and Twilio error code)."""
        with self._lock:
            self.failures.extend(Failure(status, code, retry_after) for _ in range(times))

    def add_media(self, data: bytes, content_type: str) -> str:
        name = "ME" + secrets.token_hex(16)
        with self._lock:
            self.media[name] = (data, content_type)
        return f"{self.url}/media/{name}"

    # -- looking at it -----------------------------------------------------------------------

    def message_calls(self) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.path.endswith("/Messages.json")]

    def media_calls(self) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.path.startswith("/media/")]

    # -- serving -----------------------------------------------------------------------------

    def authorized(self, header: str | None) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return header == f"Basic {expected}"

    def create_message(self, form: dict[str, str]) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self._lock:
            failure = self.failures.pop(0) if self.failures else None
        if failure is not None:
            code, text = ERROR_MESSAGES.get(failure.code or failure.status, (failure.code, "Error"))
            payload = {
                "code": code,
                "message": text,
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": failure.status,
            }
            headers = {"Retry-After": failure.retry_after} if failure.retry_after else {}
            return failure.status, payload, headers
        sid = "SM" + secrets.token_hex(16)
        now = formatdate(usegmt=True)
        resource: dict[str, Any] = {
            "sid": sid,
            "account_sid": self.account_sid,
            "from": form.get("From"),
            "to": form.get("To"),
            "body": form.get("Body", ""),
            "status": "queued",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "num_segments": "1",
            "num_media": "0",
            "date_created": now,
            "date_updated": now,
            "date_sent": None,
            "error_code": None,
            "error_message": None,
            "price": None,
            "price_unit": "USD",
            "messaging_service_sid": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
            "subresource_uris": {},
        }
        with self._lock:
            self.messages.append({**form, "sid": sid})
        return 201, resource, {}

    def record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)


def _handler(double: TwilioApiDouble) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet test output

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
            authorized = double.authorized(self.headers.get("Authorization"))
            messages_path = f"/2010-04-01/Accounts/{double.account_sid}/Messages.json"
            headers: dict[str, str] = {}
            payload: dict[str, Any]
            if path != messages_path:
                status, payload = 404, {"code": 20404, "status": 404}
            elif not authorized:
                status, payload = 401, {"code": 20003, "status": 401}
            else:
                status, payload, headers = double.create_message(form)
            double.record(Call("POST", path, form, status, authorized))
            self._send(status, json.dumps(payload).encode(), "application/json", headers)

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            authorized = double.authorized(self.headers.get("Authorization"))
            found = double.media.get(path.removeprefix("/media/"))
            if not authorized:
                status, body, kind = 401, b"{}", "application/json"
            elif found is None:
                status, body, kind = 404, b"{}", "application/json"
            else:
                status, (body, kind) = 200, found
            double.record(Call("GET", path, {}, status, authorized))
            self._send(status, body, kind, {})

        def _send(self, status: int, body: bytes, kind: str, headers: dict[str, str]) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def running_twilio_api(double: TwilioApiDouble | None = None) -> Iterator[TwilioApiDouble]:
    double = double or TwilioApiDouble()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(double))
    server.daemon_threads = True
    double.url = f"http://127.0.0.1:{server.server_address[1]}"
    # A short poll interval: `shutdown` waits for one, at the end of every test.
    thread = threading.Thread(
        target=server.serve_forever, args=(0.02,), name="twilio-double", daemon=True
    )
    thread.start()
    try:
        yield double
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


# -- what Twilio posts to us ---------------------------------------------------------------

TWILIO_NUMBER = "whatsapp:+14155238886"


def inbound_form(
    sender: str = "6281234567890", *, body: str = "", account_sid: str = ACCOUNT_SID, **extra: str
) -> dict[str, str]:
    """A WhatsApp message as Twilio posts it (field for field, fake values)."""
    sid = "SM" + secrets.token_hex(16)
    form = {
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ProfileName": "Budi",
        "MessageType": "text",
        "SmsSid": sid,
        "WaId": sender,
        "SmsStatus": "received",
        "Body": body,
        "To": TWILIO_NUMBER,
        "NumSegments": "1",
        "ReferralNumMedia": "0",
        "MessageSid": sid,
        "AccountSid": account_sid,
        "ChannelMetadata": json.dumps(
            {"type": "whatsapp", "data": {"context": {"ProfileName": "Budi", "WaId": sender}}}
        ),
        "From": f"whatsapp:+{sender}",
        "ApiVersion": "2010-04-01",
    }
    form.update(extra)
    return form


def status_form(message_sid: str, status: str, *, error_code: str | None = None) -> dict[str, str]:
    """A status callback as Twilio posts it for a WhatsApp message."""
    form = {
        "ChannelPrefix": "whatsapp",
        "ApiVersion": "2010-04-01",
        "MessageStatus": status,
        "SmsSid": message_sid,
        "SmsStatus": status,
        "ChannelInstallSid": "XE" + "0" * 32,
        "To": "whatsapp:+6281234567890",
        "From": TWILIO_NUMBER,
        "MessageSid": message_sid,
        "StructuredMessage": "false",
        "AccountSid": ACCOUNT_SID,
        "ChannelToAddress": "+62812XXXXX890",
    }
    if error_code is not None:
        form["ErrorCode"] = error_code
    return form


SMS_NUMBER = "+14155238886"


def sms_form(
    sender: str = "+6281234567890", *, body: str = "", account_sid: str = ACCOUNT_SID, **extra: str
) -> dict[str, str]:
    """An SMS as Twilio Programmable Messaging posts it (field for field, fake values)."""
    sid = "SM" + secrets.token_hex(16)
    form = {
        "ToCountry": "US",
        "ToState": "CA",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ToCity": "",
        "FromZip": "",
        "SmsSid": sid,
        "FromState": "",
        "SmsStatus": "received",
        "FromCity": "",
        "Body": body,
        "FromCountry": "ID",
        "To": SMS_NUMBER,
        "ToZip": "",
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": account_sid,
        "From": sender,
        "ApiVersion": "2010-04-01",
    }
    form.update(extra)
    return form
