"""WhatsApp (Twilio) webhook routes: they check Twilio's signature and hand over.

`POST /webhook/whatsapp`: an inbound message, answered with TwiML (the replies), or with
an empty TwiML when the replies went out through the REST API (quick replies); the work is
`WhatsAppChannel.receive`'s.
`POST /webhook/whatsapp/status`: Twilio's delivery reports for REST-sent messages.

Both are refused with 403 unless Twilio's signature is valid over PUBLIC_BASE_URL + path,
and answer 404 while the channel is not configured (see docs/whatsapp.md). The service
is called only for a signed request, and 2xx comes only after it returned: a storage
failure answers 5xx, and Twilio's retry with the same MessageSid is applied once.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from bot.channels.whatsapp.channel import WhatsAppChannel
from bot.channels.whatsapp.inbound import MalformedInbound
from bot.channels.whatsapp.status import record_status
from webhook.deps import ServiceDep
from webhook.twilio import channel_on_state, signed_fields

log = logging.getLogger(__name__)

router = APIRouter()


def get_whatsapp(request: Request) -> WhatsAppChannel:
    return channel_on_state(request, "whatsapp", WhatsAppChannel.from_settings)


WhatsAppDep = Annotated[WhatsAppChannel, Depends(get_whatsapp)]


@router.post("/webhook/whatsapp")
async def inbound(request: Request, channel: WhatsAppDep, service: ServiceDep) -> Response:
    fields = await signed_fields(request, channel.config, "WhatsApp")
    try:
        answer = await channel.receive(fields, service)
    except MalformedInbound as exc:
        raise HTTPException(400, "Not a WhatsApp message from Twilio.") from exc
    return Response(answer, media_type="application/xml")


@router.post("/webhook/whatsapp/status", status_code=204)
async def status(request: Request, channel: WhatsAppDep) -> Response:
    fields = await signed_fields(request, channel.config, "WhatsApp")
    if channel.engine is None:
        raise HTTPException(503, "Service not ready.")
    await run_in_threadpool(record_status, channel.engine, fields, at=datetime.now(UTC))
    return Response(status_code=204)
