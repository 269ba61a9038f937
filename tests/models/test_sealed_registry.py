"""The registry of sealed places: what `dtsen-bot keys rotate` re-seals, and only that."""

from __future__ import annotations

import pytest
from sqlalchemy import JSON, Column, Integer, MetaData, Table, Text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.sealed import SealedBool, SealedComparisonError, SealedDate, SealedJSON, SealedText
from models.sealed_registry import sealed_columns
from models.tables import HouseholdMember, Request


def test_every_sealed_column_of_the_tables_is_registered_with_its_associated_data() -> None:
    # A new sealed column appears here by itself (typed SealedText/SealedJSON, or a sealed
    # date or yes/no); this list makes adding one a visible change, and one missing from
    # rotation impossible.
    assert {(c.name, c.context, c.shape, c.key) for c in sealed_columns()} >= {
        ("household_member.birth_date", "household_member.birth_date", "text", "id"),
        ("household_member.birth_place", "household_member.birth_place", "text", "id"),
        ("household_member.disability", "household_member.disability", "text", "id"),
        ("household_member.mother_name", "household_member.mother_name", "text", "id"),
        ("household_member.name", "household_member.name", "text", "id"),
        ("household_member.nik", "household_member.nik", "text", "id"),
        ("proposer.name", "proposer.name", "text", "id"),
        ("proposer.nik", "proposer.nik", "text", "id"),
        ("proposer.phone", "proposer.phone", "text", "id"),
        ("request.answers", "request.answers", "json", "id"),
        ("request.kk", "request.kk", "text", "id"),
        ("request.name", "request.name", "text", "id"),
        ("request.nik", "request.nik", "text", "id"),
        ("request.reply_to", "request.reply_to", "text", "id"),
        ("request.subject_name", "request.subject_name", "text", "id"),
        ("request.subject_nik", "request.subject_nik", "text", "id"),
        ("staff_chat.recipient", "staff_chat.recipient", "text", "id"),
    }


def test_a_column_typed_sealed_is_found_without_being_listed_by_hand() -> None:
    metadata = MetaData()
    Table(
        "note",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("body", SealedText("note.body")),
        Column("extra", SealedJSON("note.extra")),
        Column("plain", Text),
        Column("meta", JSON),
        Column("on", SealedDate("note.on")),
        Column("urgent", SealedBool("note.urgent")),
    )
    found = sealed_columns(metadata)
    assert [(c.name, c.context, c.shape) for c in found[:4]] == [
        ("note.body", "note.body", "text"),
        ("note.extra", "note.extra", "json"),
        ("note.on", "note.on", "text"),
        ("note.urgent", "note.urgent", "text"),
    ]


def test_comparing_a_sealed_column_with_a_nik_raises_and_points_to_the_lookup() -> None:
    # It used to build a query that never matched: each seal has a fresh nonce.
    for attempt in (
        lambda: Request.nik == "3204014101900001",
        lambda: col(Request.subject_nik).in_(["3204014101900001"]),
        lambda: col(HouseholdMember.name).like("Siti%"),
        lambda: "3204014101900001" == HouseholdMember.nik,  # noqa: SIM300 (reversed too)
    ):
        with pytest.raises(SealedComparisonError, match="_lookup"):
            attempt()


def test_what_sql_may_still_ask_of_a_sealed_column_works(db_engine: Engine) -> None:
    # Null and empty are stored as they are (anonymised rows are found by ""), ordering
    # and selecting need no comparison.
    with Session(db_engine) as session:
        session.exec(
            select(Request.nik)
            .where(col(Request.kk).is_(None), col(Request.name) != "", Request.kk == None)  # noqa: E711
            .order_by(col(Request.name).desc())
        ).all()
