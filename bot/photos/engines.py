"""The local OCR engines behind one interface: an image in, words with boxes out.

Both run on this server from what the package registries ship: RapidOCR's ONNX models
come inside its wheel; Tesseract's Indonesian model is Debian's `tesseract-ocr-ind`.
Engines load lazily (a model takes a moment and memory) and are kept for the process.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from bot.photos.image import Image, grey

TESSDATA_DIRS = (
    Path("/usr/share/tesseract-ocr/5/tessdata"),
    Path("/usr/share/tesseract-ocr/4.00/tessdata"),
    Path("/usr/share/tessdata"),
)


@dataclass(frozen=True)
class TextBox:
    text: str
    left: float
    top: float
    right: float
    bottom: float
    confidence: float  # 0..1

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def height(self) -> float:
        return self.bottom - self.top


class OcrEngine(Protocol):
    name: str

    def read(self, image: Image) -> list[TextBox]: ...


class EngineUnavailable(RuntimeError):
    """The engine's package or model is not installed here."""


class TesseractEngine:
    """Tesseract 5 through tesserocr, with Debian's Indonesian LSTM model."""

    name = "tesseract"

    def __init__(self, tessdata: Path | None = None, language: str = "ind") -> None:
        self._tessdata = tessdata or _tessdata_dir(language)
        self._language = language
        self._api: Any = None
        self._lock = threading.Lock()

    def read(self, image: Image) -> list[TextBox]:
        import tesserocr
        from PIL import Image as PilImage

        with self._lock:  # one Tesseract instance is not thread-safe
            if self._api is None:
                self._api = tesserocr.PyTessBaseAPI(
                    path=str(self._tessdata),
                    lang=self._language,
                    psm=tesserocr.PSM.SPARSE_TEXT,
                )
            api = self._api
            api.SetImage(PilImage.fromarray(grey(image)))
            api.Recognize()
            boxes: list[TextBox] = []
            iterator = api.GetIterator()
            level = tesserocr.RIL.WORD
            for word in tesserocr.iterate_level(iterator, level):
                text = word.GetUTF8Text(level)
                box = word.BoundingBox(level)
                if not text or not text.strip() or box is None:
                    continue
                left, top, right, bottom = box
                confidence = float(word.Confidence(level)) / 100
                boxes.append(TextBox(text.strip(), left, top, right, bottom, confidence))
            return boxes


class RapidOcrEngine:
    """RapidOCR (PaddleOCR's detection and recognition models on ONNX Runtime)."""

    name = "rapidocr"

    def __init__(self, threads: int = 2) -> None:
        self._threads = threads
        self._engine: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        try:
            from rapidocr import RapidOCR
        except ImportError as missing:  # pragma: no cover - depends on the installation
            raise EngineUnavailable("rapidocr is not installed") from missing
        return RapidOCR(
            params={
                "Global.log_level": "error",
                "Global.use_cls": False,  # cards are straightened before reading
                # Detect on the card as it is (about 750 x 630 px): the default scales its
                # shorter side up to 736 px, which doubles the work for no better reading.
                "Det.limit_type": "max",
                "Det.limit_side_len": 736,
                "EngineConfig.onnxruntime.intra_op_num_threads": self._threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            }
        )

    def read(self, image: Image) -> list[TextBox]:
        with self._lock:
            if self._engine is None:
                self._engine = self._load()
            result = self._engine(np.ascontiguousarray(image))
        boxes: list[TextBox] = []
        if result.boxes is None or result.txts is None:
            return boxes
        for points, text, score in zip(result.boxes, result.txts, result.scores, strict=False):
            xs = [float(p[0]) for p in points]
            ys = [float(p[1]) for p in points]
            boxes.append(TextBox(str(text), min(xs), min(ys), max(xs), max(ys), float(score)))
        return boxes


def _tessdata_dir(language: str) -> Path:
    for folder in TESSDATA_DIRS:
        if (folder / f"{language}.traineddata").exists():
            return folder
    raise EngineUnavailable(f"no {language}.traineddata: install Debian's tesseract-ocr-{language}")


def make_engine(name: str) -> OcrEngine:
    if name == "tesseract":
        return TesseractEngine()
    if name == "rapidocr":
        return RapidOcrEngine()
    raise ValueError(f"unknown OCR engine {name!r}")
