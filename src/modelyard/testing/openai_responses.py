"""OpenAI's Responses API, as the fake speaks it (``/v1/responses`` and Azure's variants).

The answer is a list of output items (a reasoning item for "reason" models, then a message or
a function call), sent either inside one ``response`` object or as the typed event stream with
``sequence_number``s that the official SDK accumulates.

As OpenAI does, a reasoning item carries ``encrypted_content`` only when ``include`` asks for
``reasoning.encrypted_content``; a reasoning item sent back must carry content the fake
encrypted (``enc:`` + base64 of its text) when ``store`` is false, else it is a 400, as OpenAI
cannot resolve an item it never stored. ``include: ["message.output_text.logprobs"]`` (with
``top_logprobs``) fills ``output_text.logprobs``, and each streamed ``output_text.delta`` carries
its own word's.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

from modelyard.testing.asgi import BadRequest, Event, FakeRequest, Reply, json_reply, sse_reply
from modelyard.testing.content import (
    CREATED,
    count_words,
    echo_answer,
    int_or_none,
    is_cache_model,
    is_reasoning_model,
    message_tokens,
    pieces,
    reasoning_text,
    split_json,
    text_tokens,
    tool_arguments_json,
    truncate,
    wants_tool,
)
from modelyard.testing.openai_common import content_parts, headers, logprobs_of, named_tool

Item = dict[str, Any]


def _read_input(body: dict[str, Any]) -> tuple[int, str, str]:
    """Prompt tokens, the last user/tool role and its text."""
    instructions = body.get("instructions")
    prompt = message_tokens([instructions]) if isinstance(instructions, str) and instructions else 0
    given = body.get("input")
    if isinstance(given, str):
        return prompt + message_tokens([given]), "user", given
    if not isinstance(given, list) or not given:
        raise BadRequest("Missing required parameter: 'input'.", "input")
    last_role, last_text = "", ""
    for item in given:
        if not isinstance(item, dict):
            raise BadRequest("Invalid type for 'input': expected items.", "input")
        kind = item.get("type", "message")
        images = 0
        if kind == "function_call":
            texts = [str(item.get("arguments", ""))]
        elif kind == "function_call_output":
            output = item.get("output")
            texts = [output] if isinstance(output, str) else content_parts(output)[0]
            last_role, last_text = "tool", " ".join(texts)
        elif kind == "reasoning":
            texts = [s.get("text", "") for s in item.get("summary") or [] if isinstance(s, dict)]
            _check_reasoning(item, body.get("store") is False)
        else:
            texts, images = content_parts(item.get("content"))
            if item.get("role") == "user":
                last_role, last_text = "user", " ".join(texts)
        prompt += message_tokens(texts, images)
    return prompt, last_role, last_text


ENCRYPTED = "enc:"


def encrypt(text: str) -> str:
    """The fake's "encrypted" reasoning content (a test can decode it)."""
    return ENCRYPTED + base64.b64encode(text.encode()).decode()


def _check_reasoning(item: Item, stateless: bool) -> None:
    content = item.get("encrypted_content")
    if content is None:
        if stateless:
            raise BadRequest(
                f"Item with id '{item.get('id')}' not found. Items are not persisted when "
                "`store` is set to false.",
                "input",
            )
        return
    try:
        valid = isinstance(content, str) and content.startswith(ENCRYPTED)
        base64.b64decode(content[len(ENCRYPTED) :], validate=True)
    except (binascii.Error, ValueError):
        valid = False
    if not valid:
        raise BadRequest(
            "The encrypted content of a reasoning item could not be verified.", "input"
        )


def _function_call(request: FakeRequest, body: dict[str, Any], role: str, text: str) -> Item | None:
    tools = [
        t for t in body.get("tools") or [] if isinstance(t, dict) and t.get("type") == "function"
    ]
    choice = body.get("tool_choice")
    if not tools or choice == "none":
        return None
    forced = named_tool(choice)
    tool = next((t for t in tools if t.get("name") == forced), None) if forced else tools[0]
    if tool is None:
        raise BadRequest(f"tool_choice names an unknown function: {forced!r}.", "tool_choice")
    if not wants_tool(text if role == "user" else "", forced is not None or choice == "required"):
        return None
    return {
        "id": "fc_" + request.digest,
        "type": "function_call",
        "status": "completed",
        "call_id": "call_" + request.digest,
        "name": str(tool.get("name", "")),
        "arguments": tool_arguments_json(tool.get("parameters")),
    }


