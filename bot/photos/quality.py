"""Is this photo good enough? Each problem has a code the conversation explains.

The codes, in the order they are checked (the first found is the one explained):
- `too_small`: fewer pixels than a readable card needs (a thumbnail, a forwarded preview);
- `too_dark` / `overexposed`: the picture (or the card in it) is mostly black or white;
- `no_card`: no card-shaped outline in the photo (KTP and KK only);
- `card_cut`: the card runs off the photo's edge (KTP and KK only);
- `card_far`: the card is in the photo but too small to read (KTP and KK only);
- `screen`: a photo of a phone or computer screen: the screen's pixel grid shows as
  regular stripes (moiré) in the picture's spectrum;
- `blurred`: the variance of the Laplacian (how much fine detail there is) is too low.

Thresholds were set on the benchmark's generated photos (benchmarks/ktp_ocr.py) so that
every deliberately bad photo is refused and the ordinary damaged ones are not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from bot.photos.card import CARD_HEIGHT, CARD_WIDTH, Found, find_card, straighten
from bot.photos.image import Image, grey, scaled, sharpness

Problem = Literal[
    "too_small", "too_dark", "overexposed", "no_card", "card_cut", "card_far", "screen", "blurred"
]
Subject = Literal["ktp", "kk", "house", "other"]

MIN_PIXELS = {"ktp": 600, "kk": 800, "house": 320, "other": 320}  # shorter side
MIN_CARD_WIDTH = 560  # pixels across the card in the photo
DARK_MEAN, DARK_SHARE = 55.0, 0.6
BRIGHT_SHARE = 0.35  # share of the card clipped to white
BLUR_CARD = 60.0  # Laplacian variance of the straightened card
BLUR_PHOTO = 25.0  # of a house photo, scaled to 1000 px
MOIRE_PEAK = 150.0


@dataclass(frozen=True)
class Checked:
    problem: Problem | None
    card: Image | None = None  # the straightened card, when one was looked for and found
    found: Found | None = None
    measures: dict[str, float] | None = None


def check(image: Image, subject: Subject) -> Checked:
    height, width = image.shape[:2]
    if min(height, width) < MIN_PIXELS[subject]:
        return Checked("too_small")
    view, _ = scaled(image, 1000)
    lighting = _lighting(grey(view))
    if lighting is not None:
        return Checked(lighting)
    pixels = grey(image)
    if subject not in ("ktp", "kk"):
        if _moire(pixels, (width / 2, height / 2)) > MOIRE_PEAK:
            return Checked("screen")
        if sharpness(view) < BLUR_PHOTO:
            return Checked("blurred")
        return Checked(None)
    found = find_card(image)
    centre = found.corners.mean(axis=0) if found is not None else (width / 2, height / 2)
    moire = _moire(pixels, (float(centre[0]), float(centre[1])))
    if moire > MOIRE_PEAK:
        return Checked("screen", found=found)
    if found is None:
        return Checked("no_card")
    if found.touches_edge:
        return Checked("card_cut", found=found)
    across = float(np.linalg.norm(found.corners[1] - found.corners[0]))
    if across < MIN_CARD_WIDTH:
        return Checked("card_far", found=found)
    card = straighten(image, found.corners)
    measures = {"sharpness": _card_sharpness(card), "moire": moire}
    card_light = _lighting(grey(card), card=True)
    if card_light is not None:
        return Checked(card_light, card, found, measures)
    if measures["sharpness"] < BLUR_CARD:
        return Checked("blurred", card, found, measures)
    return Checked(None, card, found, measures)


def _lighting(pixels: Image, *, card: bool = False) -> Problem | None:
    mean = float(pixels.mean())
    if mean < DARK_MEAN or float((pixels < 40).mean()) > DARK_SHARE:
        return "too_dark"
    if card and float((pixels > 245).mean()) > BRIGHT_SHARE:
        return "overexposed"
    if not card and float((pixels > 245).mean()) > 0.3:
        return "overexposed"
    return None


def _card_sharpness(card: Image) -> float:
    # The text area only: the photo box's edges are sharp even on a blurred picture.
    text = card[int(0.25 * CARD_HEIGHT) : int(0.9 * CARD_HEIGHT), : int(0.7 * CARD_WIDTH)]
    return sharpness(text)


def _moire(pixels: Image, centre: tuple[float, float]) -> float:
    """How far the strongest regular pattern stands above the rest of the fine detail.

    Print and text spread their fine detail over many frequencies; a screen's pixel grid
    seen by a camera puts it into a few sharp peaks. Measured on a 256-pixel patch at full
    resolution (scaling down would fold the stripes away), where the card is.
    """
    size = 256
    height, width = pixels.shape[:2]
    if min(height, width) < size:
        return 0.0
    left = int(max(0, min(width - size, centre[0] - size / 2)))
    top = int(max(0, min(height - size, centre[1] - size / 2)))
    patch = pixels[top : top + size, left : left + size].astype(np.float32)
    patch -= float(patch.mean())
    patch *= np.outer(np.hanning(size), np.hanning(size)).astype(np.float32)
    spectrum = np.abs(np.fft.fftshift(np.fft.fft2(patch)))
    middle = size // 2
    yy, xx = np.mgrid[0:size, 0:size]
    radius = np.hypot(yy - middle, xx - middle)
    band = spectrum[(radius > size * 0.15) & (radius < size * 0.5)]
    return float(band.max() / (np.median(band) + 1e-6))
