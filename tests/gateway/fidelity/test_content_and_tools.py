"""Documents, audio, response schemas and tools reach the upstream in its own form; tool-call
ids stay unique across a tool loop; legacy ``functions`` are tools."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from pydantic import BaseModel

from modelyard.testing import FakeProvider
from tests.gateway.fidelity.conftest import Models
from tests.gateway.setup import upstream_requests
from tests.support import error_of

PDF = base64.b64encode(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF").decode()
PDF_URL = f"data:application/pdf;base64,{PDF}"
WAV = base64.b64encode(b"RIFF....WAVEfmt ").decode()


def _sent(fake: FakeProvider, identifier: str) -> dict[str, Any]:
    body: dict[str, Any] = upstream_requests(fake, identifier)[-1]["body"]
    return body


def _document_message() -> Any:
    return [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Summarise"},
                {
                    "type": "file",
                    "file": {"filename": "a.pdf", "file_data": PDF_URL},
                },
            ],
        }
    ]


def test_pdf_reaches_gemini_as_inline_data(models: Models, fake: FakeProvider) -> None:
    answer = models.sdk.chat.completions.create(model=models.gemini, messages=_document_message())
    assert answer.choices[0].message.content == "Echo: Summarise"
    parts = _sent(fake, models.gemini_id)["contents"][0]["parts"]
    assert parts[1] == {"inlineData": {"mimeType": "application/pdf", "data": PDF}}
    # The fake counts the document as an image: 4 + 3 (text) + 85
    assert answer.usage is not None and answer.usage.prompt_tokens == 92


def test_pdf_reaches_openai_as_a_file_part(models: Models, fake: FakeProvider) -> None:
    models.sdk.chat.completions.create(model=models.openai, messages=_document_message())
    part = _sent(fake, models.openai_id)["messages"][0]["content"][1]
    assert part == {
        "type": "file",
        "file": {"file_data": f"data:application/pdf;base64,{PDF}", "filename": "a.pdf"},
    }


def test_audio_reaches_openai_and_gemini_and_is_refused_elsewhere(
    models: Models, fake: FakeProvider
) -> None:
    messages: Any = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Transcribe"},
                {"type": "input_audio", "input_audio": {"data": WAV, "format": "wav"}},
            ],
        }
    ]
    models.sdk.chat.completions.create(model=models.openai, messages=messages)
    part = _sent(fake, models.openai_id)["messages"][0]["content"][1]
    assert part == {"type": "input_audio", "input_audio": {"data": WAV, "format": "wav"}}
    models.sdk.chat.completions.create(model=models.gemini, messages=messages)
    parts = _sent(fake, models.gemini_id)["contents"][0]["parts"]
    assert parts[1] == {"inlineData": {"mimeType": "audio/wav", "data": WAV}}
    with models.ws.server.client(models.ws.owner_key) as http:
        body = {"model": models.anthropic, "messages": messages}
        error = error_of(http.post("/v1/chat/completions", json=body), 400)
    assert error["param"] == "input_audio" and models.anthropic in error["message"]


@pytest.mark.parametrize(
    ("part", "param"),
    [
        ({"type": "file", "file": {"file_id": "file-1"}}, "messages[0].content[0].file.file_id"),
        ({"type": "file", "file": {"file_data": "data:application/pdf,x"}}, None),
        ({"type": "input_audio", "input_audio": {"data": WAV, "format": "ogg"}}, None),
    ],
)
def test_malformed_documents_and_audio_are_400s_naming_the_field(
    models: Models, part: dict[str, Any], param: str | None
) -> None:
    with models.ws.server.client(models.ws.owner_key) as http:
        body = {"model": models.gemini, "messages": [{"role": "user", "content": [part]}]}
        error = error_of(http.post("/v1/chat/completions", json=body), 400)
    assert error["param"].startswith("messages[0].content[0].")
    if param is not None:
        assert error["param"] == param


class Weather(BaseModel):
    city: str
    celsius: int
    sunny: bool


def test_json_schema_reaches_gemini_and_parse_gets_a_fitting_object(
    models: Models, fake: FakeProvider
) -> None:
    parsed = models.sdk.chat.completions.parse(
        model=models.gemini,
        messages=[{"role": "user", "content": "Weather in Paris?"}],
        response_format=Weather,
    )
    config = _sent(fake, models.gemini_id)["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    schema = config.get("responseJsonSchema") or config.get("responseSchema")
    assert schema is not None and set(schema["properties"]) == {"city", "celsius", "sunny"}
    weather = parsed.choices[0].message.parsed
    assert weather == Weather(city="Paris", celsius=1, sunny=True)


def test_json_schema_on_the_openai_wire(models: Models, fake: FakeProvider) -> None:
    parsed = models.sdk.chat.completions.parse(
        model=models.openai,
        messages=[{"role": "user", "content": "Weather in Paris?"}],
        response_format=Weather,
    )
    assert _sent(fake, models.openai_id)["response_format"]["type"] == "json_schema"
    assert parsed.choices[0].message.parsed == Weather(city="Paris", celsius=1, sunny=True)


RICH_TOOL: Any = {
    "type": "function",
    "function": {
        "name": "book",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "nights": {"type": ["integer", "null"]}},
            "required": ["city"],
            "additionalProperties": False,
        },
    },
}


def test_gemini_tool_arguments_follow_parameters_json_schema(
    models: Models, fake: FakeProvider
) -> None:
    answer = models.sdk.chat.completions.create(
        model=models.gemini,
        messages=[{"role": "user", "content": "Book a hotel"}],
        tools=[RICH_TOOL],
        tool_choice="required",
    )
    declaration = _sent(fake, models.gemini_id)["tools"][0]["functionDeclarations"][0]
    assert "parametersJsonSchema" in declaration
    calls = answer.choices[0].message.tool_calls
    assert calls is not None
    assert json.loads(calls[0].function.arguments) == {"city": "Paris", "nights": 1}


def test_gemini_tool_call_ids_are_unique_across_a_tool_loop(models: Models) -> None:
    messages: Any = [{"role": "user", "content": "Weather in Paris?"}]
    ids = []
    for turn in range(3):
        answer = models.sdk.chat.completions.create(
            model=models.gemini, messages=messages, tools=[RICH_TOOL], tool_choice="required"
        )
        message = answer.choices[0].message
        assert message.tool_calls
        ids.append(message.tool_calls[0].id)
        messages.append(message.model_dump(exclude_none=True))
        messages.append(
            {"role": "tool", "tool_call_id": message.tool_calls[0].id, "content": f"ok {turn}"}
        )
    assert len(set(ids)) == 3, ids


LEGACY_FUNCTION: Any = {
    "name": "get_weather",
    "description": "Weather",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
}


@pytest.mark.parametrize("which", ["openai", "gemini"])
def test_legacy_functions_are_tools_answered_as_function_call(
    models: Models, fake: FakeProvider, which: str
) -> None:
    slug, identifier = getattr(models, which), getattr(models, f"{which}_id")
    body = {
        "model": slug,
        "messages": [{"role": "user", "content": "What is the weather in Paris?"}],
        "functions": [LEGACY_FUNCTION],
        "function_call": {"name": "get_weather"},
    }
    with models.ws.server.client(models.ws.owner_key) as http:
        answer = http.post("/v1/chat/completions", json=body).json()
        sent = _sent(fake, identifier)
        with http.stream("POST", "/v1/chat/completions", json={**body, "stream": True}) as r:
            lines = [line[6:] for line in r.iter_lines() if line.startswith("data: {")]
    if which == "openai":
        assert sent["tools"] == [{"type": "function", "function": LEGACY_FUNCTION}]
        assert sent["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
    else:
        assert sent["tools"][0]["functionDeclarations"][0]["name"] == "get_weather"
    choice = answer["choices"][0]
    assert choice["finish_reason"] == "function_call"
    assert "tool_calls" not in choice["message"]
    assert choice["message"]["function_call"] == {
        "name": "get_weather",
        "arguments": '{"city":"Paris"}',
    }
    chunks = [json.loads(line) for line in lines]
    deltas = [c["choices"][0]["delta"] for c in chunks if c["choices"]]
    assert not any("tool_calls" in d for d in deltas)
    streamed = [d["function_call"] for d in deltas if "function_call" in d]
    assert streamed[0]["name"] == "get_weather"
    assert "".join(d["arguments"] for d in streamed) == '{"city":"Paris"}'
    assert [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]][-1] == (
        "function_call"
    )


def test_legacy_function_history_becomes_a_tool_turn(models: Models, fake: FakeProvider) -> None:
    with models.ws.server.client(models.ws.owner_key) as http:
        body = {
            "model": models.openai,
            "messages": [
                {"role": "user", "content": "What is the weather in Paris?"},
                {
                    "role": "assistant",
                    "content": None,
                    "function_call": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                },
                {"role": "function", "name": "get_weather", "content": "Sunny"},
            ],
            "functions": [LEGACY_FUNCTION],
        }
        answer = http.post("/v1/chat/completions", json=body).json()
    assert answer["choices"][0]["message"]["content"] == "Echo: Sunny"
    call, result = _sent(fake, models.openai_id)["messages"][1:]
    assert call["tool_calls"][0]["function"]["name"] == "get_weather"
    call_id = call["tool_calls"][0]["id"]
    assert result == {"role": "tool", "content": "Sunny", "tool_call_id": call_id}


def test_pdf_reaches_anthropic_as_a_document(models: Models, fake: FakeProvider) -> None:
    models.sdk.chat.completions.create(model=models.anthropic, messages=_document_message())
    block = _sent(fake, models.anthropic_id)["messages"][0]["content"][1]
    assert block["type"] == "document" and block["source"]["data"] == PDF
