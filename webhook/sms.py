"""`POST /webhook/sms`: an SMS (Twilio Programmable Messaging), answered with TwiML.

Refused with 403 unless Twilio's signature is valid over PUBLIC_BASE_URL + path, 404 while
the channel is not configured (TWILIO_SMS_FROM, the account, PUBLIC_BASE_URL); the work is
`SmsChannel.receive`'s. A Twilio retry with the same MessageSid is applied once.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.responses import Response

from bot.channels.sms.channel import SmsChannel
from bot.channels.sms.config import WEBHOOK_PATH
from bot.channels.whatsapp.inbound import MalformedInbound
from webhook.deps import ServiceDep
from webhook.twilio import signed_fields

router = APIRouter()


def get_sms(request: Request) -> SmsChannel:
    """Built on first use from `app.state.settings` and kept on `app.state.sms` (a test may
    put its own there first)."""
    state = request.app.state
    channel: SmsChannel | None = getattr(state, "sms", None)
    if channel is None:
        channel = SmsChannel.from_settings(state.settings)
        state.sms = channel
    if channel.engine is None:
        channel.engine = getattr(state.container, "engine", None)
    if not channel.config.webhooks_enabled:
        raise HTTPException(404, "Not Found")
    return channel


SmsDep = Annotated[SmsChannel, Depends(get_sms)]


@router.post(WEBHOOK_PATH)
async def inbound(request: Request, channel: SmsDep, service: ServiceDep) -> Response:
    fields = await signed_fields(request, channel.config, "SMS")
    try:
        answer = await channel.receive(fields, service)
    except MalformedInbound as exc:
        raise HTTPException(400, "Not an SMS from Twilio.") from exc
    return Response(answer, media_type="application/xml")
