"""The Twilio account as WhatsApp and SMS both use it: downloading media a citizen sent,
and a REST sender. Each channel's config provides these fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from bot.channels.whatsapp.media import MediaFetcher
from bot.channels.whatsapp.outbound import WhatsAppSender, address
from bot.channels.whatsapp.retry import RetryPolicy


class TwilioAccount(Protocol):
    @property
    def account_sid(self) -> str | None: ...
    @property
    def auth_token(self) -> str | None: ...
    @property
    def sender(self) -> str | None: ...
    @property
    def api_base_url(self) -> str | None: ...
    @property
    def max_media_bytes(self) -> int: ...


def media_fetcher(account: TwilioAccount) -> MediaFetcher:
    """Media URLs need the account's credentials (unless the account allows public media)."""
    sid, token = account.account_sid, account.auth_token
    return MediaFetcher(
        auth=(sid, token) if sid and token else None,
        max_bytes=account.max_media_bytes,
        api_base_url=account.api_base_url,
    )


def rest_sender(
    account: TwilioAccount,
    *,
    retry: RetryPolicy | None,
    status_callback: str | None,
    to: Callable[[str], str] = address,
) -> WhatsAppSender | None:
    """None without the account and a sender number."""
    sid, token, sender = account.account_sid, account.auth_token, account.sender
    if not (sid and token and sender):
        return None
    # twilio's REST client (and requests) only once a sender is configured.
    from bot.channels.whatsapp.client import make_client

    client = make_client(sid, token, api_base_url=account.api_base_url, retry=retry)
    return WhatsAppSender(client, sender=sender, status_callback=status_callback, to=to)
