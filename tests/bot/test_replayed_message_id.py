"""A message id replayed from another chat is that chat's own new message: it never returns
the first chat's recorded replies or copies its state (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from models.conversation_store import SqlConversationStore
from tests.bot.test_service import Citizen, Clock, make_service
from tests.conversations.transcript import NIK_MAN, USULAN_TYPED


def test_another_chat_reusing_a_message_id_gets_its_own_answer_not_the_victims(
    db_engine: Engine, tmp_path: Path
) -> None:
    store = SqlConversationStore(db_engine)
    service = make_service(db_engine, store, tmp_path, Clock())
    victim = Citizen(service, sender="victim")
    victim.walk(USULAN_TYPED[:7])  # up to the name: the replies echo what was typed
    recorded = "\n---\n".join(r.text for r in victim.replies)

    attacker = Citizen(service, sender="attacker")
    attacker.id, attacker.counter = victim.id, victim.counter - 1  # the victim's last id
    answer = attacker.say("menu")

    assert answer != recorded
    assert "Apa yang ingin Anda lakukan?" in answer  # a fresh chat's menu
    state = store.load("test:attacker")
    assert state is not None and NIK_MAN not in str(state)
    # The victim's own retry still gets its recorded answer, and its chat is untouched.
    victim.counter -= 1
    assert victim.say(USULAN_TYPED[6][0]) == recorded
    assert NIK_MAN in str(store.load("test:victim"))
