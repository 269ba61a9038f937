"""What the WhatsApp channel needs from the settings, and what follows from it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.settings import Settings

STATUS_PATH = "/webhook/whatsapp/status"


@dataclass(frozen=True)
class WhatsAppConfig:
    account_sid: str | None = None
    auth_token: str | None = None
    sender: str | None = None  # "whatsapp:+14155238886"
    api_base_url: str | None = None  # None: Twilio's own hosts
    public_base_url: str | None = None  # what Twilio calls, e.g. https://bot.example.go.id
    allow_insecure: bool = False
    # Approved Content templates per notification kind (outside the 24-hour window).
    templates: Mapping[str, str] = field(default_factory=dict)
    # twilio/quick-reply Content templates by number of buttons (2 and 3).
    quick_replies: Mapping[int, str] = field(default_factory=dict)
    max_media_bytes: int = 10 * 1024 * 1024

    @classmethod
    def from_settings(cls, settings: Settings) -> WhatsAppConfig:
        quick = {2: settings.twilio_quick_reply_2, 3: settings.twilio_quick_reply_3}
        return cls(
            account_sid=settings.twilio_account_sid or None,
            auth_token=settings.twilio_auth_token or None,
            sender=settings.twilio_whatsapp_from or None,
            api_base_url=settings.twilio_api_base_url or None,
            public_base_url=(settings.public_base_url or "").rstrip("/") or None,
            allow_insecure=settings.allow_insecure_webhooks,
            templates=dict(settings.twilio_templates),
            quick_replies={n: sid for n, sid in quick.items() if sid},
            max_media_bytes=settings.max_photo_bytes,
        )

    @property
    def can_verify(self) -> bool:
        """Signatures can be checked: Twilio signs over the public URL with the auth token."""
        return bool(self.public_base_url and self.account_sid and self.auth_token)

    @property
    def webhooks_enabled(self) -> bool:
        """Off (404) until configured, so a half-configured server accepts nothing unsigned;
        `allow_insecure_webhooks` opens it for local development only."""
        return self.can_verify or self.allow_insecure

    @property
    def can_send(self) -> bool:
        """REST sends (quick replies, notifications) need the account and a sender."""
        return bool(self.account_sid and self.auth_token and self.sender)

    @property
    def status_callback(self) -> str | None:
        return f"{self.public_base_url}{STATUS_PATH}" if self.public_base_url else None
