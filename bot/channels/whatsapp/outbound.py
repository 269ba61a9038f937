"""Send one WhatsApp message through the REST API, and say what Twilio's answer means.

Sync (twilio-python uses requests); async callers run it in a thread. Bodies and numbers
are never logged.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from twilio.base.exceptions import (  # type: ignore[import-untyped]
    TwilioRestException,
    TwilioServiceException,
)

from models.tables import OUTBOUND_STATUSES

log = logging.getLogger(__name__)

# Permanent: the number is wrong or gone. The chat is marked unreachable; nothing retries.
UNREACHABLE_CODES: Final = {
    21211: "invalid 'To' number",
    21610: "the citizen unsubscribed (STOP)",
    63003: "the number is not (or no longer) on WhatsApp",
}
# WhatsApp's 24-hour rule: free-form only within 24 hours of the citizen's last message.
OUTSIDE_WINDOW: Final = 63016


@dataclass(frozen=True)
class Sent:
    sid: str
    status: str  # one of OUTBOUND_STATUSES


class SendError(Exception):
    """Twilio refused or could not be reached (after the client's own retries)."""

    def __init__(self, *, status: int | None, code: int | None, detail: str = "") -> None:
        super().__init__(f"Twilio send failed: HTTP {status}, code {code} {detail}".strip())
        self.status = status
        self.code = code

    @property
    def transient(self) -> bool:
        """Worth trying again later: rate limited, Twilio down, or no answer at all."""
        return self.status is None or self.status == 429 or self.status >= 500

    @property
    def unreachable(self) -> bool:
        return self.code in UNREACHABLE_CODES

    @property
    def outside_window(self) -> bool:
        return self.code == OUTSIDE_WINDOW

    @property
    def reason(self) -> str:
        """Why the chat cannot be reached, as stored with the contact."""
        return f"{self.error_code}: {UNREACHABLE_CODES.get(self.code or 0, 'refused')}"

    @property
    def error_code(self) -> str:
        """As stored in `OutboundMessage.error_code`."""
        if self.code is not None:
            return str(self.code)
        return f"http-{self.status}" if self.status is not None else "network"


def address(chat_id: str) -> str:
    """The WaId "6281234567890" as Twilio's WhatsApp address "whatsapp:+6281234567890"."""
    return f"whatsapp:+{chat_id}"


def stored_status(twilio_status: str | None) -> str:
    """Twilio's message status as one of ours ("accepted", "sending" -> "queued")."""
    if twilio_status in OUTBOUND_STATUSES and twilio_status != "waiting":
        return str(twilio_status)
    return "queued"


class WhatsAppSender:
    """Sends through Twilio's Messages API; `to` makes a chat id an address (SMS: "+62...")."""

    def __init__(
        self,
        client: Any,
        *,
        sender: str,
        status_callback: str | None,
        to: Callable[[str], str] = address,
    ) -> None:
        self._client = client
        self._from = sender
        self._to = to
        # Twilio reports delivery (sent, delivered, read, failed) to this URL.
        self._status_callback = status_callback

    def send_text(self, chat_id: str, body: str) -> Sent:
        return self._create(to=self._to(chat_id), body=body)

    def send_content(self, chat_id: str, content_sid: str, variables: Mapping[str, str]) -> Sent:
        """An approved/Content template: quick replies, or a notification outside 24 hours."""
        return self._create(
            to=self._to(chat_id),
            content_sid=content_sid,
            content_variables=json.dumps(dict(variables), ensure_ascii=False),
        )

    def _create(self, **fields: Any) -> Sent:
        if self._status_callback:
            fields["status_callback"] = self._status_callback
        # Loaded with the REST client already; not at import (every web worker's start-up).
        import requests

        try:
            message = self._client.messages.create(from_=self._from, **fields)
        except TwilioRestException as exc:
            raise _failure(exc.status, exc.code) from exc
        except TwilioServiceException as exc:
            raise _failure(exc.status, exc.code) from exc
        except requests.RequestException as exc:
            log.warning("Twilio unreachable: %s", type(exc).__name__)
            raise SendError(status=None, code=None, detail=type(exc).__name__) from exc
        return Sent(str(message.sid), stored_status(message.status))


def _failure(status: Any, code: Any) -> SendError:
    status_int = int(status) if isinstance(status, int | str) and str(status).isdigit() else None
    code_int = int(code) if isinstance(code, int | str) and str(code).isdigit() else None
    log.warning("Twilio refused a message: HTTP %s, error %s", status_int, code_int)
    return SendError(status=status_int, code=code_int)
