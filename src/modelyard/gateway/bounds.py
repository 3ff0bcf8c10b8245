"""Types, ranges and enums of the OpenAI request fields, as OpenAI's spec states them.

A value the spec would refuse is a 400 naming the field before anything else happens, rather
than something an adapter passes on, drops or misreads (``stream: "yes"``). The tables below
are copied from ``CreateChatCompletionRequest``, ``CreateEmbeddingRequest``,
``CreateImageRequest`` and ``CreateImageEditRequest`` in OpenAI's OpenAPI document; ``None`` is
the same as absent throughout (the spec makes these fields nullable).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from modelyard.errors import BadRequest, PayloadTooLarge

Rule = Callable[[Any, str], None]

# OpenAI's documented limits.
MAX_IMAGE_URL_BYTES = 20 * 1024 * 1024  # one image in a chat message (data URL, decoded)
MAX_EMBEDDING_INPUTS = 2048
MAX_TOKENS_PER_EMBEDDING_INPUT = 8192
MAX_TOKENS_PER_EMBEDDING_REQUEST = 300_000
MAX_IMAGE_PROMPT_CHARS = 32_000
MAX_FILE_BYTES = 32 * 1024 * 1024  # one file or audio input in a chat message (decoded)
INT64 = 2**63


def fail(param: str, message: str) -> BadRequest:
    return BadRequest(f"'{param}' {message}", param=param)


def boolean(value: Any, param: str) -> None:
    if not isinstance(value, bool):
        raise fail(param, "must be true or false.")


def string(value: Any, param: str) -> None:
    if not isinstance(value, str):
        raise fail(param, "must be a string.")


def short_string(limit: int) -> Rule:
    def check(value: Any, param: str) -> None:
        if not isinstance(value, str) or len(value) > limit:
            raise fail(param, f"must be a string of at most {limit} characters.")

    return check


def number(low: float, high: float) -> Rule:
    def check(value: Any, param: str) -> None:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not low <= value <= high
        ):
            raise fail(param, f"must be a number from {low:g} to {high:g}.")

    return check


def integer(low: int, high: int | None = None) -> Rule:
    def check(value: Any, param: str) -> None:
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or value < low
            or (high is not None and value > high)
        ):
            bound = f"from {low} to {high}" if high is not None else f"of at least {low}"
            raise fail(param, f"must be an integer {bound}.")

    return check


def one_of(*allowed: str) -> Rule:
    def check(value: Any, param: str) -> None:
        if value not in allowed or not isinstance(value, str):
            raise fail(param, f"must be one of {', '.join(allowed)}.")

    return check


def object_of(rules: Mapping[str, Rule]) -> Rule:
    """An object whose known fields follow ``rules`` (unknown ones are left alone)."""

    def check(value: Any, param: str) -> None:
        if not isinstance(value, dict):
            raise fail(param, "must be an object.")
        check_fields(value, rules, f"{param}.")

    return check


def map_of(rule: Rule, max_keys: int | None = None, max_key: int | None = None) -> Rule:
    def check(value: Any, param: str) -> None:
        if not isinstance(value, dict):
            raise fail(param, "must be an object.")
        if max_keys is not None and len(value) > max_keys:
            raise fail(param, f"may have at most {max_keys} keys.")
        for key, item in value.items():
            if max_key is not None and len(key) > max_key:
                raise fail(param, f"keys may have at most {max_key} characters.")
            rule(item, f"{param}.{key}")

    return check


def list_of(rule: Rule, max_items: int | None = None) -> Rule:
    def check(value: Any, param: str) -> None:
        if not isinstance(value, list):
            raise fail(param, "must be a list.")
        if max_items is not None and len(value) > max_items:
            raise fail(param, f"may have at most {max_items} items.")
        for index, item in enumerate(value):
            rule(item, f"{param}[{index}]")

    return check


def check_fields(body: Mapping[str, Any], rules: Mapping[str, Rule], prefix: str = "") -> None:
    """Apply ``rules`` to the fields present (a loop over the body's few keys, not the rules)."""
    for key, value in body.items():
        rule = rules.get(key)
        if rule is not None and value is not None:
            rule(value, prefix + key)


def _response_format(value: Any, param: str) -> None:
    if not isinstance(value, dict):
        raise fail(param, "must be an object.")
    kind = value.get("type")
    if kind not in ("text", "json_object", "json_schema"):
        raise fail(f"{param}.type", "must be one of text, json_object, json_schema.")
    if kind == "json_schema":
        schema = value.get("json_schema")
        if not isinstance(schema, dict) or not isinstance(schema.get("name"), str):
            raise fail(f"{param}.json_schema.name", "is required with type json_schema.")
        check_fields(schema, {"strict": boolean, "schema": object_of({})}, f"{param}.json_schema.")


# ``model``, ``user``, ``temperature``, ``top_p`` and the tool fields are checked where
# inbound.chat_request reads them.
CHAT: dict[str, Rule] = {
    "stream": boolean,
    "stream_options": object_of({"include_usage": boolean, "include_obfuscation": boolean}),
    "store": boolean,
    "logprobs": boolean,
    "top_logprobs": integer(0, 20),
    "n": integer(1, 128),
    "max_tokens": integer(1),
    "max_completion_tokens": integer(1),
    "frequency_penalty": number(-2, 2),
    "presence_penalty": number(-2, 2),
    "seed": integer(-INT64, INT64 - 1),
    "logit_bias": map_of(integer(-100, 100)),
    "parallel_tool_calls": boolean,
    "response_format": _response_format,
    "reasoning_effort": one_of("none", "minimal", "low", "medium", "high", "xhigh", "max"),
    "verbosity": one_of("low", "medium", "high"),
    "service_tier": one_of("auto", "default", "flex", "scale", "priority", "fast"),
    "modalities": list_of(one_of("text", "audio")),
    "metadata": map_of(short_string(512), max_keys=16, max_key=64),
    "safety_identifier": short_string(64),
    "prompt_cache_key": string,
    "prompt_cache_retention": one_of("in_memory", "24h"),
}

EMBEDDINGS: dict[str, Rule] = {
    "model": string,
    "encoding_format": one_of("float", "base64"),
    "dimensions": integer(1),
    "user": string,
}

_IMAGE_COMMON: dict[str, Rule] = {
    "model": string,
    "n": integer(1, 10),
    "response_format": one_of("url", "b64_json"),
    "output_format": one_of("png", "jpeg", "webp"),
    "output_compression": integer(0, 100),
    "background": one_of("transparent", "opaque", "auto"),
    "stream": boolean,
    "partial_images": integer(0, 3),
    "user": string,
}
IMAGE_GENERATION: dict[str, Rule] = {
    **_IMAGE_COMMON,
    "size": one_of(
        "auto",
        "1024x1024",
        "1536x1024",
        "1024x1536",
        "256x256",
        "512x512",
        "1792x1024",
        "1024x1792",
    ),
    "quality": one_of("standard", "hd", "low", "medium", "high", "auto"),
    "moderation": one_of("low", "auto"),
    "style": one_of("vivid", "natural"),
}
IMAGE_EDIT: dict[str, Rule] = {
    **_IMAGE_COMMON,
    "size": one_of("256x256", "512x512", "1024x1024", "1536x1024", "1024x1536", "auto"),
    "quality": one_of("standard", "low", "medium", "high", "auto"),
    "input_fidelity": one_of("high", "low"),
}
MAX_EDIT_IMAGES = 16

# Multipart fields arrive as text: these are read as the JSON value they spell first.
FORM_INTEGERS = frozenset({"n", "output_compression", "partial_images"})
FORM_BOOLEANS = frozenset({"stream"})


def form_value(name: str, text: str) -> Any:
    """A multipart text field as the JSON type its rule expects (``"2"`` -> 2, ``"true"``)."""
    if name in FORM_INTEGERS:
        try:
            return int(text.strip())
        except ValueError:
            return text
    if name in FORM_BOOLEANS:
        return {"true": True, "false": False}.get(text.strip().lower(), text)
    return text


def data_url_bytes(url: str) -> int:
    """The decoded size of a base64 data URL's payload, from its length (nothing decoded)."""
    payload = len(url) - url.find(",", 0, 256) - 1
    return payload * 3 // 4


def check_image_url(url: str, param: str) -> None:
    """A data-URL image must say it is base64 and stay under OpenAI's 20 MB an image (413)."""
    if not url.startswith("data:"):
        return
    comma = url.find(",", 0, 256)
    if comma == -1 or not url[:comma].endswith(";base64") or comma == len(url) - 1:
        raise fail(param, "must be a data:image/...;base64,<data> URL.")
    if data_url_bytes(url) > MAX_IMAGE_URL_BYTES:
        raise PayloadTooLarge(
            f"'{param}' is larger than {MAX_IMAGE_URL_BYTES // 2**20} MB, OpenAI's limit for an "
            "image.",
            param=param,
            code="image_too_large",
        )


def check_data_url(url: str, param: str, what: str) -> None:
    """A base64 data URL of a file or audio input, within ``MAX_FILE_BYTES`` decoded (413)."""
    comma = url.find(",", 0, 256)
    if comma == -1 or not url[:comma].endswith(";base64") or comma == len(url) - 1:
        raise fail(param, "must be base64 data (data:<media type>;base64,<data>).")
    if data_url_bytes(url) > MAX_FILE_BYTES:
        raise PayloadTooLarge(
            f"'{param}' is larger than {MAX_FILE_BYTES // 2**20} MB, the limit for {what}.",
            param=param,
            code="file_too_large",
        )