def build_response(request: FakeRequest, model: str) -> dict[str, Any]:
    """The final ``response`` object for a request."""
    body: dict[str, Any] = request.json
    prompt, role, text = _read_input(body)
    output: list[Item] = []
    reasoning_tokens = 0
    if is_reasoning_model(model):
        reasoning = reasoning_text(text)
        reasoning_tokens = count_words(reasoning)
        summary = [{"type": "summary_text", "text": reasoning}]
        item: Item = {"id": "rs_" + request.digest, "type": "reasoning", "summary": summary}
        if "reasoning.encrypted_content" in (body.get("include") or ()):
            item["encrypted_content"] = encrypt(reasoning)
        output.append(item)
    completion = reasoning_tokens
    call = _function_call(request, body, role, text)
    cut = False
    if call is not None:
        output.append(call)
        completion += text_tokens(len(call["arguments"]))
    else:
        answer, cut = truncate(echo_answer(text), int_or_none(body.get("max_output_tokens")))
        completion += count_words(answer)
        logprobs = []
        if "message.output_text.logprobs" in (body.get("include") or ()):
            top = int_or_none(body.get("top_logprobs")) or 0
            logprobs = logprobs_of(answer, top)["content"]
        part = {"type": "output_text", "text": answer, "annotations": [], "logprobs": logprobs}
        output.append(
            {
                "id": "msg_" + request.digest,
                "type": "message",
                "status": "incomplete" if cut else "completed",
                "role": "assistant",
                "content": [part],
            }
        )
    usage = {
        "input_tokens": prompt,
        "input_tokens_details": {
            "cached_tokens": prompt // 2 if is_cache_model(model) else 0,
            "cache_write_tokens": 0,
        },
        "output_tokens": completion,
        "output_tokens_details": {"reasoning_tokens": reasoning_tokens},
        "total_tokens": prompt + completion,
    }
    given = body.get("reasoning")
    reasoning_options: dict[str, Any] = given if isinstance(given, dict) else {}
    return {
        "id": "resp_" + request.digest,
        "object": "response",
        "created_at": CREATED,
        "completed_at": None if cut else CREATED,
        "status": "incomplete" if cut else "completed",
        "error": None,
        "incomplete_details": {"reason": "max_output_tokens"} if cut else None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "model": model,
        "output": output,
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "reasoning": {
            "effort": reasoning_options.get("effort"),
            "summary": reasoning_options.get("summary"),
        },
        "store": body.get("store", True),
        "temperature": body.get("temperature", 1.0),
        "text": body.get("text") or {"format": {"type": "text"}},
        "tool_choice": body.get("tool_choice", "auto"),
        "tools": body.get("tools") or [],
        "top_p": body.get("top_p", 1.0),
        "truncation": body.get("truncation", "disabled"),
        "usage": usage,
        "metadata": body.get("metadata") or {},
    }


def handle(request: FakeRequest, model: str) -> Reply:
    """``POST /v1/responses``: a ``response`` object or its typed event stream."""
    response = build_response(request, model)
    if request.json.get("stream") is True:
        return sse_reply(stream_events(response), headers(request))
    return json_reply(200, response, headers(request))


def stream_events(response: dict[str, Any]) -> list[Event]:
    """response.created, .in_progress, each item's events, then .completed (or .incomplete)."""
    events: list[Event] = []

    def emit(kind: str, **fields: Any) -> None:
        data = {"type": kind, "sequence_number": len(events), **fields}
        events.append((kind, orjson.dumps(data)))

    start = {**response, "status": "in_progress", "output": [], "usage": None}
    start.update(completed_at=None, incomplete_details=None)
    emit("response.created", response=start)
    emit("response.in_progress", response=start)
    for index, item in enumerate(response["output"]):
        ids = {"item_id": item["id"], "output_index": index}
        if item["type"] == "reasoning":
            emit("response.output_item.added", output_index=index, item={**item, "summary": []})
            text = item["summary"][0]["text"]
            empty = {"type": "summary_text", "text": ""}
            emit("response.reasoning_summary_part.added", **ids, summary_index=0, part=empty)
            for piece in pieces(text):
                emit("response.reasoning_summary_text.delta", **ids, summary_index=0, delta=piece)
            emit("response.reasoning_summary_text.done", **ids, summary_index=0, text=text)
            emit(
                "response.reasoning_summary_part.done",
                **ids,
                summary_index=0,
                part=item["summary"][0],
            )
        elif item["type"] == "function_call":
            added = {**item, "status": "in_progress", "arguments": ""}
            emit("response.output_item.added", output_index=index, item=added)
            for part in split_json(item["arguments"]):
                emit("response.function_call_arguments.delta", **ids, delta=part)
            emit(
                "response.function_call_arguments.done",
                **ids,
                name=item["name"],
                arguments=item["arguments"],
            )
        else:
            added = {**item, "status": "in_progress", "content": []}
            emit("response.output_item.added", output_index=index, item=added)
            part = item["content"][0]
            text_ids = {**ids, "content_index": 0}
            emit("response.content_part.added", **text_ids, part={**part, "text": ""})
            entries = part["logprobs"]
            for number, piece in enumerate(pieces(part["text"])):
                # the delta's own tokens, without ``bytes`` (as OpenAI's delta events have them)
                mine = [_delta_logprob(entry) for entry in entries[number : number + 1]]
                emit("response.output_text.delta", **text_ids, delta=piece, logprobs=mine)
            done_logprobs = [_delta_logprob(entry) for entry in entries]
            emit("response.output_text.done", **text_ids, text=part["text"], logprobs=done_logprobs)
            emit("response.content_part.done", **text_ids, part=part)
        emit("response.output_item.done", output_index=index, item=item)
    final = "response.incomplete" if response["status"] == "incomplete" else "response.completed"
    emit(final, response=response)
    return events


def _delta_logprob(entry: dict[str, Any]) -> dict[str, Any]:
    top = [{"token": t["token"], "logprob": t["logprob"]} for t in entry["top_logprobs"]]
    return {"token": entry["token"], "logprob": entry["logprob"], "top_logprobs": top}
