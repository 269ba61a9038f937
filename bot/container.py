"""The one place the application is wired: every part built from the settings.

`serve` (the app's lifespan), `worker`, the staff dashboard and every CLI command take
their parts from a `Container` made by `build`; nothing else constructs engines, stores,
file storage, workflows or notifiers. `build` connects to the database (upgrading an empty
one); every other part is made on first use and then shared, so a command pays only for
what it uses (`staff list` never opens Redis) and the chat service and the dashboard see
the same workflows, regions and photo storage.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any

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
from conversations.validators import RegionIndex, default_regions
from models.attachments import purge_unfiled_photos
from models.blobs import FileBlobStore
from models.conversation_store import (
    ConversationStore,
    SqlConversationStore,
    make_conversation_store,
)
from models.crypto import KeyRing, load_keys
from models.database import create_db_engine, database_status, upgrade_database
from models.dedup import purge_processed
from models.lookups import purge_lookup_attempts
from models.retention import anonymise_closed_requests
from models.sealed import keys_of
from staff.minutes import MinutesStore
from staff.outbox import forget_answered
from staff.workflow import Workflows

if TYPE_CHECKING:
    from bot.channels.notify import Notifier


def _now() -> datetime:
    return datetime.now(UTC)


class Container:
    def __init__(
        self, settings: Settings, engine: Engine, *, clock: Callable[[], datetime] = _now
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.clock = clock

    # -- parts, each made once on first use ----------------------------------------------------

    @cached_property
    def regions(self) -> RegionIndex:
        # Village search built now, not on the first citizen's village question.
        return default_regions().warm()

    @cached_property
    def workflows(self) -> Workflows:
        return Workflows.load(self.settings.workflows_dir)

    @cached_property
    def secret(self) -> str:
        """Signs staff sessions, login links and chat-link codes."""
        return secret_key(self.settings.secret_key, self.settings.data_dir)

    @cached_property
    def keys(self) -> KeyRing:
        """Seal personal data at rest: the engine's (`build`), so columns and files share one
        key ring."""
        return keys_of(self.engine.dialect)

    @cached_property
    def photos(self) -> FileBlobStore:
        """What citizens send (KTP, house, evidence), sealed on disk."""
        settings = self.settings
        return FileBlobStore(
            settings.data_dir / "attachments", self.keys, max_bytes=settings.max_photo_bytes
        )

    @cached_property
    def minutes(self) -> MinutesStore:
        """Signed Berita Acara of the musyawarah, sealed on disk."""
        return MinutesStore(self.settings.data_dir / "minutes", self.keys)

    def sealed_files(self) -> dict[str, FileBlobStore]:
        """Every store of sealed files by kind, for `dtsen-bot keys rotate`."""
        return {store.kind: store for store in (self.photos, self.minutes)}

    @cached_property
    def store(self) -> ConversationStore:
        """Unfinished conversations: Redis when REDIS_URL is set, else the database."""
        settings = self.settings
        return make_conversation_store(
            self.engine, settings.redis_url, retention=settings.conversation_ttl * 2
        )

    @cached_property
    def service(self) -> ChatService:
        # OpenCV and the OCR engine load only where chats are answered, not for every CLI.
        from bot.photos.inspector import PhotoInspector

        settings = self.settings
        photos = None
        if settings.photo_checks != "off":
            engine = "rapidocr" if settings.photo_checks == "read_ktp" else None
            photos = PhotoInspector(self.photos, self.regions, engine=engine)
        return ChatService(
            engine=self.engine,
            store=self.store,
            blobs=self.photos,
            script=Script(FLOWS, engine_config(settings), self.regions),
            effects=EffectRunner(
                self.regions,
                self.workflows,
                lookup_failures_per_hour=settings.status_lookup_failures_per_hour,
                blobs=self.photos,
                cutoff_day=settings.cutoff_day,
                photos=photos,
            ),
            staff_commands=StaffCommands(
                self.workflows, cutoff_day=settings.cutoff_day, secret=self.secret
            ),
            clock=self.clock,
        )

    def notifiers(self, *, telegram_bot: Any | None = None) -> dict[str, Notifier]:
        """A notifier per channel that is configured to send (see `bot.worker`); pass the
        running Telegram bot of `serve` so both share one rate limiter."""
        from bot.worker import build_notifiers  # the channel clients load only when sending

        return build_notifiers(self.settings, self.engine, telegram_bot=telegram_bot)

    # -- what the running application does with them ----------------------------------------------

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
            # Replies handed over in a webhook answer: no retry comes any more; forget them.
            forget_answered(session, before=now - settings.delivery_record_ttl)
            lookups = purge_lookup_attempts(session, before=now - timedelta(days=1))
            # Photos of drafts nobody filed go with the conversation they belonged to.
            photos = purge_unfiled_photos(
                session, self.photos, before=now - settings.conversation_ttl * 2
            )
            anonymised = 0
            if settings.closed_request_retention is not None:
                anonymised = anonymise_closed_requests(
                    session, self.photos, closed_before=now - settings.closed_request_retention
                )
        return {
            "conversations": conversations,
            "deliveries": deliveries,
            "lookups": lookups,
            "unfiled_photos": photos,
            "anonymised_requests": anonymised,
        }

    async def keep_announcing(self, role: str) -> None:
        """This process ("serve" or "worker") and the key versions it holds, kept in
        `process_keys` until cancelled, for `dtsen-bot keys rotate` (`models.process_keys`)."""
        from models.process_keys import keep_announcing

        await keep_announcing(self.engine, tuple(self.keys.keys), role)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Container:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def engine_config(settings: Settings) -> EngineConfig:
    return EngineConfig(
        conversation_ttl=settings.conversation_ttl,
        resume_prompt_after=settings.resume_prompt_after,
        cutoff_day=settings.cutoff_day,
        reads_photos=settings.photo_checks == "read_ktp",
    )


def personal_data_keys(settings: Settings) -> KeyRing:
    """The keys sealing personal data at rest: configured, or kept in DATA_DIR."""
    return load_keys(settings.data_keys, settings.lookup_key, settings.data_dir)


def build(settings: Settings | None = None, *, clock: Callable[[], datetime] = _now) -> Container:
    """Connects to the database (upgrading an empty one); the rest is made when used.

    Without `settings`, they are read from the environment and `.env`."""
    settings = settings if settings is not None else Settings()
    engine = create_db_engine(
        settings.database_url, personal_data_keys(settings), pool_size=settings.db_pool_size
    )
    try:
        upgrade_database(engine)
    except BaseException:
        engine.dispose()
        raise
    return Container(settings, engine, clock=clock)
