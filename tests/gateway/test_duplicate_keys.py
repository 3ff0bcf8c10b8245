"""The cheap count never lets a repeated key through, whatever the writer's spacing or escapes,
and finds none in bodies without one."""

from __future__ import annotations

import json
import random
from typing import Any

import orjson
import pytest

from modelyard.gateway.duplicate_keys import find_duplicate


def _check(raw: bytes) -> str | None:
    return find_duplicate(raw, orjson.loads(raw))


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        (b'{"a":1,"a":2}', "a"),
        (b'{"x": {"b": [{"c": 1, "c" : 2}]}}', "c"),
        (b'{"a":1,"\\u0061":2}', "a"),
        # a dropped key's two quotes hidden by writing two quotes of a kept string as \u0022
        (b'{"s":"\\u0022\\u0022","b":1,"b":2}', "b"),
        (b'{"s":"\\"\\"","b":"x","b":"y"}', "b"),
        (b'{"k\\\\":1,"k\\\\":2}', "k\\"),
        (b'[{"a":1},{"b":{"z":[],"z":{}}}]', "z"),
        (b'{"d":' + b'{"d":' * 300 + b'{"k":1,"k":2}' + b"}" * 301, "k"),
        (b'{"m":"' + b"A" * 100_000 + b'","m":"x"}', "m"),  # large: the tree is counted
    ],
)
def test_a_repeated_key_is_found(raw: bytes, key: str) -> None:
    assert _check(raw) == key


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a":"say \\"hi\\": done","b\\\\":1}',
        b'{"a" : 1 , "b" :\n 2}',
        b'{"s":"\\u0022","t":"\\u0022:"}',
        b"[" * 600 + b'{"a":1}' + b"]" * 600,  # deeper than orjson writes back
        b'{"input":[' + b",".join([b"[1,2,3]"] * 5000) + b"]}",
        b'{"m":"' + b"A" * 100_000 + b'","n":"\\"q\\""}',
    ],
)
def test_bodies_without_a_repeated_key_pass(raw: bytes) -> None:
    assert _check(raw) is None


def _random_value(rng: random.Random, depth: int) -> Any:
    kind = rng.randrange(6 if depth < 4 else 3)
    if kind == 0:
        return rng.choice([1, -2.5, True, None])
    if kind in (1, 2):
        return "".join(rng.choice(['"', ":", "\\", " ", "a", "é", "\n", "{"]) for _ in range(6))
    if kind == 3:
        return [_random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {
        rng.choice(["a", "b", 'q"', "c\\", "d:"]): _random_value(rng, depth + 1)
        for _ in range(rng.randrange(4))
    }


def _with_a_repeat(rng: random.Random, raw: str) -> str:
    """The same text with one more ``"a": 1`` pair after an object's first key, if any."""
    at = raw.find('{"a": ')
    if at == -1:
        return raw
    return raw[: at + 1] + '"a": 1, ' + raw[at + 1 :]


def test_random_bodies_agree_with_an_exact_parse() -> None:
    rng = random.Random(12)
    for _ in range(3000):
        value = {"a": _random_value(rng, 0), "z": _random_value(rng, 0)}
        styles = [
            json.dumps(value),
            json.dumps(value, ensure_ascii=False),
            json.dumps(value, indent=1, separators=(",", " : ")),
            orjson.dumps(value).decode(),
        ]
        for text in styles:
            assert _check(text.encode()) is None, text
            repeated = _with_a_repeat(rng, text)
            if repeated != text:
                assert _check(repeated.encode()) == "a", repeated
