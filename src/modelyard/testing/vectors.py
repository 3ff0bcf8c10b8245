"""Deterministic embedding vectors, so similarity tests can be exact.

A text ``vec:0.6,0.8`` embeds to exactly that vector (normalised, padded with zeros or cut to
the dimensions), which lets a test build two texts with a known cosine similarity. Any other
text embeds to a unit vector drawn from a hash of the text: the same text always gives the
same vector, different texts give unrelated ones.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import struct
from typing import Any

DEFAULT_DIMENSIONS = 8
MAX_DIMENSIONS = 8192

_SUFFIX = re.compile(r"-([1-9][0-9]{1,3})$")


def dimensions_for(model: str, requested: Any) -> int:
    """``dimensions`` if given, else a ``-<N>`` suffix of the model ("fake-embed-1536"), else 8."""
    if isinstance(requested, int) and not isinstance(requested, bool) and requested > 0:
        return min(requested, MAX_DIMENSIONS)
    match = _SUFFIX.search(model)
    if match:
        return min(int(match.group(1)), MAX_DIMENSIONS)
    return DEFAULT_DIMENSIONS


def embed(text: str, dimensions: int) -> list[float]:
    """The unit vector of ``text`` with ``dimensions`` components."""
    if text.startswith("vec:"):
        given = _parse_vec(text[4:], dimensions)
        if given is not None:
            return given
    raw = hashlib.shake_128(text.encode()).digest(2 * dimensions)
    values = [(v - 32767.5) / 32767.5 for v in struct.unpack(f"<{dimensions}H", raw)]
    return _normalise(values)


def embed_tokens(tokens: list[Any], dimensions: int) -> list[float]:
    """The vector of a token-id array (hashed from the ids)."""
    return embed("tokens:" + ",".join(str(t) for t in tokens), dimensions)


def to_base64(vector: list[float]) -> str:
    """Little-endian float32, base64: OpenAI's ``encoding_format: "base64"``."""
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()


def _parse_vec(spec: str, dimensions: int) -> list[float] | None:
    try:
        values = [float(part) for part in spec.split(",")]
    except ValueError:
        return None
    values = (values + [0.0] * dimensions)[:dimensions]
    if not all(math.isfinite(v) for v in values) or not any(values):
        return None
    return _normalise(values)


def _normalise(values: list[float]) -> list[float]:
    norm = math.sqrt(sum(v * v for v in values))
    if abs(norm - 1.0) < 1e-9:
        return values
    return [v / norm for v in values]
