"""PATCH (RFC 7644 §3.5.2) on a resource dict: ``add``, ``replace`` and ``remove``, with and
without ``path``, as Okta and Microsoft Entra ID send them.

Entra writes ops capitalised (``"Replace"``), puts whole attribute maps in ``value`` without a
path (``{"active": false}``, even ``{"name.givenName": "x"}``) and removes group members with
``path: "members"`` and the members to remove in ``value``; all of that is accepted. The dict
is changed in place; what it means for the rows is the caller's business (``users``,
``groups``), which is also where values are checked. Attributes the resource does not know
(another schema's, or ones Modelyard does not keep) are ignored, as in a POST.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from modelyard.scim import filters
from modelyard.scim.errors import ScimError, invalid_path, invalid_syntax, invalid_value
from modelyard.scim.filters import AttrPath, Compare, Logical, Node

OPS = frozenset({"add", "replace", "remove"})
MAX_OPERATIONS = 1000


@dataclass(frozen=True, slots=True)
class Shape:
    """What a resource's attributes are: canonical names by lower-case name (sub-attributes
    as ``attr.sub``), and which are complex or multi-valued."""

    names: dict[str, str]
    complex: frozenset[str]
    multi: frozenset[str]
    core_schema: str


@dataclass(frozen=True, slots=True)
class PatchPath:
    path: AttrPath
    filter: Node | None = None


def parse_path(text: str, shape: Shape) -> PatchPath:
    """``attr``, ``attr.sub``, ``attr[filter]`` or ``attr[filter].sub`` (URN prefix allowed)."""
    if not isinstance(text, str) or not text.strip():
        raise invalid_path("'path' must be a non-empty string.")
    try:
        tokens = filters.tokenize(text)
        if not tokens or tokens[0][0] != "word":
            raise invalid_path(f"'{text}' is not an attribute path.")
        path = filters.parse_attr_path(tokens[0][1], shape.core_schema)
        if len(tokens) == 1:
            return PatchPath(path)
        if tokens[1] != ("punct", "[") or path.sub is not None:
            raise invalid_path(f"'{text}' is not an attribute path.")
        tail = tokens[-1]
        sub: str | None = None
        if tail[0] == "word" and tail[1].startswith("."):
            sub = tail[1][1:].lower()
            if not re.fullmatch(r"[a-z$][\w$-]*", sub):
                raise invalid_path(f"'{text}' is not an attribute path.")
            tokens = tokens[:-1]
        if tokens[-1] != ("punct", "]"):
            raise invalid_path(f"'{text}' is not an attribute path: ']' is missing.")
        node = filters.parse_inner(tokens[2:-1], shape.core_schema)
    except ScimError as exc:
        if exc.scim_type == "invalidFilter":
            raise invalid_path(f"The path '{text}' is malformed: {exc.detail}") from None
        raise
    return PatchPath(AttrPath(path.attr, sub, path.foreign), node)


def apply(resource: dict[str, Any], body: Any, shape: Shape) -> None:
    """Apply a PatchOp request body's ``Operations`` in order."""
    if not isinstance(body, dict):
        raise invalid_syntax("The body must be a PatchOp object.")
    operations = filters.get_ci(body, "operations")
    if not isinstance(operations, list) or not operations:
        raise invalid_syntax("'Operations' must be a non-empty list.")
    if len(operations) > MAX_OPERATIONS:
        raise invalid_syntax(f"'Operations' has more than {MAX_OPERATIONS} operations.")
    for number, operation in enumerate(operations):
        if not isinstance(operation, dict):
            raise invalid_syntax(f"Operations[{number}] must be an object.")
        op = filters.get_ci(operation, "op")
        if not isinstance(op, str) or op.lower() not in OPS:
            raise invalid_syntax(
                f"Operations[{number}].op must be 'add', 'replace' or 'remove', not {op!r}."
            )
        path = filters.get_ci(operation, "path")
        has_value = any(key.lower() == "value" for key in operation)
        value = filters.get_ci(operation, "value")
        if op.lower() != "remove" and not has_value:
            raise invalid_syntax(f"Operations[{number}] ('{op}') needs a 'value'.")
        apply_one(resource, op.lower(), path, value, shape)


