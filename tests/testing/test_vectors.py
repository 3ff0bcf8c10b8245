"""Embedding rules: dimensions, hashed vectors and exact ``vec:`` vectors."""

from __future__ import annotations

import base64
import math
import struct

import pytest

from modelyard.testing.vectors import dimensions_for, embed, embed_tokens, to_base64


def test_dimensions_rule() -> None:
    assert dimensions_for("anything", None) == 8
    assert dimensions_for("fake-embed-1536", None) == 1536
    assert dimensions_for("fake-embed-1536", 32) == 32
    assert dimensions_for("text-embedding-ada-002", None) == 8
    assert dimensions_for("text-embedding-3-small", None) == 8
    assert dimensions_for("m", True) == 8


def test_hashed_vectors_are_unit_and_stable() -> None:
    first = embed("some text", 16)
    assert first == embed("some text", 16)
    assert first != embed("other text", 16)
    assert math.isclose(math.fsum(x * x for x in first), 1.0)
    assert embed_tokens([1, 2], 8) == embed("tokens:1,2", 8)


def test_vec_rule() -> None:
    assert embed("vec:0.6,0.8", 3) == [0.6, 0.8, 0.0]
    assert embed("vec:3,4", 2) == pytest.approx([0.6, 0.8])
    assert embed("vec:1,2,3", 1) == [1.0]
    assert embed("vec:0,0", 2) == embed("vec:0,0", 2)  # all zero: falls back to the hash
    assert math.isclose(math.fsum(x * x for x in embed("vec:0,0", 2)), 1.0)
    assert len(embed("vec:not,numbers", 4)) == 4


def test_base64_is_little_endian_float32() -> None:
    packed = base64.b64decode(to_base64([0.5, -1.0]))
    assert packed == struct.pack("<2f", 0.5, -1.0)
