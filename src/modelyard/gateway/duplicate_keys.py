"""Duplicate keys in a JSON body, found without slowing the common body down.

orjson keeps the last of two equal keys silently, so ``{"model": "cheap", ..., "model":
"premium"}`` would mean one thing to us and another to whatever read the body before us. A second
parse with ``object_pairs_hook`` sees every pair, but costs several times orjson's; it runs only
when a count of quote characters says a key may have been dropped:

- in valid JSON every ``"`` is a string's delimiter or an escaped quote inside one (``\\"``; the
  only other way to write a quote is ``\\u0022``);
- orjson writes back what it kept with two delimiters a string and ``\\"`` for each quote in one;
- so when the body has no ``u0022``, its quotes minus those of orjson's copy are twice the
  strings it dropped plus the quotes inside them: zero exactly when no key was dropped.

Three C-speed passes over the bytes (about 2-3 µs for a 2 KB chat body, bench/json_body.py);
over 64 KB (images in data URLs, token arrays) the kept quotes are counted on the parsed tree
instead of on a copy. The exact parse runs only for a body with a duplicate or a ``\\u0022``.
"""

from __future__ import annotations

import json
from itertools import repeat
from typing import Any

import orjson


class _Duplicate(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


_COPY_BELOW = 64 * 1024


def _quotes_kept(value: Any) -> int:
    """The quotes orjson would write for ``value``, counted without writing it: two a string
    plus the quotes inside. A long list of numbers or of strings is done at C speed (``sum`` and
    ``join`` refuse anything else with a TypeError)."""
    quotes = 0
    stack = [value]
    while stack:
        node = stack.pop()
        if type(node) is dict:
            items: Any = node.values()
            quotes += 2 * len(node) + sum(map(str.count, node, repeat('"')))
        else:
            items = node
            if len(node) > 16:
                try:
                    sum(node)
                    continue  # numbers only
                except TypeError:
                    pass
                try:
                    joined = "".join(node)
                    quotes += 2 * len(node) + (joined.count('"') if '"' in joined else 0)
                    continue  # strings only
                except TypeError:
                    pass
        for item in items:
            kind = type(item)
            if kind is str:
                quotes += 2 + (item.count('"') if '"' in item else 0)
            elif kind is dict or kind is list:
                stack.append(item)
    return quotes


def _quotes_in(raw: bytes) -> int:
    """``raw.count(b'"')``; a large body (a data-URL image: megabytes, few quotes) is searched
    quote to quote instead (``find`` skips at memchr speed, ``count`` looks at every byte)."""
    if len(raw) < _COPY_BELOW:
        return raw.count(b'"')
    found, at = 0, raw.find(b'"')
    while at != -1:
        found += 1
        if found > 1000:
            return raw.count(b'"')
        at = raw.find(b'"', at + 1)
    return found


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Duplicate(key)
            seen.add(key)
    return result


def find_duplicate(raw: bytes, parsed: Any) -> str | None:
    """The first key that appears twice in one object of ``raw``, or None. ``parsed`` is what
    orjson made of ``raw`` (so ``raw`` is valid JSON).

    Raises ``RecursionError`` for a body nested deeper than the exact parse can follow (which
    runs only when the quote count is inconclusive)."""
    try:
        kept = orjson.dumps(parsed).count(b'"') if len(raw) < _COPY_BELOW else None
    except orjson.JSONEncodeError:  # nested deeper than orjson writes (255 levels)
        kept = None
    if kept is None:
        kept = _quotes_kept(parsed)
    if _quotes_in(raw) == kept and (b"\\" not in raw or b"u0022" not in raw):
        return None
    try:
        json.loads(raw, object_pairs_hook=_pairs)
    except _Duplicate as exc:
        return exc.key
    return None
