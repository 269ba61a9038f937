"""Twilio's proof for the WhatsApp and SMS webhooks: `X-Twilio-Signature` over
PUBLIC_BASE_URL + the path Twilio called (so it works behind a TLS-terminating proxy)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol, TypeVar

from fastapi import HTTPException, Request
from sqlalchemy import Engine
from starlette.datastructures import FormData

from bot.channels.whatsapp.signature import SIGNATURE_HEADER, called_url, is_signed
from bot.settings import Settings

log = logging.getLogger(__name__)


class SignedBy(Protocol):
    @property
    def public_base_url(self) -> str | None: ...
    @property
    def auth_token(self) -> str | None: ...
    @property
    def allow_insecure(self) -> bool: ...


async def signed_fields(request: Request, config: SignedBy, channel: str) -> dict[str, str]:
    """The form's fields, once the signature is valid (or, in development only, not
    required); 403 otherwise, before anything is read or stored."""
    form = await request.form()
    if not config.allow_insecure:
        url = called_url(config.public_base_url or "", request.url.path, request.url.query)
        token = config.auth_token
        if not token or not is_signed(token, url, form, request.headers.get(SIGNATURE_HEADER)):
            log.warning("refused a %s webhook request with a missing or wrong signature", channel)
            raise HTTPException(403, "Invalid signature.")
    return _fields(form)


def _fields(form: FormData) -> dict[str, str]:
    return {key: value for key, value in form.items() if isinstance(value, str)}


class _Config(Protocol):
    @property
    def webhooks_enabled(self) -> bool: ...


class TwilioChannel(Protocol):
    engine: Engine | None

    @property
    def config(self) -> _Config: ...


ChannelT = TypeVar("ChannelT", bound=TwilioChannel)


def channel_on_state(
    request: Request, attribute: str, build: Callable[[Settings], ChannelT]
) -> ChannelT:
    """The channel kept on `app.state.<attribute>`, built from the settings on first use (a
    test may put its own there first), with the database once the app has one; 404 while
    the channel is not configured."""
    state = request.app.state
    channel: ChannelT | None = getattr(state, attribute, None)
    if channel is None:
        channel = build(state.settings)
        setattr(state, attribute, channel)
    if channel.engine is None:
        channel.engine = getattr(state.container, "engine", None)
    if not channel.config.webhooks_enabled:
        raise HTTPException(404, "Not Found")
    return channel
