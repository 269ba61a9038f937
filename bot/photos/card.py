"""Finding an ID card (KTP, KK page) in a phone photo and straightening it.

The card is the largest bright, low-texture region: it is segmented on a smoothed
brightness map with Otsu's threshold, and its outline is reduced to four sides. A finger
over a corner bites a notch out of the outline; taking the four longest sides and
intersecting them puts the hidden corner back where it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from bot.photos.image import Image, grey, scaled

# The ISO/IEC 7810 ID-1 card: 85.60 x 53.98 mm.
CARD_RATIO = 85.60 / 53.98
CARD_WIDTH = 1000
CARD_HEIGHT = round(CARD_WIDTH / CARD_RATIO)
_WORK_SIZE = 640
Corners = NDArray[Any]


@dataclass(frozen=True)
class Found:
    corners: Corners  # top-left, top-right, bottom-right, bottom-left, in photo pixels
    area_share: float  # of the photo covered by the card
    touches_edge: bool  # the card runs into the photo's border: part of it is cut off
    ratio: float  # long side / short side of the outline found


def find_card(image: Image) -> Found | None:
    small, factor = scaled(image, _WORK_SIZE)
    height, width = small.shape[:2]
    for outlines in (_pale_outlines(small), _edge_outlines(small)):
        found = [c for c in (_candidate(o, width, height) for o in outlines) if c is not None]
        if found:
            # The most card-like outline: large, and filling its four corners well.
            _, corners, share, touches, ratio = max(found, key=lambda c: c[0])
            return Found((corners / factor).astype(np.float32), share, touches, ratio)
    return _cut_off(_pale_outlines(small), width, height, factor)


def _cut_off(outlines: list[NDArray[Any]], width: int, height: int, factor: float) -> Found | None:
    """A large pale patch running into the photo's edge: most likely a card cut off."""
    if not outlines:
        return None
    outline = outlines[0]
    area = cv2.contourArea(outline)
    x, y, w, h = cv2.boundingRect(outline)
    touches = x <= 2 or y <= 2 or x + w >= width - 3 or y + h >= height - 3
    if area < 0.08 * width * height or not touches or area > 0.9 * width * height:
        return None
    box = _ordered(np.asarray(cv2.boxPoints(cv2.minAreaRect(outline)), dtype=np.float32))
    return Found((box / factor).astype(np.float32), area / (width * height), True, _ratio(box))


_Candidate = tuple[float, Corners, float, bool, float]


