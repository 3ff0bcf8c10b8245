"""What the duplicate-key check costs on the /v1 body read (gateway/duplicate_keys.py).

Times the body parse before it (``orjson.loads`` and the object check, as ``json_body`` did) and
after it (``http_io.parse_object``) on typical bodies: a 2 KB chat body as the OpenAI SDK writes
it, a tool turn (escaped JSON in its arguments), the chat body pretty-printed, one with a 4 MB
data-URL image, and an embeddings body of token arrays. Median of several samples, many calls
each.

    .venv/bin/python bench/json_body.py [--samples 41] [--calls 2000]
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

import orjson

from modelyard.errors import BadRequest
from modelyard.gateway.http_io import parse_object


def before(raw: bytes) -> dict[str, Any]:
    body = orjson.loads(raw)
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    return body  # type: ignore[no-any-return]


def chat_body() -> dict[str, Any]:
    words = "The quick brown fox jumps over the lazy dog while the gateway routes a call. "
    return {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "You are a helpful assistant. " + words * 3},
            {"role": "user", "content": words * 6},
            {"role": "assistant", "content": words * 5},
            {"role": "user", "content": words * 6},
        ],
        "temperature": 0.7,
        "max_tokens": 512,
        "stream": True,
        "stream_options": {"include_usage": True},
        "user": "user-1234",
    }


def tool_body() -> dict[str, Any]:
    body = chat_body()
    body["messages"] = [
        *body["messages"][:2],
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_abc",
                    "type": "function",
                    "function": {"name": "weather", "arguments": '{"city": "Paris", "days": 3}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_abc", "content": '{"forecast": ["sun", "rain"]}'},
    ]
    body["tools"] = [
        {
            "type": "function",
            "function": {
                "name": "weather",
                "description": "The forecast for a city.",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
                    "required": ["city"],
                },
            },
        }
    ]
    return body


def image_body() -> dict[str, Any]:
    url = "data:image/png;base64," + base64.b64encode(random.randbytes(4_000_000)).decode()
    question = {"type": "text", "text": "What is in this picture?"}
    picture = {"type": "image_url", "image_url": {"url": url}}
    return {"model": "gpt-4o", "messages": [{"role": "user", "content": [question, picture]}]}


def _sample_us(parse: Callable[[bytes], Any], raw: bytes, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        parse(raw)
    return (time.perf_counter() - start) / calls * 1e6


def medians_us(raw: bytes, samples: int, calls: int) -> tuple[float, float]:
    """Before and after, their samples interleaved so that a busy host slows both alike."""
    old, new = [], []
    for _ in range(samples):
        old.append(_sample_us(before, raw, calls))
        new.append(_sample_us(parse_object, raw, calls))
    return statistics.median(old), statistics.median(new)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=41)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    bodies = {
        "chat (SDK json.dumps)": json.dumps(chat_body()).encode(),
        "tool turn": json.dumps(tool_body()).encode(),
        "chat, pretty-printed": json.dumps(chat_body(), indent=2, separators=(",", " : ")).encode(),
        "chat + 4 MB data-URL image": json.dumps(image_body()).encode(),
        "embeddings 300 x 5,000 chars": json.dumps(
            {"model": "e", "input": ["word " * 1000] * 300}
        ).encode(),
        "embeddings 64x512 tokens": json.dumps(
            {"model": "e", "input": [list(range(512))] * 64}
        ).encode(),
    }
    print(f"{'body':28} {'bytes':>8} {'before µs':>10} {'after µs':>10} {'added µs':>9}")
    for name, raw in bodies.items():
        calls = args.calls if len(raw) < 10_000 else max(10, args.calls // 50)
        old, new = medians_us(raw, args.samples, calls)
        print(f"{name:28} {len(raw):>8} {old:>10.2f} {new:>10.2f} {new - old:>9.2f}")


if __name__ == "__main__":
    main()
