"""The live model test: a real request through each deployment, and a probe of each declared
capability, so an admin sees a wrong flag or a broken key before members do."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from modelyard.errors import ModelyardError
from modelyard.llm_types import (
    ChatRequest,
    ChatResponse,
    EmbeddingRequest,
    ImagePart,
    ImageRequest,
    ImageResponse,
    Message,
    TextPart,
    ToolSpec,
    Usage,
)
from modelyard.providers.http import UpstreamClient
from modelyard.routing import dispatch
from modelyard.routing.live_test_billing import LiveTestBill, LiveTestPayer
from modelyard.routing.snapshot import DeploymentConfig, ModelConfig
from modelyard.usage.cost import cost_usd

__all__ = ["LiveTestPayer", "run_live_test"]

DEFAULT_PROMPT = "Reply with one short sentence to say hello."
# A 1x1 transparent PNG: the smallest image any vision model accepts.
TINY_PNG = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhf"
    "DwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
WEATHER_TOOL = ToolSpec(
    "get_weather",
    "Current weather of a city.",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)
SAMPLE_CHARS = 500


@dataclass
class Check:
    capability: str
    declared: bool
    observed: bool | None
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "capability": self.capability,
            "declared": self.declared,
            "observed": self.observed,
            "ok": self.observed is None or self.observed == self.declared,
            "detail": self.detail,
        }


@dataclass
class DeploymentResult:
    deployment_id: str
    ok: bool
    latency_ms: float
    output: str = ""
    usage: Usage = field(default_factory=Usage)
    error: str | None = None
    checks: list[Check] = field(default_factory=list)
    dimensions: int | None = None  # an embedding's vector size, compared with the catalog's


def _chat(model: ModelConfig, text: str, **extra: Any) -> ChatRequest:
    parts: list[TextPart | ImagePart] = [TextPart(text)]
    if extra.pop("image", False):
        parts.append(ImagePart(TINY_PNG))
    return ChatRequest(
        model="",
        messages=[Message("user", parts)],
        max_tokens=min(64, model.max_output_tokens or 64),
        include_reasoning=model.capabilities.always_show_reasoning,
        **extra,
    )


async def _probe(
    client: UpstreamClient,
    bill: LiveTestBill,
    deployment: DeploymentConfig,
    capability: str,
    declared: bool,
    request: ChatRequest,
) -> Check:
    try:
        answer = await _chat_call(client, bill, deployment, request)
    except ModelyardError as exc:
        return Check(capability, declared, False, f"The provider refused it: {exc.admin_message}")
    detail = "Accepted by the provider."
    if capability == "tools":
        called = bool(answer.tool_calls)
        detail = "The model called the tool." if called else "Accepted, but no tool was called."
    return Check(capability, declared, True, detail)


async def _chat_call(
    client: UpstreamClient, bill: LiveTestBill, deployment: DeploymentConfig, request: ChatRequest
) -> ChatResponse:
    return await bill.call(
        deployment,
        "chat",
        lambda: dispatch.chat(client, bill.model, deployment, request),
        lambda answer: answer.usage,
    )


async def _completion(
    client: UpstreamClient, bill: LiveTestBill, deployment: DeploymentConfig, prompt: str
) -> DeploymentResult:
    model = bill.model
    started = time.perf_counter()
    try:
        answer = await _chat_call(client, bill, deployment, _chat(model, prompt))
    except ModelyardError as exc:
        return DeploymentResult(deployment.id, False, _ms(started), error=exc.admin_message)
    result = DeploymentResult(
        deployment.id, True, _ms(started), answer.text[:SAMPLE_CHARS], answer.usage
    )
    caps = model.capabilities
    probes = [
        (
            "tools",
            caps.tools,
            _chat(
                model,
                "What is the weather in Paris? Use the tool.",
                tools=[WEATHER_TOOL],
                tool_choice="auto",
            ),
        ),
        (
            "image_analysis",
            caps.image_analysis,
            _chat(model, "Describe this image in one word.", image=True),
        ),
        ("temperature", caps.temperature, _chat(model, "Say hello.", temperature=0.3)),
    ]
    for capability, declared, request in probes:
        result.checks.append(await _probe(client, bill, deployment, capability, declared, request))
    return result


async def _embedding(
    client: UpstreamClient, bill: LiveTestBill, deployment: DeploymentConfig, prompt: str
) -> DeploymentResult:
    started = time.perf_counter()
    try:
        answer = await bill.call(
            deployment,
            "embeddings",
            lambda: dispatch.embeddings(client, deployment, EmbeddingRequest("", [prompt])),
            lambda answer: answer.usage,
        )
    except ModelyardError as exc:
        return DeploymentResult(deployment.id, False, _ms(started), error=exc.admin_message)
    size = len(answer.vectors[0]) if answer.vectors else 0
    result = DeploymentResult(
        deployment.id, True, _ms(started), f"A vector of {size} dimensions.", answer.usage
    )
    result.dimensions = size
    return result


def _image_usage(answer: ImageResponse) -> Usage:
    answer.usage.images = len(answer.images)
    return answer.usage


async def _image(
    client: UpstreamClient, bill: LiveTestBill, deployment: DeploymentConfig, prompt: str
) -> DeploymentResult:
    started = time.perf_counter()
    try:
        answer = await bill.call(
            deployment,
            "images",
            lambda: dispatch.images(client, deployment, ImageRequest("", prompt, n=1)),
            _image_usage,
        )
    except ModelyardError as exc:
        return DeploymentResult(deployment.id, False, _ms(started), error=exc.admin_message)
    return DeploymentResult(
        deployment.id, True, _ms(started), f"{len(answer.images)} image(s) generated.", answer.usage
    )


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


async def run_live_test(
    client: UpstreamClient,
    model: ModelConfig,
    prompt: str | None,
    payer: LiveTestPayer | None = None,
) -> dict[str, Any]:
    """Test every deployment of ``model``; the first one's result is also given at the top.

    With ``payer`` every upstream call (probes included) is recorded in Usage as a test call.
    ``spent_usd`` is what all of them cost (``cost_usd`` is the main request's alone).
    """
    bill = LiveTestBill(model, payer)
    results: list[DeploymentResult] = []
    for deployment in model.deployments:
        if model.kind == "completion":
            results.append(await _completion(client, bill, deployment, prompt or DEFAULT_PROMPT))
        elif model.kind == "embedding":
            results.append(await _embedding(client, bill, deployment, prompt or "Hello, world."))
        else:
            results.append(await _image(client, bill, deployment, prompt or "A small red square."))
    rendered = [
        {
            "deployment_id": r.deployment_id,
            "ok": r.ok,
            "latency_ms": r.latency_ms,
            "output": r.output,
            "usage": asdict(r.usage),
            "cost_usd": float(cost_usd(r.usage, model.prices)),
            "spent_usd": float(bill.spent.get(r.deployment_id, 0)),
            "checks": [c.as_dict() for c in r.checks],
            "error": r.error,
            "dimensions": r.dimensions,
        }
        for r in results
    ]
    first = rendered[0] if rendered else None
    return {
        "model_id": model.id,
        "ok": bool(rendered) and all(r["ok"] for r in rendered),
        "latency_ms": first["latency_ms"] if first else None,
        "output": first["output"] if first else "",
        "usage": first["usage"] if first else None,
        "cost_usd": first["cost_usd"] if first else 0.0,
        "checks": first["checks"] if first else [],
        "error": None if rendered else "The model has no deployment to test.",
        "spent_usd": float(bill.total),
        "recorded_in_usage": payer is not None,
        "deployments": rendered,
    }
