"""Helpers shared by the wire-format tests: targets with test keys (on the fake provider too),
common request pieces, sending a built request, streaming one into a decoder, feeding a decoder
recorded bytes in steps, a stream's events put back together, the fake's prompt token count."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from modelyard.llm_types import (
    ChatRequest,
    ChatResponse,
    Finish,
    InputFile,
    Message,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    TextPart,
    ToolCallDelta,
    ToolSpec,
    Usage,
    UsageReport,
)
from modelyard.providers import connections
from modelyard.providers.base import ChatWire, Connection, StreamDecoder, Target, UpstreamRequest
from modelyard.testing import FakeProvider

SECRET = "sk-test-secret"  # every OpenAI-style provider's key
AZURE_KEY = "azure-test-key"
API_VERSION = "2024-10-21"
KEYS = {"azure": AZURE_KEY, "anthropic": "sk-ant-test-secret", "google": "gem-secret-123"}
CONNECTIONS: dict[str, Connection] = {
    "openai": connections.OPENAI,
    "azure": connections.AZURE,
    "mistral": connections.MISTRAL,
    "deepseek": connections.DEEPSEEK,
    "xai": connections.XAI,
    "openai_compatible": connections.OPENAI_COMPATIBLE,
    "anthropic": connections.ANTHROPIC,
    "google": connections.GOOGLE,
}
AT_ROOT = ("azure", "anthropic", "google")  # served at the fake's root; the others under /v1
PNG_BASE64 = "iVBORw0KGgoAAAANSUhEUg=="
PNG = f"data:image/png;base64,{PNG_BASE64}"
WEATHER = ToolSpec(
    name="get_weather",
    description="Weather of a city.",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)


def user(text: str) -> Message:
    return Message("user", [TextPart(text)])


def target(
    provider: str, model: str, base_url: str | None = None, api_version: str = API_VERSION
) -> Target:
    """A deployment of ``model`` with ``provider``'s test key (Azure's with an API version)."""
    return Target(
        provider,
        CONNECTIONS[provider],
        model,
        KEYS.get(provider, SECRET),
        base_url=base_url,
        api_version=api_version if provider == "azure" else None,
    )


def on_fake(fake: FakeProvider, provider: str, model: str, **options: Any) -> Target:
    """:func:`target` pointed at the fake provider, where it serves ``provider``."""
    base_url = fake.url if provider in AT_ROOT else f"{fake.url}/v1"
    return target(provider, model, base_url, **options)


def send(http: httpx.Client, upstream: UpstreamRequest) -> httpx.Response:
    """JSON, or the form as multipart (text fields as data, InputFiles as files)."""
    if upstream.form is None:
        return http.request(
            upstream.method, upstream.url, headers=upstream.headers, json=upstream.json
        )
    data: list[tuple[str, str]] = []
    files: list[tuple[str, tuple[str, bytes, str]]] = []
    for name, value in upstream.form:
        if isinstance(value, InputFile):
            files.append((name, (value.filename, value.data, value.content_type)))
        else:
            data.append((name, value))
    return http.request(
        upstream.method, upstream.url, headers=upstream.headers, data=dict(data), files=files
    )


@contextmanager
def streaming(http: httpx.Client, upstream: UpstreamRequest) -> Iterator[httpx.Response]:
    """The response to ``upstream``, its body not read yet."""
    with http.stream(
        upstream.method, upstream.url, headers=upstream.headers, json=upstream.json
    ) as response:
        yield response


@dataclass
class Streamed:
    """A streamed answer as it arrived: its raw bytes and the events ``decoder`` made of them."""

    decoder: StreamDecoder
    events: list[StreamEvent] = field(default_factory=list)
    raw: bytes = b""

    @property
    def finished(self) -> bool:
        return self.decoder.finished

    def read(self, response: httpx.Response) -> Streamed:
        """Feed the decoder every piece of the body, as it comes."""
        for piece in response.iter_raw():
            self.raw += piece
            self.events += self.decoder.feed(piece)
        return self


def stream(http: httpx.Client, upstream: UpstreamRequest, decoder: StreamDecoder) -> Streamed:
    """Send ``upstream``, expect a 200 and decode its whole body."""
    with streaming(http, upstream) as response:
        assert response.status_code == 200
        return Streamed(decoder).read(response)


def plain_then_streamed(
    http: httpx.Client, wire: ChatWire, request: ChatRequest, target: Target
) -> tuple[ChatResponse, Streamed]:
    """The plain answer to ``request``, then the streamed one (``request.stream`` is set)."""
    plain = wire.parse_chat(send(http, wire.build_chat(request, target)).content)
    request.stream = True
    return plain, stream(http, wire.build_chat(request, target), wire.stream_decoder())


def feed(
    decoder: StreamDecoder, data: bytes, step: int | None = None
) -> tuple[list[StreamEvent], bool]:
    """``data`` fed ``step`` bytes at a time (all at once by default); events and finished."""
    events: list[StreamEvent] = []
    step = step or len(data) or 1
    for start in range(0, len(data), step):
        events += decoder.feed(data[start : start + step])
    return events, decoder.finished


@dataclass
class Collected:
    """A stream's events put back together."""

    text: str = ""
    reasoning: str = ""
    tools: dict[int, dict[str, str]] = field(default_factory=dict)
    finishes: list[str] = field(default_factory=list)
    reports: list[Usage] = field(default_factory=list)

    @property
    def usage(self) -> Usage:
        total = Usage()
        for report in self.reports:
            total.add(report)
        return total


def collect(events: list[StreamEvent]) -> Collected:
    out = Collected()
    for event in events:
        if isinstance(event, TextDelta):
            out.text += event.text
        elif isinstance(event, ReasoningDelta):
            out.reasoning += event.text
        elif isinstance(event, ToolCallDelta):
            tool = out.tools.setdefault(event.index, {"id": "", "name": "", "arguments": ""})
            tool["id"] += event.id or ""
            tool["name"] += event.name or ""
            tool["arguments"] += event.arguments
        elif isinstance(event, Finish):
            out.finishes.append(event.reason)
        elif isinstance(event, UsageReport):
            out.reports.append(event.usage)
    return out


def tokens(*texts: str, images: int = 0) -> int:
    """The fake's prompt tokens of one message (see modelyard.testing)."""
    return 4 + math.ceil(sum(len(t) for t in texts) / 4) + 85 * images
