"""The SCIM filter grammar (RFC 7644 §3.4.2.2), parsed by recursive descent and evaluated on
resource dicts; also the attribute paths of PATCH (``emails[type eq "work"].value``).

Precedence as the RFC says: ``not`` and parentheses, then ``and``, then ``or``. Attribute
names are case-insensitive and may carry the core schema's URN; an attribute of another schema
(the enterprise extension) never matches. Strings compare ignoring case except ``id`` and
``externalId`` (case-exact, RFC 7643 §3.1). Anything malformed is a 400 ``invalidFilter``
naming what was wrong and where.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from modelyard.scim.errors import ScimError, invalid_filter

_TOKEN = re.compile(
    r'\s*(?:(?P<punct>[()\[\]])|(?P<string>"(?:[^"\\]|\\.)*")|(?P<word>[^\s()\[\]"]+))'
)
COMPARE_OPS = frozenset({"eq", "ne", "co", "sw", "ew", "gt", "lt", "ge", "le"})
_CASE_EXACT = frozenset({"id", "externalid"})
_MAX_FILTER_CHARS = 4000


@dataclass(frozen=True, slots=True)
class AttrPath:
    """``attr`` or ``attr.sub``, lower-cased; ``foreign`` when it names another schema."""

    attr: str
    sub: str | None = None
    foreign: bool = False

    def __str__(self) -> str:
        return f"{self.attr}.{self.sub}" if self.sub else self.attr


@dataclass(frozen=True, slots=True)
class Compare:
    path: AttrPath
    op: str
    value: Any


@dataclass(frozen=True, slots=True)
class Present:
    path: AttrPath


@dataclass(frozen=True, slots=True)
class ValuePath:
    """``attr[filter]``: an element of the multi-valued ``attr`` matches ``filter``."""

    path: AttrPath
    filter: Node


@dataclass(frozen=True, slots=True)
class Logical:
    op: str  # "and" | "or"
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Not:
    inner: Node


Node = Compare | Present | ValuePath | Logical | Not


def tokenize(text: str) -> list[tuple[str, str]]:
    """(kind, text) pairs: kind is ``punct``, ``string`` or ``word``."""
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        found = _TOKEN.match(text, position)
        if found is None or found.end() == position:
            raise invalid_filter(f"Unexpected character at position {position} of the filter.")
        kind = found.lastgroup or "word"
        tokens.append((kind, found.group(kind)))
        position = found.end()
    return tokens


def parse_attr_path(word: str, core_schema: str | None = None) -> AttrPath:
    """``name.givenName`` or ``urn:...:User:name.givenName`` (the URN of ``core_schema`` or any
    other, which makes it ``foreign``)."""
    foreign = False
    if word.lower().startswith("urn:"):
        prefix, _, word = word.rpartition(":")
        foreign = core_schema is None or prefix.lower() != core_schema.lower()
    if not re.fullmatch(r"[A-Za-z$][\w$-]*(\.[A-Za-z$][\w$-]*)?", word):
        raise invalid_filter(f"'{word}' is not an attribute name.")
    attr, _, sub = word.lower().partition(".")
    return AttrPath(attr, sub or None, foreign)


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], core_schema: str | None) -> None:
        self.tokens = tokens
        self.at = 0
        self.core_schema = core_schema

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise invalid_filter("The filter ends too early.")
        self.at += 1
        return token

    def expect(self, punct: str) -> None:
        kind, text = self.take()
        if kind != "punct" or text != punct:
            raise invalid_filter(f"Expected '{punct}' in the filter, found '{text}'.")

    def is_word(self, *words: str) -> bool:
        token = self.peek()
        return token is not None and token[0] == "word" and token[1].lower() in words

    def parse_or(self) -> Node:
        node = self.parse_and()
        while self.is_word("or"):
            self.at += 1
            node = Logical("or", node, self.parse_and())
        return node

    def parse_and(self) -> Node:
        node = self.parse_unary()
        while self.is_word("and"):
            self.at += 1
            node = Logical("and", node, self.parse_unary())
        return node

    def parse_unary(self) -> Node:
        token = self.peek()
        if token == ("punct", "("):
            self.at += 1
            node = self.parse_or()
            self.expect(")")
            return node
        if self.is_word("not"):
            self.at += 1
            self.expect("(")
            node = self.parse_or()
            self.expect(")")
            return Not(node)
        return self.parse_attr_expression()

    def parse_attr_expression(self) -> Node:
        kind, text = self.take()
        if kind != "word":
            raise invalid_filter(f"Expected an attribute name in the filter, found '{text}'.")
        path = parse_attr_path(text, self.core_schema)
        if self.peek() == ("punct", "["):
            self.at += 1
            inner = self.parse_or()
            self.expect("]")
            after = self.peek()
            if after is not None and after[0] == "word" and after[1].startswith("."):
                # ``emails[type eq "work"].value eq "x"`` (Entra): an element passing both.
                self.at += 1
                sub = parse_attr_path(after[1][1:])
                inner = Logical("and", inner, self.parse_comparison(sub, after[1]))
            return ValuePath(path, inner)
        return self.parse_comparison(path, text)

    def parse_comparison(self, path: AttrPath, text: str) -> Node:
        kind, op = self.take()
        op = op.lower()
        if kind == "word" and op == "pr":
            return Present(path)
        if kind != "word" or op not in COMPARE_OPS:
            raise invalid_filter(f"'{op}' is not a comparison operator (after '{text}').")
        return Compare(path, op, self.parse_value())

    def parse_value(self) -> Any:
        kind, text = self.take()
        if kind == "string":
            try:
                return json.loads(text)
            except ValueError:
                raise invalid_filter(f"The string {text} in the filter is malformed.") from None
        lowered = text.lower()
        if kind == "word" and lowered in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[lowered]
        if kind == "word" and re.fullmatch(r"-?\d+(\.\d+)?([eE][+-]?\d+)?", text):
            return json.loads(text)
        raise invalid_filter(f"'{text}' is not a value: quote strings (\"...\").")


def parse(text: str, core_schema: str | None = None) -> Node:
    """The filter's tree; 400 ``invalidFilter`` naming what is wrong."""
    if len(text) > _MAX_FILTER_CHARS:
        raise invalid_filter(f"The filter is longer than {_MAX_FILTER_CHARS} characters.")
    if not text.strip():
        raise invalid_filter("The filter is empty.")
    parser = _Parser(tokenize(text), core_schema)
    try:
        node = parser.parse_or()
    except RecursionError:
        raise invalid_filter("The filter is nested too deeply.") from None
    if parser.peek() is not None:
        raise invalid_filter(f"Unexpected '{parser.peek()[1]}' in the filter.")  # type: ignore[index]
    return node


