"""Events of a streamed chat answer, in the order a provider produces them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modelyard.llm_types.chat import FinishReason
from modelyard.llm_types.usage import Usage


@dataclass(slots=True)
class TextDelta:
    text: str


@dataclass(slots=True)
class ReasoningDelta:
    text: str
    item: dict[str, Any] | None = None  # a Responses upstream's whole reasoning item, when asked


@dataclass(slots=True)
class ToolCallDelta:
    """A piece of the ``index``-th tool call: ``id``, ``name``, ``provider_data`` and
    ``provider_origin`` (see :class:`~modelyard.llm_types.ToolCall`) come with its first piece."""

    index: int
    id: str | None = None
    name: str | None = None
    arguments: str = ""
    provider_data: str | None = None
    provider_origin: str | None = None


@dataclass(slots=True)
class Finish:
    reason: FinishReason
    stop_sequence: str | None = None  # see ChatResponse.stop_sequence


@dataclass(slots=True)
class UsageReport:
    """Usage as the provider reported it; several reports of one stream are added up."""

    usage: Usage


StreamEvent = TextDelta | ReasoningDelta | ToolCallDelta | Finish | UsageReport
