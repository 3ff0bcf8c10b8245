"""Internal stream events -> the Responses API's typed event stream.

``response.created`` and ``response.in_progress`` first; then per output item
``response.output_item.added``, its content events (``response.reasoning_summary_part.added`` /
``response.reasoning_summary_text.delta``, ``response.content_part.added`` /
``response.output_text.delta`` / ``.done`` / ``response.content_part.done``,
``response.function_call_arguments.delta`` / ``.done``) and ``response.output_item.done``;
``response.completed`` (or ``.incomplete``) with the whole response and its usage last. Every
event has its ``sequence_number``. An item is closed when the next one starts.
"""

from __future__ import annotations

from typing import Any

import orjson

from modelyard.errors import ModelyardError
from modelyard.gateway import tool_call_ids
from modelyard.gateway.responses import outbound
from modelyard.llm_types import (
    Finish,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from modelyard.llm_types.chat import FinishReason


class _Item:
    """The output item being written: its index, the item and its text so far."""

    __slots__ = ("index", "item", "text")

    def __init__(self, index: int, item: dict[str, Any]) -> None:
        self.index = index
        self.item = item
        self.text: list[str] = []


class ResponsesWriter:
    """Turns one answer's stream events into Responses SSE events; keeps the output items
    (with encrypted reasoning, for the store) for ``response.completed``."""

    def __init__(self, response_id: str, body: dict[str, Any], model: str, created: int) -> None:
        self.response_id = response_id
        self.body = body
        self.model = model
        self.created = created
        self.output: list[dict[str, Any]] = []
        self.finish: FinishReason | None = None
        self._sequence = 0
        self._open: _Item | None = None
        self._calls: dict[int, _Item] = {}  # tool call index -> its item
        self._text_parts = (b"", b"", b"")  # the open message's delta event, around its values

    def _event(self, kind: str, **fields: Any) -> bytes:
        data = {"type": kind, "sequence_number": self._sequence, **fields}
        self._sequence += 1
        return b"event: " + kind.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"

    def _response(self, status: str, usage: Usage | None, output: list[dict[str, Any]]) -> Any:
        return outbound.response_object(
            self.response_id,
            self.body,
            self.model,
            output,
            usage,
            self.finish,
            created_at=self.created,
            status=status,
        )

    def start(self) -> bytes:
        response = self._response("in_progress", None, [])
        return self._event("response.created", response=response) + self._event(
            "response.in_progress", response=response
        )

    def _add(self, item: dict[str, Any], out: bytearray) -> _Item:
        self._close(out)
        opened = _Item(len(self.output), item)
        self.output.append(item)
        self._open = opened
        shown = {**item, "status": "in_progress"} if "status" in item else item
        if item["type"] == "message":
            shown = {**shown, "content": []}
        elif item["type"] == "reasoning":
            shown = {**shown, "summary": []}
        elif item["type"] == "function_call":
            shown = {**shown, "arguments": ""}
        out += self._event("response.output_item.added", output_index=opened.index, item=shown)
        if item["type"] == "message":
            part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
            out += self._event(
                "response.content_part.added", **self._ids(opened), content_index=0, part=part
            )
        return opened

    @staticmethod
    def _ids(item: _Item) -> dict[str, Any]:
        return {"item_id": item.item["id"], "output_index": item.index}

    def _close(self, out: bytearray) -> None:
        opened, self._open = self._open, None
        if opened is None:
            return
        item, ids, text = opened.item, self._ids(opened), "".join(opened.text)
        if item["type"] == "message":
            item["content"][0]["text"] = text
            part = item["content"][0]
            out += self._event(
                "response.output_text.done", **ids, content_index=0, text=text, logprobs=[]
            )
            out += self._event("response.content_part.done", **ids, content_index=0, part=part)
        elif item["type"] == "reasoning" and opened.text:
            part = {"type": "summary_text", "text": text}
            item["summary"] = [part]
            out += self._event(
                "response.reasoning_summary_text.done", **ids, summary_index=0, text=text
            )
            out += self._event(
                "response.reasoning_summary_part.done", **ids, summary_index=0, part=part
            )
        elif item["type"] == "function_call":
            item["arguments"] = text
            out += self._event(
                "response.function_call_arguments.done", **ids, name=item["name"], arguments=text
            )
        shown = {k: v for k, v in item.items() if k != "encrypted_content" or self._encrypted}
        out += self._event("response.output_item.done", output_index=opened.index, item=shown)

    @property
    def _encrypted(self) -> bool:
        return "reasoning.encrypted_content" in (self.body.get("include") or ())

    def encode(self, events: list[StreamEvent]) -> bytes:
        out = bytearray()
        for event in events:
            if type(event) is TextDelta:
                self._text(event.text, out)
            elif type(event) is ReasoningDelta:
                self._reasoning(event, out)
            elif type(event) is ToolCallDelta:
                self._tool_call(event, out)
            elif type(event) is Finish:
                self.finish = event.reason
        return bytes(out)

    def _text(self, text: str, out: bytearray) -> None:
        if not text:
            return
        opened = self._open
        if opened is None or opened.item["type"] != "message":
            opened = self._add(outbound.message_item("", outbound.new_id("msg")), out)
            self._text_parts = self._delta_template(opened)
        opened.text.append(text)
        # The bulk of a stream: the event's constant bytes around its sequence number and
        # text, cut once from a rendered event, so it is the same byte for byte.
        head, middle, tail = self._text_parts
        out += head + str(self._sequence).encode() + middle + orjson.dumps(text) + tail
        self._sequence += 1

    def _delta_template(self, opened: _Item) -> tuple[bytes, bytes, bytes]:
        mark = "\x00"
        event = self._event(
            "response.output_text.delta",
            **self._ids(opened),
            content_index=0,
            delta=mark,
            logprobs=[],
        )
        self._sequence -= 1  # a template, not sent
        number = b'"sequence_number":' + str(self._sequence).encode()
        head, _, rest = event.partition(number)
        middle, _, tail = rest.partition(orjson.dumps(mark))
        return head + b'"sequence_number":', middle, tail

    def _reasoning(self, event: ReasoningDelta, out: bytearray) -> None:
        opened = self._open
        if event.item is not None:  # the upstream's finished reasoning item
            if opened is None or opened.item["type"] != "reasoning":
                opened = self._add({"id": "", "type": "reasoning", "summary": []}, out)
            opened.item.update(
                {k: event.item[k] for k in ("id", "encrypted_content") if event.item.get(k)}
            )
            if not opened.text and event.item.get("summary"):
                opened.item["summary"] = event.item["summary"]
            if not opened.item["id"]:
                opened.item["id"] = outbound.new_id("rs")
            self._close(out)
            return
        if not event.text:
            return
        if opened is None or opened.item["type"] != "reasoning":
            opened = self._add(
                {"id": outbound.new_id("rs"), "type": "reasoning", "summary": []}, out
            )
            empty = {"type": "summary_text", "text": ""}
            out += self._event(
                "response.reasoning_summary_part.added",
                **self._ids(opened),
                summary_index=0,
                part=empty,
            )
        opened.text.append(event.text)
        out += self._event(
            "response.reasoning_summary_text.delta",
            **self._ids(opened),
            summary_index=0,
            delta=event.text,
        )

    def _tool_call(self, event: ToolCallDelta, out: bytearray) -> None:
        opened = self._calls.get(event.index)
        if opened is None:
            call_id = tool_call_ids.encode(
                event.id or outbound.new_id("call"), event.provider_data, event.provider_origin
            )
            item = outbound.function_call_item(
                call_id, event.name or "", "", outbound.new_id("fc"), "completed"
            )
            opened = self._calls[event.index] = self._add(item, out)
        elif opened is not self._open:  # a piece of an earlier call (rare): kept, not re-opened
            opened.text.append(event.arguments)
            opened.item["arguments"] = "".join(opened.text)
            return
        if event.arguments:
            opened.text.append(event.arguments)
            out += self._event(
                "response.function_call_arguments.delta",
                **self._ids(opened),
                delta=event.arguments,
            )

    def close(self, usage: Usage) -> tuple[bytes, dict[str, Any]]:
        """The items' last events, and the final response (sent by :meth:`complete`)."""
        out = bytearray()
        self._close(out)
        status = "incomplete" if self.finish in ("length", "content_filter") else "completed"
        return bytes(out), self._response(status, usage, self.public_output())

    def complete(self, response: dict[str, Any]) -> bytes:
        kind = "response.incomplete" if response["status"] == "incomplete" else "response.completed"
        return self._event(kind, response=response)

    def public_output(self) -> list[dict[str, Any]]:
        return outbound.public(self.output, encrypted=self._encrypted)

    def failed(self, error: ModelyardError, usage: Usage) -> bytes:
        out = bytearray()
        self._close(out)
        response = self._response("failed", usage, self.public_output())
        response["error"] = {"code": error.code or "server_error", "message": error.message}
        out += self._event("response.failed", response=response)
        return bytes(out)
