"""Events of a streamed chat answer, in the order a provider produces them.

``choice`` is the answer an event belongs to when the call asked for ``n`` > 1 (0, the first,
otherwise); ``logprobs`` of a :class:`TextDelta` are its tokens' entries in OpenAI's
``choices[].logprobs.content`` shape, when the call asked for them. Both default so a plain
stream's events cost what they always did.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modelyard.llm_types.chat import FinishReason
from modelyard.llm_types.usage import Usage


@dataclass(slots=True)
class TextDelta:
    text: str
    logprobs: list[dict[str, Any]] | None = None
    choice: int = 0


@dataclass(slots=True)
class ReasoningDelta:
    text: str
    item: dict[str, Any] | None = None  # a Responses upstream's whole reasoning item, when asked
    choice: int = 0


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
    choice: int = 0


@dataclass(slots=True)
class Finish:
    reason: FinishReason
    stop_sequence: str | None = None  # see ChatResponse.stop_sequence
    choice: int = 0


@dataclass(slots=True)
class UsageReport:
    """Usage as the provider reported it; several reports of one stream are added up."""

    usage: Usage


StreamEvent = TextDelta | ReasoningDelta | ToolCallDelta | Finish | UsageReport
