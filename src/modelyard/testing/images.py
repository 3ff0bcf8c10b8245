"""Tiny valid PNG images for the fake's image answers.

Real image models return large pictures; tests and benchmarks only need a file that decodes.
Each image is an 8x8 square of one colour derived from the prompt, so different prompts give
different files and the same prompt gives the same bytes.
"""

from __future__ import annotations

import base64
import struct
import zlib
from functools import lru_cache

SIDE = 8


def colour_for(seed: str) -> str:
    """A six-digit hex colour derived from ``seed`` (a request digest)."""
    return seed[:6].ljust(6, "0")


@lru_cache(maxsize=1024)
def png(colour: str) -> bytes:
    """An 8x8 RGB PNG filled with ``colour`` (six hex digits)."""
    rgb = bytes.fromhex(colour)
    rows = b"".join(b"\x00" + rgb * SIDE for _ in range(SIDE))
    header = struct.pack(">IIBBBBB", SIDE, SIDE, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows))
        + _chunk(b"IEND", b"")
    )


@lru_cache(maxsize=1024)
def png_base64(colour: str) -> str:
    return base64.b64encode(png(colour)).decode()


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)
