"""The service's side of `ReadPhoto`: load the stored photo, check it, read a KTP.

What is read goes back to the conversation only (to be confirmed there); it is never
logged, and the text itself is dropped here.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import cast

from bot.photos.engines import EngineUnavailable, make_engine
from bot.photos.quality import Subject
from bot.photos.reader import PhotoReader
from conversations.effects import PhotoCheck, PhotoRead, PhotoRefused
from conversations.validators import RegionIndex
from models.blobs import BlobNotFound, BlobStore

log = logging.getLogger(__name__)
SUBJECTS = ("ktp", "kk", "house", "other")


class PhotoInspector:
    def __init__(self, blobs: BlobStore, regions: RegionIndex, *, engine: str | None) -> None:
        """`engine`: the OCR engine's name ("rapidocr"), or None to check quality only."""
        self._blobs = blobs
        self._engine_name = engine
        # Engines load their model on first use: making one here costs nothing.
        self._reader = PhotoReader(make_engine(engine) if engine else None, regions)
        self._engine_failed = False

    def inspect(self, ref: str, subject: str, today: date) -> PhotoCheck:
        try:
            data = self._blobs.get(ref)
        except BlobNotFound:
            return PhotoRefused("not_image")
        kind = cast(Subject, subject if subject in SUBJECTS else "other")
        reads = subject == "ktp" and self._engine_name is not None and not self._engine_failed
        try:
            reading = self._reader.read(data, kind, today=today, ocr=reads)
        except EngineUnavailable:
            # Checked photos are still worth having: the citizen types the fields instead.
            log.warning("OCR engine %s unavailable; KTP fields will be typed", self._engine_name)
            self._engine_failed = True
            reading = self._reader.read(data, kind, today=today, ocr=False)
        except Exception as error:  # a reading that fails must not lose the message
            # Only the kind of error: its text could quote what was on the card.
            log.warning("KTP reading failed (%s); the fields will be typed", type(error).__name__)
            reading = self._reader.read(data, kind, today=today, ocr=False)
        if reading.problem is not None:
            return PhotoRefused(reading.problem)
        return PhotoRead(dict(reading.values))
