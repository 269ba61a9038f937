"""Decoding a photo and the views the checks share."""

from __future__ import annotations

import io
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image as PilImage

from models.blobs import MAX_PIXELS

# OpenCV's stubs type most results loosely; one alias keeps the signatures readable.
Image = NDArray[Any]


def decode(data: bytes) -> Image | None:
    """The photo as a BGR array; None when the bytes are not an image OpenCV can read."""
    buffer = np.frombuffer(data, dtype=np.uint8)
    if buffer.size == 0 or not _plausible_size(data):
        return None
    image = cv2.imdecode(buffer, cv2.IMREAD_COLOR)
    return image if image is not None and image.size else None


def grey(image: Image) -> Image:
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def scaled(image: Image, longest: int) -> tuple[Image, float]:
    """The image with its longest side at most `longest` pixels, and the factor used."""
    height, width = image.shape[:2]
    factor = min(1.0, longest / max(height, width))
    if factor == 1.0:
        return image, 1.0
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), factor


def sharpness(image: Image) -> float:
    """Variance of the Laplacian: low for a blurred picture."""
    return float(cv2.Laplacian(grey(image), cv2.CV_64F).var())


def _plausible_size(data: bytes) -> bool:
    """Reads only the header (Pillow opens lazily) to check the size the file claims."""
    try:
        with PilImage.open(io.BytesIO(data)) as header:
            width, height = header.size
    except (OSError, ValueError, PilImage.DecompressionBombError):
        return False
    return 0 < width * height <= MAX_PIXELS
