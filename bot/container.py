"""Builds the application's parts from settings: called by the app factory and the CLI."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from bot.effects import EffectRunner
from bot.keys import secret_key
from bot.service import ChatService
from bot.settings import Settings
from bot.staff_chat import StaffCommands
from conversations.engine import Script
from conversations.flow import EngineConfig
from conversations.flows import FLOWS
from conversations.validators import default_regions
from models.blobs import FileBlobStore
from models.conversation_store import (
    ConversationStore,
    SqlConversationStore,
    make_conversation_store,
)
from models.database import create_db_engine, database_status, upgrade_database
from models.dedup import purge_processed
from models.lookups import purge_lookup_attempts
from staff.workflow import Workflows


@dataclass
class Container:
    settings: Settings
    engine: Engine
    store: ConversationStore
    service: ChatService

    def health(self) -> dict[str, Any]:
        database = database_status(self.engine)
        store = self.store.health()
        return {"ok": bool(database["ok"] and store["ok"]), "database": database, "store": store}

    def purge(self, now: datetime) -> dict[str, int]:
        """Forget what is no longer needed: it holds personal data (UU 27/2022 data minimisation).

        Conversations outlive their expiry by one more period so the citizen can still be
        told that theirs expired; delivery records only need to outlast provider retries.
        """
        settings = self.settings
        older_than = now - settings.conversation_ttl * 2
        conversations = self.store.purge(older_than=older_than)
        if not isinstance(self.store, SqlConversationStore):
            # The durable copies the service keeps beside Redis.
            SqlConversationStore(self.engine).purge(older_than=older_than)
        with Session(self.engine) as session, session.begin():
            deliveries = purge_processed(session, before=now - settings.delivery_record_ttl)
            lookups = purge_lookup_attempts(session, before=now - timedelta(days=1))
        return {"conversations": conversations, "deliveries": deliveries, "lookups": lookups}

    def close(self) -> None:
        self.engine.dispose()


def engine_config(settings: Settings) -> EngineConfig:
    return EngineConfig(
        conversation_ttl=settings.conversation_ttl,
        resume_prompt_after=settings.resume_prompt_after,
        cutoff_day=settings.cutoff_day,
    )


def build(
    settings: Settings, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> Container:
    """Connects to the database (upgrading an empty one), the store and the file storage."""
    engine = create_db_engine(settings.database_url, pool_size=settings.db_pool_size)
    upgrade_database(engine)
    store = make_conversation_store(
        engine, settings.redis_url, retention=settings.conversation_ttl * 2
    )
    regions = default_regions().warm()
    workflows = Workflows.load(settings.workflows_dir)
    service = ChatService(
        engine=engine,
        store=store,
        blobs=FileBlobStore(settings.data_dir / "attachments", max_bytes=settings.max_photo_bytes),
        script=Script(FLOWS, engine_config(settings), regions),
        effects=EffectRunner(
            regions, workflows, lookup_failures_per_hour=settings.status_lookup_failures_per_hour
        ),
        staff_commands=StaffCommands(
            workflows,
            cutoff_day=settings.cutoff_day,
            secret=secret_key(settings.secret_key, settings.data_dir),
        ),
        clock=clock,
    )
    return Container(settings, engine, store, service)
