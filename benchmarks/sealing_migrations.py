"""The data migrations of stop 17 on a PostgreSQL database of `--requests` WhatsApp
requests: 0023 (members' birth dates and disability sealed) and 0024 (the last chat ids in
clear become keyed hashes with sealed copies). How long an installation's upgrade takes,
and its downgrade.

    .venv/bin/python -m benchmarks.sealing_migrations [--requests 10000] [--members 3]
        [--staff 200]

1. A throwaway database (`benchmarks.throwaway_db`) at the newest revision is filled with
   `--requests` usulan from WhatsApp chats (the chat id is the phone number), each with
   `--members` household members, its consent record and a KTP photo's row, and `--staff`
   officers' linked WhatsApp chats: inserted through the tables' own column types, as the
   app stores them.
2. `alembic downgrade` to the revision before 0023 puts the phone numbers, birth dates and
   disabilities back in clear (as an installation that has not upgraded yet holds them).
3. `alembic upgrade 0023`, then `0024`, each timed, with rows per second.
4. Checks that no phone number is left in clear in the four tables and that the app still
   finds a chat's request, consent and photo by its number.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, insert, text

from benchmarks.throwaway_db import create_database, drop_database, keyed_engine

CHUNK = 1000
TABLES = ("request", "attachment", "consent_record", "staff_chat")


def phone(n: int) -> str:
    return f"62812{n:08d}"


def fill(engine: Engine, requests: int, members: int, staff: int) -> None:
    from models.staff import add_staff
    from models.tables import Attachment, ConsentRecord, HouseholdMember, Request, StaffChat

    now = datetime.now(UTC)
    table = Request.__table__  # type: ignore[attr-defined]
    for start in range(0, requests, CHUNK):
        numbers = range(start, min(start + CHUNK, requests))
        with engine.begin() as conn:
            ids = (
                conn.execute(
                    insert(table).returning(table.c.id),
                    [
                        {
                            "ticket": f"U{n:06d}",
                            "kind": "usulan",
                            "subtype": "self",
                            "status": "diterima",
                            "channel": "whatsapp",
                            "chat_id": phone(n),  # reply_to: its default copies it, sealed
                            "village_code": "32.04.05.2004",
                            "nik": f"3204051{n:09d}",
                            "nik_lookup": f"3204051{n:09d}",
                            "name": f"Warga Nomor {n}",
                            "answers": {"dusun": "Krajan", "rt": "003", "rw": "001"},
                            "flags": [],
                            "language": "id",
                            "created_at": now,
                            "updated_at": now,
                        }
                        for n in numbers
                    ],
                )
                .scalars()
                .all()
            )
            chats = [(request_id, phone(n)) for request_id, n in zip(ids, numbers, strict=True)]
            conn.execute(
                insert(ConsentRecord.__table__),  # type: ignore[attr-defined]
                [
                    {
                        "channel": "whatsapp",
                        "chat_id": chat,
                        "purpose": "usulan",
                        "text_version": "usulan-2025-11",
                        "language": "id",
                        "given_at": now,
                        "request_id": request_id,
                    }
                    for request_id, chat in chats
                ],
            )
            if members:
                conn.execute(
                    insert(HouseholdMember.__table__),  # type: ignore[attr-defined]
                    [
                        {
                            "request_id": request_id,
                            "position": position,
                            "nik": f"3204052{request_id:07d}{position:02d}",
                            "nik_lookup": f"3204052{request_id:07d}{position:02d}",
                            "name": f"Anggota {position}",
                            "relationship": "anak",
                            "birth_date": date(2010, 1, 1) + timedelta(days=request_id % 3000),
                            "disability": position == members,
                        }
                        for request_id, _ in chats
                        for position in range(1, members + 1)
                    ],
                )
            conn.execute(
                insert(Attachment.__table__),  # type: ignore[attr-defined]
                [
                    {
                        "ref": f"ktp-{request_id}",
                        "request_id": request_id,
                        "purpose": "ktp",
                        "content_type": "image/jpeg",
                        "size": 120_000,
                        "sha256": "0" * 64,
                        "channel": "whatsapp",
                        "chat_id": chat,
                        "created_at": now,
                    }
                    for request_id, chat in chats
                ],
            )
    from sqlmodel import Session

    with Session(engine) as session, session.begin():
        for n in range(staff):
            account = add_staff(
                session,
                username=f"operator{n}",
                display_name=f"Operator {n}",
                role="village_operator",
                areas=["32.04.05.2004"],
                at=now,
            )
            session.add(
                StaffChat(
                    staff_id=account.id,
                    channel="whatsapp",
                    chat_id=phone(90_000_000 + n),
                    recipient=phone(90_000_000 + n),
                    linked_at=now,
                )
            )


def migrate(engine: Engine, revision: str, *, down: bool) -> float:
    from alembic import command

    from models import database

    config = database._alembic_config()
    started = time.perf_counter()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(config, revision)
    return time.perf_counter() - started


def in_clear(engine: Engine) -> dict[str, int]:
    """How many rows of each table hold a chat id that is a phone number in clear."""
    with engine.connect() as conn:
        return {
            table: int(
                conn.execute(
                    text(f"SELECT count(*) FROM {table} WHERE chat_id ~ '^62[0-9]+$'")
                ).scalar_one()
            )
            for table in TABLES
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--members", type=int, default=3)
    parser.add_argument("--staff", type=int, default=200)
    args = parser.parse_args()

    from alembic.script import ScriptDirectory
    from sqlmodel import Session

    from models import database
    from models.consent import consents_for_chat
    from models.requests import list_requests_for_chat

    before = ScriptDirectory.from_config(database._alembic_config()).get_revision("0023")
    assert before is not None and isinstance(before.down_revision, str)
    url = create_database("sealmig_bench")
    engine = keyed_engine(url)
    try:
        started = time.perf_counter()
        fill(engine, args.requests, args.members, args.staff)
        members = args.requests * args.members
        chats = 3 * args.requests + args.staff
        print(
            f"Filled {args.requests:,} WhatsApp requests with {members:,} members, their "
            f"consents and photos, and {args.staff:,} staff chats in "
            f"{time.perf_counter() - started:.1f} s"
        )
        down = migrate(engine, before.down_revision, down=True)
        print(f"Downgrade to {before.down_revision}: {down:.1f} s; in clear: {in_clear(engine)}")
        for revision, rows, what in (("0023", members, "members"), ("0024", chats, "chat ids")):
            took = migrate(engine, revision, down=False)
            print(f"Upgrade to {revision}: {took:.1f} s for {rows:,} {what} ({rows / took:,.0f}/s)")
        clear = in_clear(engine)
        print(f"Phone numbers in clear after: {clear}")
        assert not any(clear.values()), clear
        with Session(engine) as session:
            [found] = list_requests_for_chat(session, "whatsapp", phone(args.requests - 1))
            assert found.reply_to == phone(args.requests - 1)
            assert len(consents_for_chat(session, "whatsapp", phone(0))) == 1
        print("After: each chat's request (with its reply address) and consent found by number.")
    finally:
        engine.dispose()
        drop_database(url)


if __name__ == "__main__":
    main()
