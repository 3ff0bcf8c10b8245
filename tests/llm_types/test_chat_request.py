"""``ChatRequest.replaced`` is ``dataclasses.replace``, faster: it must copy every field."""

from __future__ import annotations

from dataclasses import fields, replace

from modelyard.llm_types import ChatRequest, Message


def _distinct_request() -> ChatRequest:
    """A request whose every field holds a value unlike its default."""
    defaults = ChatRequest(model="m", messages=[])
    values = {}
    for index, field in enumerate(fields(ChatRequest)):
        current = getattr(defaults, field.name)
        if isinstance(current, bool):
            values[field.name] = not current
        elif field.name == "messages":
            values[field.name] = [Message(role="user")]
        else:
            values[field.name] = f"value-{index}"
    return ChatRequest(**values)


def test_replaced_copies_every_field_and_applies_changes() -> None:
    request = _distinct_request()
    assert request.replaced() == request
    assert request.replaced() is not request
    changed = request.replaced(model="other", stream=not request.stream)
    assert changed == replace(request, model="other", stream=not request.stream)
    assert request.model != "other"  # the original is untouched


def test_replaced_lists_every_field_of_the_dataclass() -> None:
    request = _distinct_request()
    copy = request.replaced()
    for field in fields(ChatRequest):
        assert getattr(copy, field.name) == getattr(request, field.name), field.name
