"""Old conversations and delivery records are forgotten; recent ones are kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.container import build
from bot.inbound import InboundMessage
from bot.settings import Settings


def test_purge_forgets_what_is_past_its_time_and_keeps_the_rest(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    settings = Settings(database_url=f"sqlite:///{tmp_path}/bot.db", data_dir=tmp_path / "var")
    container = build(settings)
    try:
        service = container.service
        service.handle(InboundMessage("test", "old", message_id="m1", text="menu"))
        service.handle(InboundMessage("test", "new", message_id="m2", text="menu"))
        assert container.purge(now) == {
            "conversations": 0,
            "deliveries": 0,
            "lookups": 0,
            "unfiled_photos": 0,
            "anonymised_requests": 0,
        }
        later = now + timedelta(days=15)
        assert container.purge(later) == {
            "conversations": 2,
            "deliveries": 2,
            "lookups": 0,
            "unfiled_photos": 0,
            "anonymised_requests": 0,
        }
        assert container.store.load("test:old") is None
    finally:
        container.close()
