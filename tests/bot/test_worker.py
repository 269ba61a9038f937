"""The outbox worker: sends through each channel's notifier, retries with backoff, gives up."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.channels.notify import Notification, Path
from bot.channels.simulator import SimulatorChannel
from bot.settings import Settings
from bot.worker import Worker, build_notifiers
from models.tables import OutboxNotification
from staff.outbox import enqueue

NOW = datetime(2025, 11, 20, 9, 0, tzinfo=UTC)


class FakeNotifier:
    """A channel double: records what it was asked to send; can fail the first few times."""

    def __init__(
        self,
        channel: str = "telegram",
        *,
        failures: int = 0,
        path: Path = "free_form",
        delay: float = 0.0,
    ) -> None:
        self.delay = delay
        self.name = channel
        self.sent: list[tuple[str, Notification]] = []
        self.calls = 0
        self.failures = failures
        self.path: Path = path

    async def notify(self, chat_id: str, notification: Notification) -> Path:
        self.calls += 1
        await asyncio.sleep(self.delay)
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("provider unreachable")
        self.sent.append((chat_id, notification))
        return self.path

    def texts(self) -> list[str]:
        return [n.text for _chat, n in self.sent]


def add(
    engine: Engine, *, channel: str = "telegram", chat_id: str = "1001", text: str = "halo"
) -> int:
    with Session(engine) as session, session.begin():
        row = enqueue(
            session,
            channel=channel,
            chat_id=chat_id,
            kind="status_changed",
            text=text,
            variables={"1": "U-7KQ4M9"},
            at=NOW,
        )
        assert row.id is not None
        return row.id


def row(engine: Engine, row_id: int) -> OutboxNotification:
    with Session(engine) as session:
        found = session.get(OutboxNotification, row_id)
        assert found is not None
        return found


def test_a_due_notification_is_sent_once_and_forgets_its_text(db_engine: Engine) -> None:
    row_id = add(db_engine, text="Kabar Usulan mandiri U-7KQ4M9")
    fake = FakeNotifier()
    worker = Worker(db_engine, {"telegram": fake})
    assert asyncio.run(worker.run_once(NOW)) == 1
    assert fake.sent == [
        ("1001", Notification("status_changed", "Kabar Usulan mandiri U-7KQ4M9", {"1": "U-7KQ4M9"}))
    ]
    sent = row(db_engine, row_id)
    assert (sent.status, sent.path, sent.attempts, sent.sent_at) == ("sent", "free_form", 1, NOW)
    assert sent.text == "" and sent.variables == {}
    assert asyncio.run(worker.run_once(NOW + timedelta(hours=1))) == 0
    assert len(fake.sent) == 1


def test_failures_are_retried_with_exponential_backoff_then_given_up(db_engine: Engine) -> None:
    row_id = add(db_engine)
    fake = FakeNotifier(failures=10)
    worker = Worker(db_engine, {"telegram": fake}, max_attempts=4, backoff=timedelta(seconds=30))
    now = NOW
    delays = []
    for attempt in range(1, 4):
        assert asyncio.run(worker.run_once(now)) == 1
        failed = row(db_engine, row_id)
        assert failed.status == "pending" and failed.attempts == attempt
        assert failed.last_error == "ConnectionError: provider unreachable"
        delays.append(failed.due_at - now)
        # Not before it is due again.
        assert asyncio.run(worker.run_once(failed.due_at - timedelta(seconds=1))) == 0
        now = failed.due_at
    assert delays == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]
    assert asyncio.run(worker.run_once(now)) == 1
    dead = row(db_engine, row_id)
    assert dead.status == "dead" and dead.attempts == 4
    assert dead.text == "halo"  # kept for an operator to look at
    assert asyncio.run(worker.run_once(now + timedelta(days=1))) == 0
    assert fake.calls == 4 and fake.sent == []


def test_a_failure_that_heals_is_sent_on_the_retry(db_engine: Engine) -> None:
    row_id = add(db_engine)
    fake = FakeNotifier(failures=1)
    worker = Worker(db_engine, {"telegram": fake}, backoff=timedelta(seconds=10))
    asyncio.run(worker.run_once(NOW))
    asyncio.run(worker.run_once(NOW + timedelta(seconds=10)))
    assert row(db_engine, row_id).status == "sent" and len(fake.sent) == 1


def test_the_backoff_is_capped() -> None:
    worker = Worker.__new__(Worker)
    worker.backoff, worker.max_backoff = timedelta(seconds=30), timedelta(hours=1)
    assert worker.retry_delay(1) == timedelta(seconds=30)
    assert worker.retry_delay(20) == timedelta(hours=1)


def test_a_channel_without_a_notifier_is_given_up_at_once_with_a_clear_error(
    db_engine: Engine,
) -> None:
    row_id = add(db_engine, channel="sms")
    asyncio.run(Worker(db_engine, {"telegram": FakeNotifier()}).run_once(NOW))
    dead = row(db_engine, row_id)
    assert dead.status == "dead" and dead.last_error == "no notifier for channel 'sms'"


@pytest.mark.parametrize("path", ["template", "waiting", "unreachable"])
def test_every_path_the_channel_takes_ends_the_outbox_row(db_engine: Engine, path: Path) -> None:
    row_id = add(db_engine, channel="whatsapp")
    asyncio.run(Worker(db_engine, {"whatsapp": FakeNotifier("whatsapp", path=path)}).run_once(NOW))
    done = row(db_engine, row_id)
    # "waiting" is a state of the outbox row itself: held until the citizen writes.
    assert (done.status, done.path) == ("waiting" if path == "waiting" else "sent", path)


def test_the_simulator_holds_notifications_in_the_outbox_until_the_citizen_writes(
    db_engine: Engine,
) -> None:
    add(db_engine, channel="simulator", chat_id="web-1", text="Kabar untuk Anda")
    worker = Worker(db_engine, {"simulator": SimulatorChannel(clock=lambda: NOW)})
    asyncio.run(worker.run_once(NOW))
    with Session(db_engine) as session:
        held = session.exec(select(OutboxNotification)).one()
        assert (held.status, held.path, held.text) == ("waiting", "waiting", "Kabar untuk Anda")
    # Nothing more to do for the worker: it waits for the citizen, not for a retry.
    assert asyncio.run(worker.run_once(NOW + timedelta(hours=1))) == 0


def test_run_forever_sends_and_stops_when_asked(db_engine: Engine) -> None:
    for n in range(5):
        add(db_engine, chat_id=str(n))
    fake = FakeNotifier()
    ticks: list[datetime] = []
    worker = Worker(db_engine, {"telegram": fake}, batch=2)

    async def main() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run_forever(0.05, stop, on_tick=ticks.append))
        for _ in range(200):
            await asyncio.sleep(0.01)
            if len(fake.sent) == 5:
                break
        stop.set()
        await asyncio.wait_for(task, timeout=5)

    asyncio.run(main())
    assert sorted(chat for chat, _n in fake.sent) == ["0", "1", "2", "3", "4"]
    assert ticks  # the digest hook ran


def test_notifiers_are_built_from_the_settings_for_the_configured_channels(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (
        "TELEGRAM_BOT_TOKEN",
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
        "TWILIO_WHATSAPP_FROM",
    ):
        monkeypatch.delenv(name, raising=False)
    bare = build_notifiers(Settings(_env_file=None), sqlite_engine)
    assert set(bare) == {"simulator", "terminal"}
    configured = build_notifiers(
        Settings(
            _env_file=None,
            telegram_bot_token="123456:TEST",
            twilio_account_sid="AC" + "0" * 32,
            twilio_auth_token="secret",
            twilio_whatsapp_from="whatsapp:+14155238886",
        ),
        sqlite_engine,
    )
    assert set(configured) == {"simulator", "terminal", "telegram", "whatsapp", "phone"}
    assert all(n.name == name for name, n in configured.items() if name != "phone")
    # A household's own phone (proposed on its behalf): WhatsApp when it is all there is...
    assert configured["phone"] is configured["whatsapp"]
    with_sms = build_notifiers(
        Settings(
            _env_file=None,
            twilio_account_sid="AC" + "0" * 32,
            twilio_auth_token="secret",
            twilio_whatsapp_from="whatsapp:+14155238886",
            twilio_sms_from="+14155238887",
        ),
        sqlite_engine,
    )
    # ...SMS when it is configured: it reaches any phone, with no template or 24-hour window.
    assert with_sms["phone"] is with_sms["sms"]
