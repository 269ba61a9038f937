"""WhatsApp (Twilio) webhook routes.

`POST /webhook/whatsapp`: an inbound message, answered with TwiML (the replies), or with
an empty TwiML when the replies went out through the REST API (quick replies).
`POST /webhook/whatsapp/status`: Twilio's delivery reports for REST-sent messages.

Both are refused with 403 unless Twilio's signature is valid over PUBLIC_BASE_URL + path,
and answer 404 while the channel is not configured (see docs/whatsapp.md). The service
is called only for a signed request, and 2xx comes only after it returned: a storage
failure answers 5xx, and Twilio's retry with the same MessageSid is applied once.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, Request
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import Response

from bot.channels.whatsapp.channel import WhatsAppChannel
from bot.channels.whatsapp.inbound import MalformedInbound, WhatsAppInbound, parse_inbound
from bot.channels.whatsapp.media import MediaUnavailable
from bot.channels.whatsapp.outbound import WhatsAppSender
from bot.channels.whatsapp.replies import render, twiml
from bot.channels.whatsapp.signature import SIGNATURE_HEADER, called_url
from bot.channels.whatsapp.status import record_status
from bot.channels.whatsapp.waiting import send_waiting
from bot.inbound import PhotoUpload
from conversations.catalogue import LANGUAGES, Language, catalogue
from conversations.types import Reply
from webhook.deps import ServiceDep

log = logging.getLogger(__name__)

router = APIRouter()


def get_whatsapp(request: Request) -> WhatsAppChannel:
    """Built on first use from `app.state.settings` and kept on `app.state.whatsapp`
    (a test may put its own there first)."""
    state = request.app.state
    channel: WhatsAppChannel | None = getattr(state, "whatsapp", None)
    if channel is None:
        channel = WhatsAppChannel.from_settings(state.settings)
        state.whatsapp = channel
    if not channel.config.webhooks_enabled:
        raise HTTPException(404, "Not Found")
    return channel


WhatsAppDep = Annotated[WhatsAppChannel, Depends(get_whatsapp)]


async def _signed_fields(request: Request, channel: WhatsAppChannel) -> dict[str, str]:
    form = await request.form()
    base = channel.config.public_base_url or ""
    url = called_url(base, request.url.path, request.url.query)
    if not channel.accepts(url, form, request.headers.get(SIGNATURE_HEADER)):
        log.warning("refused a WhatsApp webhook request with a missing or wrong signature")
        raise HTTPException(403, "Invalid signature.")
    return _fields(form)


def _fields(form: FormData) -> dict[str, str]:
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _engine(request: Request) -> Engine | None:
    engine: Engine | None = getattr(request.app.state.container, "engine", None)
    return engine


def _language(request: Request, chat_key: str) -> Language:
    """The citizen's language, from their conversation state (the engine switches it on
    "English"); Indonesian when there is none, or no store (web-layer tests)."""
    store: Any = getattr(request.app.state.container, "store", None)
    if store is None:
        return "id"
    data = store.load(chat_key) or {}
    language = data.get("language")
    return language if language in LANGUAGES else "id"


def _answer(bodies: list[str]) -> Response:
    return Response(twiml(bodies), media_type="application/xml")


@router.post("/webhook/whatsapp")
async def inbound(
    request: Request, channel: WhatsAppDep, service: ServiceDep, background: BackgroundTasks
) -> Response:
    fields = await _signed_fields(request, channel)
    try:
        parsed = parse_inbound(fields)
    except MalformedInbound as exc:
        raise HTTPException(400, "Not a WhatsApp message from Twilio.") from exc

    photo: PhotoUpload | None = None
    if parsed.photo is not None:
        try:
            data = await channel.media.fetch(parsed.photo.url)
        except MediaUnavailable:
            # Nothing is stored, so Twilio's retry (or the citizen's resend) starts clean.
            language = await run_in_threadpool(_language, request, parsed.message().chat_key)
            return _answer([catalogue(language).text("whatsapp.media_unavailable")])
        photo = PhotoUpload(data, parsed.photo.content_type or None)
    message = parsed.message(photo, unsupported=parsed.unsupported is not None)

    replies = await run_in_threadpool(service.handle, message)
    language = await run_in_threadpool(_language, request, message.chat_key)
    replies = _with_document_note(replies, parsed, language)

    engine = _engine(request)
    # Quick replies go through REST and are recorded: only with the database at hand.
    quick = channel.config.quick_replies if engine is not None else {}
    bodies = await run_in_threadpool(
        channel.deliver, engine, parsed.sender, render(replies, language, quick)
    )
    sender = channel.sender
    if engine is not None and sender is not None:
        # After the answer, so held notifications follow the replies rather than race them.
        background.add_task(_send_waiting_safely, engine, sender, parsed.sender)
    return _answer(bodies)


def _with_document_note(
    replies: list[Reply], parsed: WhatsAppInbound, language: Language
) -> list[Reply]:
    """A PDF sent where a photo is asked for is usually the photo, sent as a document."""
    media = parsed.unsupported
    if media is None or not replies or replies[-1].expects != "photo":
        return replies
    if not media.content_type.startswith("application/"):
        return replies
    note = catalogue(language).text("whatsapp.document_note")
    first = replies[0]
    return [replace(first, text=f"{first.text}\n\n{note}"), *replies[1:]]


def _send_waiting_safely(engine: Engine, sender: WhatsAppSender, chat_id: str) -> None:
    try:
        send_waiting(engine, sender, chat_id)
    except Exception:
        # The citizen's answer is already out; what waits stays waiting for next time.
        log.exception("sending waiting WhatsApp notifications failed")


@router.post("/webhook/whatsapp/status", status_code=204)
async def status(request: Request, channel: WhatsAppDep) -> Response:
    fields = await _signed_fields(request, channel)
    engine = _engine(request)
    if engine is None:
        raise HTTPException(503, "Service not ready.")
    await run_in_threadpool(record_status, engine, fields, at=datetime.now(UTC))
    return Response(status_code=204)
