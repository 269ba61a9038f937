"""Configuration from the environment (and an optional `.env` file)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(
        default="sqlite:///dtsen-bot.db",
        description="SQLAlchemy URL; a SQLite file in the working directory by default.",
    )
    redis_url: str | None = Field(
        default=None, description="When set, conversation state and locks live in Redis."
    )
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Field(
        default=Path("var"), description="Where photos and other files are stored."
    )
    simulator_enabled: bool | None = Field(
        default=None,
        description="Serve the local chat page and /api/simulator/messages. Unset: on only "
        "while no channel and no PUBLIC_BASE_URL are configured (a first local run).",
    )
    conversation_ttl: timedelta = Field(
        default=timedelta(days=7), description="An unfinished conversation expires after this."
    )
    resume_prompt_after: timedelta = Field(
        default=timedelta(minutes=30),
        description="After this pause, a citizen mid-flow is asked whether to continue.",
    )
    status_lookup_failures_per_hour: int = Field(
        default=5, description="Failed status look-ups allowed per chat and hour."
    )
    cutoff_day: int = Field(
        default=17, ge=1, le=28, description="Day of month of the DTSEN monthly cut-off."
    )
    closed_request_retention: timedelta | None = Field(
        default=None,
        description="Closed requests are anonymised this long after closing (ISO 8601, "
        '"P1825D"); unset keeps them. The period is the region\'s own choice.',
    )
    delivery_record_ttl: timedelta = Field(
        default=timedelta(days=3),
        description="How long a handled delivery is remembered, to answer provider retries.",
    )
    purge_interval: timedelta = Field(
        default=timedelta(hours=1), description="How often `serve` forgets expired data."
    )
    max_photo_bytes: int = 10 * 1024 * 1024
    web_concurrency: int = Field(
        default=1, ge=1, le=64, description="Web worker processes of `serve` (WEB_CONCURRENCY)."
    )
    db_pool_size: int = Field(
        default=40,
        ge=1,
        description="PostgreSQL connections kept per process (the web handlers' concurrency).",
    )
    # What happens to the photos citizens send. "read_ktp": each is checked (blurred, dark,
    # cut off...) and the KTP, asked right after consent, is read to fill the form (the
    # citizen confirms every field); "quality": checked only, the KTP asked with the other
    # photos; "off": taken as sent.
    photo_checks: Literal["read_ktp", "quality", "off"] = "read_ktp"
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = Field(
        default="text", description="json: one JSON object per line, with the request id."
    )
    worker_in_serve: bool = Field(
        default=True,
        description="serve sends outbox notifications itself; false when `worker` runs apart.",
    )
    worker_heartbeat_dir: Path | None = Field(
        default=None,
        description="`worker` touches alive-<process> here after every round of the outbox "
        "(a liveness probe checks their age: deploy/k8s/worker.yaml).",
    )
    secret_key: str | None = Field(
        default=None,
        description="Signs staff sessions and login links; made and kept in DATA_DIR if unset.",
    )
    data_keys: str | None = Field(
        default=None,
        description='Keys sealing personal data at rest, "1:<base64>,2:<base64>" (the '
        "highest seals, all open); with LOOKUP_KEY. Unset: made and kept in "
        "DATA_DIR/data_keys.",
    )
    lookup_key: str | None = Field(
        default=None, description="Base64 key of the keyed hash (HMAC) used to find NIKs."
    )
    workflows_dir: Path | None = Field(
        default=None,
        description="A folder of regional workflow files replacing the shipped ones.",
    )

    # -- channels -------------------------------------------------------------------------
    public_base_url: str | None = Field(
        default=None,
        description="The address providers call, e.g. https://bot.example.go.id (no path).",
    )
    allow_insecure_webhooks: bool = Field(
        default=False,
        description="Local development only: serve webhooks without a provider secret.",
    )
    # -- telegram -------------------------------------------------------------------------
    telegram_bot_token: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_file_base_url: str = "https://api.telegram.org/file/bot"
    telegram_reply_in_response: bool = Field(
        default=False,
        description="Webhook: answer with the last reply as a Bot API method (one call fewer; "
        "its delivery is not confirmed).",
    )
    # -- whatsapp (twilio) ----------------------------------------------------------------
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_whatsapp_from: str | None = Field(
        default=None, description='The WhatsApp sender, e.g. "whatsapp:+14155238886".'
    )
    twilio_sms_from: str | None = Field(
        default=None,
        description='The SMS number (E.164, "+62...") for feature phones; the SMS channel is '
        "off without it.",
    )
    twilio_api_base_url: str | None = Field(
        default=None, description="Twilio REST base URL; tests point it at a local double."
    )
    twilio_templates: dict[str, str] = Field(
        default_factory=dict,
        description="Approved Content templates per notification kind, as JSON: "
        '{"status_changed": "HX…"}. Used outside the 24-hour window.',
    )
    twilio_quick_reply_2: str | None = Field(
        default=None, description="Content SID of the twilio/quick-reply template with 2 buttons."
    )
    twilio_quick_reply_3: str | None = Field(
        default=None, description="Content SID of the twilio/quick-reply template with 3 buttons."
    )

    @model_validator(mode="after")
    def _simulator_only_when_asked(self) -> Settings:
        # Anyone who reaches the chat page can chat as any user id: fine on a laptop, not
        # on a server that citizens' channels or the internet can reach.
        if self.simulator_enabled is None:
            self.simulator_enabled = not (
                self.public_base_url
                or self.telegram_bot_token
                or (self.twilio_account_sid and self.twilio_auth_token)
            )
        return self

    @field_validator(
        "conversation_ttl",
        "resume_prompt_after",
        "delivery_record_ttl",
        "closed_request_retention",
        "purge_interval",
        mode="before",
    )
    @classmethod
    def _seconds(cls, value: object) -> object:
        """Durations may be ISO 8601 ("P7D", "PT30M") or plain seconds ("1800")."""
        if isinstance(value, str) and value.strip().isdigit():
            return timedelta(seconds=int(value))
        return value