def apply_one(
    resource: dict[str, Any], op: str, path: str | None, value: Any, shape: Shape
) -> None:
    if path is None or (isinstance(path, str) and not path.strip() and op != "remove"):
        if op == "remove":
            raise ScimError(400, "A 'remove' operation needs a 'path'.", "noTarget")
        if not isinstance(value, dict):
            raise invalid_value(f"Without a 'path', the value of '{op}' must be an object.")
        for key, item in value.items():
            if key.lower() == "schemas":
                continue
            if key.lower() == shape.core_schema.lower() and isinstance(item, dict):
                apply_one(resource, op, None, item, shape)
                continue
            apply_one(resource, op, key, item, shape)
        return
    target = parse_path(path, shape)
    attr = shape.names.get(target.path.attr)
    if target.path.foreign or attr is None:
        return  # not an attribute Modelyard keeps: ignored
    sub = None
    if target.path.sub is not None:
        sub = shape.names.get(f"{target.path.attr}.{target.path.sub}")
        if sub is None:
            return
    if target.filter is not None:
        if attr not in shape.multi:
            raise invalid_path(f"'{attr}' is not multi-valued: it takes no [filter].")
        _apply_filtered(resource, op, attr, target.filter, sub, value)
    elif sub is not None:
        _apply_sub(resource, op, attr, sub, value, shape)
    else:
        _apply_attr(resource, op, attr, value, shape)


def _key(resource: dict[str, Any], attr: str) -> str:
    for key in resource:
        if key.lower() == attr.lower():
            return key
    return attr


def _elements(value: Any, attr: str) -> list[dict[str, Any]]:
    items = value if isinstance(value, list) else [value]
    for item in items:
        if not isinstance(item, dict):
            raise invalid_value(f"Each value of '{attr}' must be an object.")
    return items


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return bool(filters.get_ci(a, "value") == filters.get_ci(b, "value"))


def _apply_attr(resource: dict[str, Any], op: str, attr: str, value: Any, shape: Shape) -> None:
    key = _key(resource, attr)
    current = resource.get(key)
    if op == "remove":
        if attr in shape.multi and value is not None and isinstance(current, list):
            gone = _elements(value, attr)
            resource[key] = [e for e in current if not any(_same(e, g) for g in gone)]
        else:
            resource.pop(key, None)
        return
    if attr in shape.multi:
        new = _elements(value, attr)
        if op == "add" and isinstance(current, list):
            resource[key] = current + [e for e in new if not any(_same(e, c) for c in current)]
        else:
            resource[key] = new
    elif attr in shape.complex:
        if not isinstance(value, dict):
            raise invalid_value(f"The value of '{attr}' must be an object.")
        merged = dict(current) if isinstance(current, dict) else {}
        for sub_key, item in value.items():
            merged[_key(merged, sub_key)] = item
        resource[key] = merged
    else:
        resource[key] = value


def _apply_sub(
    resource: dict[str, Any], op: str, attr: str, sub: str, value: Any, shape: Shape
) -> None:
    key = _key(resource, attr)
    current = resource.get(key)
    if attr in shape.multi:
        for element in current if isinstance(current, list) else []:
            if isinstance(element, dict):
                _set_sub(element, op, sub, value)
        return
    if current is None:
        if op == "remove":
            return
        current = resource[key] = {}
    if not isinstance(current, dict):
        raise invalid_path(f"'{attr}' has no sub-attributes.")
    _set_sub(current, op, sub, value)


def _set_sub(element: dict[str, Any], op: str, sub: str, value: Any) -> None:
    if op == "remove":
        element.pop(_key(element, sub), None)
    else:
        element[_key(element, sub)] = value


def _equalities(node: Node) -> dict[str, Any]:
    """The ``sub eq value`` parts of a filter: what a new element must have to match it."""
    if isinstance(node, Compare) and node.op == "eq" and node.path.sub is None:
        return {node.path.attr: node.value}
    if isinstance(node, Logical) and node.op == "and":
        return _equalities(node.left) | _equalities(node.right)
    return {}


def _apply_filtered(
    resource: dict[str, Any], op: str, attr: str, node: Node, sub: str | None, value: Any
) -> None:
    key = _key(resource, attr)
    current = resource.get(key)
    elements: list[Any] = current if isinstance(current, list) else []
    hits = [e for e in elements if isinstance(e, dict) and filters.matches(node, e)]
    if op == "remove":
        if sub is None:
            resource[key] = [e for e in elements if not any(e is h for h in hits)]
        else:
            for element in hits:
                _set_sub(element, op, sub, value)
        return
    if not hits:
        if op == "replace" and sub is None:
            raise ScimError(400, f"No value of '{attr}' matches the path's filter.", "noTarget")
        element = dict(_equalities(node))
        resource[key] = [*elements, element]
        hits = [element]
    for element in hits:
        if sub is not None:
            _set_sub(element, op, sub, value)
        elif isinstance(value, dict):
            for sub_key, item in value.items():
                element[_key(element, sub_key)] = item
        else:
            raise invalid_value(f"The value for '{attr}[...]' must be an object.")
