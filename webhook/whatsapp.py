"""WhatsApp (Twilio) webhook routes (being built: issue 4)."""

from fastapi import APIRouter

router = APIRouter()
