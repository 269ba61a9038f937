"""What staff members can ask the bot in their own linked chat ("ringkasan")."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.inbound import InboundMessage
from conversations.types import Reply
from conversations.words import normalize
from models.staff import staff_for_chat
from staff.digest import digest_for_staff
from staff.workflow import Workflows

SUMMARY_WORDS = frozenset({"ringkasan", "rekap", "summary"})


class StaffCommands:
    def __init__(self, workflows: Workflows, *, cutoff_day: int) -> None:
        self._workflows = workflows
        self._cutoff_day = cutoff_day

    def answer(
        self, session: Session, message: InboundMessage, now: datetime
    ) -> list[Reply] | None:
        """Replies for a staff command from a linked staff chat; None lets the citizen flow run."""
        said = normalize((message.text or "").lstrip("/").split("@", 1)[0])
        if said not in SUMMARY_WORDS:
            return None
        staff = staff_for_chat(session, message.channel, message.sender)
        if staff is None:
            return None
        text = digest_for_staff(
            session, staff, workflows=self._workflows, now=now, cutoff_day=self._cutoff_day
        )
        return [Reply(text or "Belum ada wilayah yang ditugaskan untuk akun Anda.")]
