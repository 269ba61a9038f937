"""Reading a generated KTP photo with the shipped engine (RapidOCR, models in its wheel):
the fields come out as the usulan's answers, checked by the typed-input validators."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from benchmarks import ktp_cards
from bot.photos.engines import RapidOcrEngine, TextBox
from bot.photos.inspector import PhotoInspector
from bot.photos.ktp import CardText, fields_from_boxes, prefill
from bot.photos.reader import PhotoReader
from conversations.effects import PhotoRead
from conversations.validators import default_regions
from models.blobs import FileBlobStore
from tests.conftest import TEST_KEYS

TODAY = date(2026, 12, 1)


@pytest.fixture(scope="module")
def reader() -> PhotoReader:
    return PhotoReader(RapidOcrEngine(), default_regions())


def test_a_readable_photo_fills_nik_name_birth_and_address(reader: PhotoReader) -> None:
    person, photo = ktp_cards.readable_photo()
    reading = reader.read(photo, "ktp", today=TODAY)
    assert reading.problem is None
    values = reading.values
    assert values["nik"] == person.nik
    assert values["name"].upper() == person.name
    assert values["birth_date"] == person.birth_date
    assert values["village"] == person.village
    assert (values["rt"], values["rw"]) == (person.rt, person.rw)
    assert values["marital"] == person.marital


def test_a_blurred_photo_is_not_read_at_all(reader: PhotoReader) -> None:
    import random

    rng = random.Random(4)
    card = ktp_cards.render_card(ktp_cards.make_person(rng), rng)
    reading = reader.read(ktp_cards.bad_photo("blurred", card, rng), "ktp", today=TODAY)
    assert reading.problem == "blurred" and reading.values == {}


def _line(y: float, *words: str) -> list[TextBox]:
    return [
        TextBox(w, 40 + 150 * i, y, 40 + 150 * i + 120, y + 24, 0.99) for i, w in enumerate(words)
    ]


def _card_text(nik: str, birth: str, sex: str) -> CardText:
    boxes = [
        *_line(110, "NIK", f": {nik}"),
        *_line(170, "Nama", ": BUDI SANTOSO"),
        *_line(204, "Tempat/Tgl Lahir", f": BANDUNG, {birth}"),
        *_line(238, "Jenis Kelamin", f": {sex}", "Gol. Darah : O"),
    ]
    return fields_from_boxes(boxes, 1000)


def test_a_nik_that_disagrees_with_the_printed_birth_date_is_not_offered() -> None:
    regions = default_regions()
    # One digit of the date part misread: 17 -> 11. Still a valid NIK on its own.
    text = _card_text("3204051108850001", "17-08-1985", "LAKI-LAKI")
    found = prefill(text, regions=regions, today=TODAY)
    assert "nik" not in found.values and found.refused["nik"] == "disagrees_with_card"
    assert found.values["birth_date"] == "1985-08-17"


def test_a_nik_that_disagrees_with_the_printed_sex_is_not_offered() -> None:
    text = _card_text("3204051708850001", "17-08-1985", "PEREMPUAN")
    found = prefill(text, regions=default_regions(), today=TODAY)
    assert "nik" not in found.values


def test_ocr_lookalikes_in_the_nik_are_repaired_and_then_checked() -> None:
    # O for 0 and a colon read as "1", as Tesseract and RapidOCR sometimes do.
    text = _card_text("32O4O517O885OOO1", "17-08-1985", "LAKI-LAKI")
    found = prefill(text, regions=default_regions(), today=TODAY)
    assert found.values["nik"] == "3204051708850001"
    assert found.values["name"] == "Budi Santoso"
    assert found.values["sex"] == "L"


class _BrokenEngine:
    name = "broken"

    def read(self, image: object) -> list[TextBox]:
        raise RuntimeError("ONNX Runtime failed: BUDI SANTOSO 3204051708850001")


def test_an_engine_failure_keeps_the_photo_and_the_fields_are_typed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blobs = FileBlobStore(tmp_path / "blobs", TEST_KEYS)
    inspector = PhotoInspector(blobs, default_regions(), engine="rapidocr")
    inspector._reader = PhotoReader(_BrokenEngine(), default_regions())
    _person, photo = ktp_cards.readable_photo()
    ref = blobs.put(photo).ref
    assert inspector.inspect(ref, "ktp", TODAY) == PhotoRead({})
    # Said in the log by the kind of error only: its text could quote the card.
    assert "RuntimeError" in caplog.text and "3204" not in caplog.text
