"""What the SMS channel needs from the settings."""

from __future__ import annotations

from dataclasses import dataclass

from bot.settings import Settings

WEBHOOK_PATH = "/webhook/sms"


@dataclass(frozen=True)
class SmsConfig:
    account_sid: str | None = None
    auth_token: str | None = None
    sender: str | None = None  # TWILIO_SMS_FROM: "+14155238886", or a Messaging Service SID
    api_base_url: str | None = None
    public_base_url: str | None = None
    allow_insecure: bool = False
    max_media_bytes: int = 10 * 1024 * 1024

    @classmethod
    def from_settings(cls, settings: Settings) -> SmsConfig:
        return cls(
            account_sid=settings.twilio_account_sid or None,
            auth_token=settings.twilio_auth_token or None,
            sender=settings.twilio_sms_from or None,
            api_base_url=settings.twilio_api_base_url or None,
            public_base_url=(settings.public_base_url or "").rstrip("/") or None,
            allow_insecure=settings.allow_insecure_webhooks,
            max_media_bytes=settings.max_photo_bytes,
        )

    @property
    def webhooks_enabled(self) -> bool:
        """Off (404) until the number and a way to check signatures are configured."""
        signed = bool(self.public_base_url and self.account_sid and self.auth_token)
        return bool(self.sender) and (signed or self.allow_insecure)

    @property
    def can_send(self) -> bool:
        """REST sends (notifications) need the account and the number."""
        return bool(self.account_sid and self.auth_token and self.sender)