def _pale_outlines(small: Image) -> list[NDArray[Any]]:
    contours, _ = cv2.findContours(_bright_mask(small), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    return [max(contours, key=cv2.contourArea)] if contours else []


def _edge_outlines(small: Image) -> list[NDArray[Any]]:
    """A card on a white or grey table is as pale as the table, but its border is a line."""
    edges = cv2.Canny(cv2.GaussianBlur(grey(small), (5, 5), 0), 30, 90)
    edges = cv2.dilate(edges, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    contours, _ = cv2.findContours(edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    return sorted(contours, key=cv2.contourArea, reverse=True)[:5]


def _candidate(outline: NDArray[Any], width: int, height: int) -> _Candidate | None:
    area = cv2.contourArea(outline)
    if area < 0.08 * width * height:
        return None
    hull = cv2.convexHull(outline)
    corners = _four_corners(hull)
    if corners is None:
        return None
    corners = _ordered(corners)
    quad_area = float(cv2.contourArea(corners))
    if quad_area <= 0:
        return None
    fill = min(area, quad_area) / max(area, quad_area)
    ratio = _ratio(corners)
    if fill < 0.8 or not 1.15 <= ratio <= 2.2:
        return None
    # Cut off: a corner of the card (found or put back from its sides) is not in the photo.
    margin = 2
    xs, ys = corners[:, 0], corners[:, 1]
    touches = bool(
        xs.min() <= margin
        or ys.min() <= margin
        or xs.max() >= width - 1 - margin
        or ys.max() >= height - 1 - margin
    )
    share = quad_area / (width * height)
    return share * fill, corners, share, touches, ratio


def _ratio(corners: Corners) -> float:
    sides = [float(np.linalg.norm(corners[(i + 1) % 4] - corners[i])) for i in range(4)]
    across, down = sides[0] + sides[2], sides[1] + sides[3]
    return max(across, down) / max(1.0, min(across, down))


def straighten(image: Image, corners: Corners) -> Image:
    """The card seen from straight above, CARD_WIDTH x CARD_HEIGHT pixels, landscape."""
    top = np.linalg.norm(corners[1] - corners[0])
    side = np.linalg.norm(corners[3] - corners[0])
    if side > top:
        # Held in portrait: turn so that the long side is horizontal.
        corners = np.roll(corners, -1, axis=0)
    target = np.array(
        [[0, 0], [CARD_WIDTH - 1, 0], [CARD_WIDTH - 1, CARD_HEIGHT - 1], [0, CARD_HEIGHT - 1]],
        dtype=np.float32,
    )
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), target)
    return cv2.warpPerspective(
        image, matrix, (CARD_WIDTH, CARD_HEIGHT), flags=cv2.INTER_CUBIC
    ).astype(np.uint8)


def _bright_mask(small: Image) -> Image:
    hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV).astype(np.float32)
    # The card is bright and pale; skin and wood are more saturated for their brightness.
    raw = np.clip(hsv[:, :, 2] - 3.0 * hsv[:, :, 1] + 128.0, 0, 255).astype(np.uint8)
    score = cv2.GaussianBlur(raw, (0, 0), 2)
    _, mask = cv2.threshold(score, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
    return cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)


def _four_corners(hull: NDArray[Any]) -> Corners | None:
    perimeter = cv2.arcLength(hull, True)
    for share in (0.02, 0.01, 0.03, 0.005):
        polygon = cv2.approxPolyDP(hull, share * perimeter, True)[:, 0, :].astype(np.float64)
        if len(polygon) == 4:
            return polygon.astype(np.float32)
        if len(polygon) > 4:
            found = _from_longest_sides(polygon)
            if found is not None:
                return found
    box = cv2.boxPoints(cv2.minAreaRect(hull))
    return np.asarray(box, dtype=np.float32)


def _from_longest_sides(polygon: NDArray[np.float64]) -> Corners | None:
    count = len(polygon)
    sides = [(polygon[i], polygon[(i + 1) % count], i) for i in range(count)]
    longest = sorted(sides, key=lambda s: -float(np.linalg.norm(s[1] - s[0])))[:4]
    longest.sort(key=lambda s: s[2])
    corners = []
    for i in range(4):
        a, b = longest[i], longest[(i + 1) % 4]
        point = _intersection(a[0], a[1], b[0], b[1])
        if point is None:
            return None
        corners.append(point)
    return np.array(corners, dtype=np.float32)


def _intersection(
    p1: NDArray[np.float64],
    p2: NDArray[np.float64],
    p3: NDArray[np.float64],
    p4: NDArray[np.float64],
) -> NDArray[np.float64] | None:
    d1, d2 = p2 - p1, p4 - p3
    cross = d1[0] * d2[1] - d1[1] * d2[0]
    if abs(cross) < 1e-6 * np.linalg.norm(d1) * np.linalg.norm(d2):
        return None
    t = ((p3[0] - p1[0]) * d2[1] - (p3[1] - p1[1]) * d2[0]) / cross
    return np.asarray(p1 + t * d1, dtype=np.float64)


def _ordered(corners: Corners) -> Corners:
    """Top-left, top-right, bottom-right, bottom-left (clockwise from the top-left)."""
    centre = corners.mean(axis=0)
    angles = np.arctan2(corners[:, 1] - centre[1], corners[:, 0] - centre[0])
    clockwise = corners[np.argsort(angles)]
    start = int(np.argmin(clockwise.sum(axis=1)))
    return np.roll(clockwise, -start, axis=0).astype(np.float32)