def parse_inner(parser_tokens: list[tuple[str, str]], core_schema: str | None) -> Node:
    """A filter given as tokens (inside a PATCH path's brackets)."""
    parser = _Parser(parser_tokens, core_schema)
    node = parser.parse_or()
    if parser.peek() is not None:
        raise invalid_filter(f"Unexpected '{parser.peek()[1]}' in the filter.")  # type: ignore[index]
    return node


def get_ci(item: dict[str, Any], name: str) -> Any:
    """``item[name]`` ignoring case (SCIM attribute names are case-insensitive)."""
    for key, value in item.items():
        if key.lower() == name:
            return value
    return None


def values_at(resource: dict[str, Any], path: AttrPath) -> list[Any]:
    """Every value at ``path`` (a multi-valued attribute's elements flattened); a complex
    element without a sub-attribute stands for its ``value``."""
    if path.foreign:
        return []
    found = get_ci(resource, path.attr)
    items = found if isinstance(found, list) else [found]
    out: list[Any] = []
    for item in items:
        if isinstance(item, dict):
            item = get_ci(item, path.sub or "value")
        elif path.sub is not None:
            continue
        if item is not None:
            out.append(item)
    return out


def _compare(op: str, actual: Any, wanted: Any, case_exact: bool) -> bool:
    if isinstance(actual, bool) or isinstance(wanted, bool) or wanted is None:
        if op == "eq":
            return bool(actual == wanted)
        return op == "ne" and bool(actual != wanted)
    if isinstance(actual, str) and isinstance(wanted, str):
        if not case_exact:
            actual, wanted = actual.lower(), wanted.lower()
    elif not (isinstance(actual, int | float) and isinstance(wanted, int | float)):
        return op == "ne"
    if op == "eq":
        return bool(actual == wanted)
    if op == "ne":
        return bool(actual != wanted)
    if op in ("co", "sw", "ew"):
        if not isinstance(actual, str):
            return False
        return {
            "co": wanted in actual,
            "sw": actual.startswith(wanted),
            "ew": actual.endswith(wanted),
        }[op]
    return bool(
        {
            "gt": actual > wanted,
            "ge": actual >= wanted,
            "lt": actual < wanted,
            "le": actual <= wanted,
        }[op]
    )


def matches(node: Node, resource: dict[str, Any]) -> bool:
    """Whether ``resource`` (or an element of a multi-valued attribute) passes ``node``."""
    if isinstance(node, Logical):
        if node.op == "and":
            return matches(node.left, resource) and matches(node.right, resource)
        return matches(node.left, resource) or matches(node.right, resource)
    if isinstance(node, Not):
        return not matches(node.inner, resource)
    if isinstance(node, Present):
        return any(value not in ("", [], {}) for value in values_at(resource, node.path))
    if isinstance(node, ValuePath):
        if node.path.foreign:
            return False
        found = get_ci(resource, node.path.attr)
        elements = found if isinstance(found, list) else [found]
        return any(isinstance(e, dict) and matches(node.filter, e) for e in elements)
    values = values_at(resource, node.path)
    case_exact = node.path.sub is None and node.path.attr in _CASE_EXACT
    if not values:
        return node.value is None if node.op == "eq" else node.op == "ne" and node.value is not None
    if node.op == "ne":
        return all(_compare("ne", value, node.value, case_exact) for value in values)
    return any(_compare(node.op, value, node.value, case_exact) for value in values)


def equality_hint(node: Node, attrs: frozenset[str]) -> tuple[str, Any] | None:
    """``(attribute path, value)`` of an ``eq`` every match must satisfy (the node itself, or
    one side of an ``and``), for the caller to narrow its query; None if there is none."""
    if isinstance(node, Compare) and node.op == "eq" and isinstance(node.value, str):
        if not node.path.foreign and str(node.path) in attrs:
            return str(node.path), node.value
        return None
    if isinstance(node, Logical) and node.op == "and":
        return equality_hint(node.left, attrs) or equality_hint(node.right, attrs)
    if isinstance(node, ValuePath) and not node.path.foreign:  # emails[...value eq "x"]
        prefix = node.path.attr + "."
        inner = equality_hint(
            node.filter, frozenset(a[len(prefix) :] for a in attrs if a.startswith(prefix))
        )
        return (prefix + inner[0], inner[1]) if inner is not None else None
    return None


__all__ = ["AttrPath", "Node", "ScimError", "matches", "parse", "parse_attr_path", "tokenize"]
