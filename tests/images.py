"""Images for tests, built by hand so no imaging library is needed."""

from __future__ import annotations

import struct
import zlib


def tiny_png(width: int = 48, height: int = 32) -> bytes:
    """A valid RGB PNG (a small house on a sky), built by hand so tests need no imaging
    library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    def pixel(x: int, y: int) -> bytes:
        if y >= height * 3 // 4:
            return bytes((96, 160, 72))  # grass
        if width // 3 <= x < 2 * width // 3 and y >= height // 3:
            return bytes((190, 90, 60))  # wall
        return bytes((150, 200, 235))  # sky

    rows = b"".join(
        b"\x00" + b"".join(pixel(x, y) for x in range(width))  # filter byte 0, then RGB
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
