"""Reading a photo the citizen sent: quality first, then (for a KTP) the text.

`PhotoReader.read(data, subject)` returns a `Reading`: a problem code to explain, or, for a
KTP, the answers read (not yet confirmed). The reader never logs what it read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from bot.photos.card import CARD_WIDTH
from bot.photos.engines import OcrEngine
from bot.photos.image import decode
from bot.photos.ktp import TEXT_COLUMN, CardText, Prefill, fields_from_boxes, prefill
from bot.photos.quality import Subject, check
from conversations.validators import RegionIndex


@dataclass(frozen=True)
class Reading:
    problem: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    text: CardText | None = None  # kept in memory for the benchmark; never stored or logged
    refused: dict[str, str] = field(default_factory=dict)


class PhotoReader:
    def __init__(self, engine: OcrEngine | None, regions: RegionIndex) -> None:
        """`engine` None: check photos, read nothing."""
        self._engine = engine
        self._regions = regions

    def read(self, data: bytes, subject: Subject, *, today: date, ocr: bool = True) -> Reading:
        image = decode(data)
        if image is None:
            return Reading("not_image")
        checked = check(image, subject)
        if checked.problem is not None:
            return Reading(checked.problem)
        if subject != "ktp" or checked.card is None or not ocr or self._engine is None:
            return Reading()
        # The photo and signature on the right hold nothing to read: leave them out.
        text_column = np.ascontiguousarray(checked.card[:, : int(TEXT_COLUMN * CARD_WIDTH)])
        boxes = self._engine.read(text_column)
        text = fields_from_boxes(boxes, CARD_WIDTH)
        found: Prefill = prefill(text, regions=self._regions, today=today)
        return Reading(None, dict(found.values), text, dict(found.refused))
