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
from webhook.twilio import channel_on_state, signed_fields

router = APIRouter()


def get_sms(request: Request) -> SmsChannel:
    return channel_on_state(request, "sms", SmsChannel.from_settings)


SmsDep = Annotated[SmsChannel, Depends(get_sms)]


@router.post(WEBHOOK_PATH)
async def inbound(request: Request, channel: SmsDep, service: ServiceDep) -> Response:
    fields = await signed_fields(request, channel.config, "SMS")
    try:
        answer = await channel.receive(fields, service)
    except MalformedInbound as exc:
        raise HTTPException(400, "Not an SMS from Twilio.") from exc
    return Response(answer, media_type="application/xml")
