"""The fake upstream provider: every real wire format, deterministic, with faults on cue.

There is no internet where Modelyard is tested, demonstrated and benchmarked, so this package
ships a server that answers exactly like OpenAI, Azure OpenAI, Anthropic and Google Gemini at
their real paths. Pointing a model key's ``base_url`` at it is all it takes (OpenAI:
``http://127.0.0.1:N/v1``; Azure, Anthropic, Gemini: ``http://127.0.0.1:N``).

Public surface::

    create_fake_app(log_limit=10_000) -> FakeApp          # the raw ASGI app (``.log``)
    with FakeProvider(port=None) as fake:                  # uvicorn in a thread, free port
        fake.url                                           # "http://127.0.0.1:PORT"
        fake.requests() / fake.clear()                     # the request log
        fake.set_fault(model, "fail-429") / (model, None)  # misbehave from now on / stop
    run_fake_provider(host, port)                          # blocking (``modelyard fake-provider``)

Paths
-----
OpenAI (``Authorization: Bearer <any key>``, else 401):
  ``POST /v1/chat/completions``, ``/v1/responses``, ``/v1/embeddings``,
  ``/v1/images/generations``, ``/v1/images/edits`` (multipart ``image`` / ``image[]``, ``mask``;
  or JSON ``images``).
Azure OpenAI (``api-key`` header or an Entra bearer token, else 401; the deployment is the model):
  ``POST /openai/deployments/{deployment}/chat/completions|embeddings|images/generations|
  images/edits|responses`` and ``/openai/responses``, all needing ``?api-version=`` (else 400
  ``MissingApiVersionParameter``); ``/openai/v1/...`` (the v1 API, no api-version, model in the
  body). Chat answers carry ``prompt_filter_results`` / ``content_filter_results``; a chat
  stream starts with Azure's filter-only chunk.
Anthropic: ``POST /v1/messages`` (``x-api-key`` or ``Authorization: Bearer``, as anthropic SDK 2.x
  sends, else 401; ``anthropic-version`` else 400; ``max_tokens`` required).
Gemini (``x-goog-api-key`` header or ``?key=``, else 403): ``POST /v1beta/models/{model}:
  generateContent | streamGenerateContent (?alt=sse) | embedContent | batchEmbedContents |
  countTokens`` (``/v1/models/...`` too).
Control (never logged): ``GET /_fake/requests`` (the log, JSON list), ``DELETE /_fake/requests``,
  ``PUT /_fake/faults`` (``{"model": <identifier>, "fault": "fail-429"}``: answer that model as
  the fault says from now on; ``"fault": null`` ends it), ``DELETE /_fake/faults`` (end all),
  ``GET /_fake/health``, ``GET /_fake/images/{colour}.png`` (what image URLs point to).

Deterministic rules
-------------------
- Chat streams of models named ``mistral*`` sent without ``stream_options`` carry ``usage`` on
  the final (finish) chunk, as Mistral's API does.
- Answer text: ``"Echo: " + <text of the last user message (or tool result)>[:200]``, stripped
  (``"(no text)"`` when empty). Streams send it one word per chunk; the chunks join back to it.
- Prompt tokens: per message (system prompt / instructions count as one) ``4 + ceil(chars/4)``
  of all its text (tool-call arguments and tool results included) ``+ 85`` per image. Tool
  definitions are not counted. Embedding inputs: ``ceil(chars/4)`` each (token arrays: length).
- Completion tokens: the number of words of the generated text (reasoning included), plus
  ``ceil(len(arguments JSON)/4)`` for a tool call. ``max_tokens`` / ``max_completion_tokens`` /
  ``max_output_tokens`` / ``maxOutputTokens`` cut the answer to that many words, then
  ``finish_reason: "length"`` (``max_tokens``, ``MAX_TOKENS``, Responses ``incomplete``).
- Tool calls: when tools are given and the last message is a user message mentioning "weather"
  (any case), or a tool choice forces it (``required``/``any``/``ANY``: the first tool, a named
  choice: that tool), the answer calls the first (or named) tool; arguments have one value per
  schema property (``enum[0]``; strings ``"Paris"`` for city/location/place/town, else
  ``"fake"``; numbers 1; booleans true; arrays ``[]``; objects recursively). A last message that
  is a tool result is echoed, never answered with another call (unless forced).
- Model identifier containing ``reason``: reasoning ``"Reasoning about: <text[:100]>"`` as
  ``reasoning_content`` (Chat), a reasoning item with summary text (Responses), a thinking block
  (Anthropic; also when ``thinking`` is enabled), ``thoughtsTokenCount`` (Gemini; thought parts
  only with ``includeThoughts``). Its words are the reasoning tokens.
- Thinking signatures (``testing.signatures``): Anthropic thinking blocks are signed; with
  ``thinking`` enabled, a request continuing a tool loop (last user turn has ``tool_result``s)
  whose last assistant message does not start with its thinking block gets Anthropic's 400, and a
  thinking block whose signature does not match its text a 400 anywhere. A thinking Gemini
  request (``reason`` model, ``thinkingBudget`` > 0 or ``includeThoughts``) gets a
  ``thoughtSignature`` on its ``functionCall`` part; a thinking request whose current turn has a
  model step whose first function call lacks one gets Gemini 3's 400 ``INVALID_ARGUMENT``, and a
  signature that is neither the one issued for that call nor Google's placeholder a 400.
  Signatures are bound to the model identifier they were issued by: another model's is refused.
- Containing ``cache``: cached prompt tokens are half the prompt (OpenAI ``cached_tokens``,
  Gemini ``cachedContentTokenCount``); otherwise 0. Anthropic counts the blocks up to the last
  ``cache_control`` marker as ``cache_read_input_tokens`` for ``cache`` models, else as
  ``cache_creation_input_tokens`` (5m or 1h per the marker's ``ttl``); ``input_tokens`` is the rest.
- Containing ``image`` (Gemini): an 8x8 PNG ``inlineData`` part, 1290 candidate tokens.
- Images: 8x8 one-colour PNGs (colour from the request). ``gpt-image*`` always answers
  ``b64_json`` with ``usage`` (input: ``ceil(prompt chars/4)`` text + 85 per input image; output
  272/1056/4160 per image for low/medium/high quality, medium by default); other models honour
  ``response_format`` (default ``url``, served by the fake).
- Embeddings: dimensions = ``dimensions`` / ``outputDimensionality``, else a ``-<N>`` suffix of
  the model (``fake-embed-1536``: 1536; 2-4 digits, no leading zero), else 8. A text
  ``vec:0.6,0.8`` embeds to exactly that vector (normalised if it is not unit length, padded with
  zeros or cut to the dimensions), so ``cos("vec:1,0", "vec:0.6,0.8") == 0.6``; any other text to
  a unit vector from a hash of the text. ``encoding_format: "base64"`` is little-endian float32.
- Ids derive from a digest of the request (``chatcmpl-<d>``, ``call_<d>``, ``msg_<d>``...);
  ``created`` is fixed (1735689600). The same request gives the same bytes.

Faults (by the model identifier: ``model`` field, Azure deployment, Gemini path model)
----------------------------------------------------------------------------------------
``fail-<status>`` (``fail-429``, ``fail-401``, ``fail-500``, ``fail-529``, any 3-digit status)
answers that status in the provider's error shape (429 with ``retry-after: 1``; 529 is
Anthropic's ``overloaded_error``); ``fail-hang`` never answers (until the client disconnects);
``fail-cut`` starts the answer (half the events, or half the body under a full
``content-length``) and drops the connection; ``fail-garbage`` answers 200 with a truncated JSON
body, or a stream with one event's JSON broken. ``slow-<ms>`` delays the answer (and may precede
``fail-``: ``slow-200-fail-500``); a request header ``x-fake-delay-ms: <ms>`` does the same.
A fault set for an identifier (``PUT /_fake/faults``, ``fake.set_fault``) stands in for it when
the fault is read, so a deployment that answered one turn can be made to fail the next.
Order: auth and api-version checks, then a JSON body with a model, then the fault, then the
answer (whose own validation may still give a 400). Slow and hanging requests end as soon as the
client disconnects; when the server stops they get a 503 at once.

Not modelled: image streaming, real content filtering; unknown fields are accepted and
ignored, any model name and any key work.

Request log
-----------
Every request except ``/_fake/*`` is kept (the last ``log_limit``): ``method``, ``path``,
``query`` (dict), ``headers`` (dict, lower-case names), ``body`` (the JSON; for forms a dict of
fields, files as ``{"filename", "content_type", "size"}`` and repeated fields as lists; other
bodies as text; ``None`` when empty).
"""

from __future__ import annotations

from modelyard.testing.app import FakeApp, create_fake_app
from modelyard.testing.server import FakeProvider, run_fake_provider

__all__ = ["FakeApp", "FakeProvider", "create_fake_app", "run_fake_provider"]
