"""Provider data belongs to the model that wrote it.

Thinking signatures (Gemini's ``thoughtSignature``, Anthropic's signed thinking blocks) are
valid only for the model that issued them: a provider refuses another model's signatures with a
400 ("invalid signature"), and a 400 is not retried on the next fallback. A tool loop whose next
turn goes to another model (a fallback, or a deployment with another model identifier) would
then break exactly when the fallback should save it.

So provider data is bound to its *origin*, ``"<provider>:<model identifier>"`` of the deployment
that answered (:func:`origin_of`; :func:`bind_answer` and :func:`bind_events` stamp it on an
answer's tool calls), the gateway hands the origin out with the data (in the tool call id), and
before a request goes to a deployment :func:`strip_foreign_provider_data` drops the data of
calls from another origin. Data of unknown origin (ids handed out before origins were carried)
is kept, as before. Without the data each adapter goes on as with a client that lost it:
Anthropic answers that turn without thinking, Gemini gets its documented placeholder signature.
"""

from __future__ import annotations

from dataclasses import replace

from modelyard.llm_types.chat import ChatRequest, ChatResponse, Message, ToolCall
from modelyard.llm_types.stream import StreamEvent, ToolCallDelta


def origin_of(provider: str, model: str) -> str:
    """The origin of the provider data a deployment's answers carry: ``"<provider>:<model>"``
    (``model`` is the deployment's upstream model identifier, not the caller's slug)."""
    return f"{provider}:{model}"


def bind_answer(answer: ChatResponse, origin: str) -> ChatResponse:
    """Stamp ``origin`` on the answer's tool calls that carry provider data (in place)."""
    for call in answer.tool_calls:
        if call.provider_data:
            call.provider_origin = origin
    return answer


def bind_events(events: list[StreamEvent], origin: str) -> list[StreamEvent]:
    """Stamp ``origin`` on the stream's tool call pieces that carry provider data (in place)."""
    for event in events:
        if type(event) is ToolCallDelta and event.provider_data:
            event.provider_origin = origin
    return events


def _foreign(call: ToolCall, origin: str) -> bool:
    return bool(call.provider_data) and call.provider_origin not in (None, origin)


def strip_foreign_provider_data(request: ChatRequest, origin: str) -> ChatRequest:
    """``request`` as the deployment of ``origin`` may see it: tool calls whose provider data
    came from another origin lose that data (the provider would refuse it with a 400, which no
    fallback retries); data from the same or an unknown origin stays.

    Pure: the request (shared by every deployment a call may try) is not modified; when there is
    nothing to strip it is returned as it is.
    """
    if not any(_foreign(c, origin) for m in request.messages for c in m.tool_calls):
        return request
    messages: list[Message] = []
    for message in request.messages:
        if any(_foreign(c, origin) for c in message.tool_calls):
            calls = [
                replace(c, provider_data=None, provider_origin=None) if _foreign(c, origin) else c
                for c in message.tool_calls
            ]
            message = replace(message, tool_calls=calls)
        messages.append(message)
    return replace(request, messages=messages)
