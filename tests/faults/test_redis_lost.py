"""Redis flushed or restarted in the middle of a conversation: the citizen is told, nothing
they answered is lost, and an answer is never taken for a menu choice.

The durable copy of every conversation is committed to the SQL database with each message;
Redis holds the working copy and the chat's lock."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import redis
from sqlalchemy import Engine

from bot.inbound import PhotoUpload
from bot.service import ChatService
from conversations.types import Location
from models.conversation_store import RedisConversationStore
from models.tables import Request
from tests.bot.test_service import Citizen, Clock, count, make_service
from tests.conftest import TEST_KEYS
from tests.conversations.transcript import USULAN_TYPED
from tests.images import tiny_png


def redis_service(engine: Engine, client: redis.Redis, tmp_path: Path) -> ChatService:
    store = RedisConversationStore(client, keys=TEST_KEYS, retention=timedelta(days=7))
    return make_service(engine, store, tmp_path, Clock())


def test_redis_flushed_mid_usulan_the_citizen_is_told_and_continues_where_they_were(
    postgresql_engine: Engine, redis_client: redis.Redis, tmp_path: Path
) -> None:
    citizen = Citizen(redis_service(postgresql_engine, redis_client, tmp_path))
    rt = USULAN_TYPED.index(("3/5", "Siapa saja"))
    citizen.walk(USULAN_TYPED[:rt])  # the bot has just asked for the RT/RW
    redis_client.flushdb()

    answer = citizen.say("3/5")  # meant for the RT/RW question, not for a menu
    assert "sesi Anda sempat terputus" in answer
    assert "Jawaban yang sudah tersimpan tidak hilang" in answer
    assert "Mau dilanjutkan?" in answer
    assert citizen.replies[-1].choices[0].label == "Lanjutkan"
    assert "RT/RW" in citizen.say("1")  # continue: asked the RT/RW again, nothing lost
    citizen.walk(USULAN_TYPED[rt:])
    assert "Kode tiket: U-" in citizen.file_usulan([])
    assert count(postgresql_engine, Request) == 1


def test_redis_flushed_at_the_summary_ya_files_nothing_silently(
    postgresql_engine: Engine, redis_client: redis.Redis, tmp_path: Path
) -> None:
    citizen = Citizen(redis_service(postgresql_engine, redis_client, tmp_path))
    citizen.walk(USULAN_TYPED)
    assert "foto rumah" in citizen.send(photo=PhotoUpload(tiny_png(), "image/png"))
    assert "lokasi" in citizen.send(photo=PhotoUpload(tiny_png(), "image/png"))
    assert "Nomor HP" in citizen.send(location=Location(-6.93, 107.72))
    assert "Ringkasan" in citizen.say("0812 3456 7890")
    redis_client.flushdb()

    answer = citizen.say("ya")
    assert "sesi Anda sempat terputus" in answer
    assert count(postgresql_engine, Request) == 0  # not filed behind the citizen's back
    assert "Ringkasan" in citizen.say("1")  # continue: the summary again, all answers kept
    assert "Kode tiket: U-" in citizen.say("ya")
    assert count(postgresql_engine, Request) == 1


def test_redis_restarted_empty_between_two_chats_does_not_disturb_a_new_one(
    postgresql_engine: Engine, redis_client: redis.Redis, tmp_path: Path
) -> None:
    citizen = Citizen(redis_service(postgresql_engine, redis_client, tmp_path))
    citizen.say("menu")
    redis_client.flushdb()
    # Nothing was in progress: no apology, just the answer.
    answer = citizen.say("menu")
    assert "terputus" not in answer and "Apa yang ingin Anda lakukan?" in answer
