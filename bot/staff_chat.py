"""What staff members can ask the bot in their own chat: "ringkasan", and linking the chat."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.inbound import InboundMessage
from conversations.types import Reply
from conversations.words import normalize
from models.staff import get_staff, link_chat, staff_for_chat
from staff.chat_link import check_link_code
from staff.digest_schedule import digest_for_staff
from staff.workflow import Workflows

SUMMARY_WORDS = frozenset({"ringkasan", "rekap", "summary"})
LINK_WORD = "hubungkan"


class StaffCommands:
    def __init__(self, workflows: Workflows, *, cutoff_day: int, secret: str) -> None:
        self._workflows = workflows
        self._cutoff_day = cutoff_day
        self._secret = secret

    def answer(
        self, session: Session, message: InboundMessage, now: datetime
    ) -> list[Reply] | None:
        """Replies for a staff command; None lets the citizen flow have the message."""
        said = normalize((message.text or "").lstrip("/").split("@", 1)[0])
        if said.startswith(LINK_WORD + " "):
            return self._link(session, message, said.split()[1:], now)
        if said not in SUMMARY_WORDS:
            return None
        staff = staff_for_chat(session, message.channel, message.sender)
        if staff is None:
            return None
        text = digest_for_staff(
            session, staff, workflows=self._workflows, now=now, cutoff_day=self._cutoff_day
        )
        return [Reply(text or "Belum ada wilayah yang ditugaskan untuk akun Anda.")]

    def _link(
        self, session: Session, message: InboundMessage, words: list[str], now: datetime
    ) -> list[Reply]:
        """HUBUNGKAN <username> <code>, with the code from the dashboard's "Hubungkan chat"."""
        account = get_staff(session, words[0]) if len(words) == 2 else None
        if (
            account is None
            or account.id is None
            or not check_link_code(self._secret, account, words[1], now)
        ):
            return [
                Reply(
                    "Kode tidak cocok atau sudah lewat 15 menit. Buka dasbor petugas, menu "
                    '"Hubungkan chat", lalu kirim kode yang baru.'
                )
            ]
        link_chat(session, account.id, message.channel, message.sender, at=now)
        return [
            Reply(
                f"Chat ini sekarang terhubung dengan akun petugas {account.display_name}. "
                'Ketik "ringkasan" untuk melihat ringkasan wilayah Anda.'
            )
        ]
