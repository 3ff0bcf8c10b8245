"""The fake's PNGs are valid files: signature, chunk CRCs, 8x8 RGB pixels of one colour."""

from __future__ import annotations

import struct
import zlib

from modelyard.testing.images import colour_for, png


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    found = []
    position = 8
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        found.append((kind, body))
        position += 12 + length
    return found


def test_png_is_valid_and_filled_with_its_colour() -> None:
    data = png("ff8000")
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    parts = chunks(data)
    assert [kind for kind, _ in parts] == [b"IHDR", b"IDAT", b"IEND"]
    width, height, depth, colour_type = struct.unpack(">IIBB", parts[0][1][:10])
    assert (width, height, depth, colour_type) == (8, 8, 8, 2)
    rows = zlib.decompress(parts[1][1])
    assert rows == (b"\x00" + b"\xff\x80\x00" * 8) * 8


def test_colour_comes_from_the_seed() -> None:
    assert colour_for("abcdef0123") == "abcdef"
    assert png(colour_for("abcdef0123")) != png(colour_for("123456"))
