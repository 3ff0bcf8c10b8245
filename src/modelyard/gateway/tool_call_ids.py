"""Provider data carried to the caller inside tool call ids, and back, with its origin.

Gemini wants each function call's ``thoughtSignature`` back, Anthropic (with thinking on) the
signed thinking block before a turn's ``tool_use`` blocks. OpenAI-compatible clients echo only
standard fields, but they always echo a tool call's ``id`` (on the assistant message and as the
``tool`` message's ``tool_call_id``). So the id we hand out is ``<upstream id>`` when there is
nothing to carry, else ``<upstream id>~my2.<base64url(zlib(JSON [origin, provider data]))>``:
``~`` appears in neither base64url nor the providers' ids, so the split is unambiguous; zlib
keeps thinking text short (the id may still be some KB long, which clients accept).

The origin is ``"<provider>:<model identifier>"`` of the deployment that answered
(:mod:`modelyard.llm_types.provider_data`): signatures are valid only for the model that issued
them, so the router drops the data before a turn goes to a deployment of another origin (a
fallback model, another model identifier) instead of sending what the provider refuses.

Ids from before origins were carried, ``<upstream id>~my1.<base64url(zlib(provider data))>``,
still decode, as data of unknown origin (kept for every deployment, as it always was); data
without an origin is still written that way. An id that does not decode (a client's own id, a
truncated or tampered one, a payload of the wrong shape) is a plain id: the call goes on
without provider data, never a 500. The origin is not authenticated: a forged one only decides
whether the (equally forgeable) data reaches a provider, which checks its own signatures. The
data is never logged here.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from typing import NamedTuple

import orjson

from modelyard.llm_types import ToolCall

PREFIX = "~my"
MARKER = PREFIX + "2."
"""Marks a payload of ``[origin, provider data]``."""
LEGACY_MARKER = PREFIX + "1."
"""Marks a payload of provider data alone (unknown origin)."""
MAX_DATA_BYTES = 1 << 20
"""Decompressed payloads above this are refused (a forged id must not inflate memory)."""


class Decoded(NamedTuple):
    """An id the caller sent back: the upstream id, its provider data and where that came from
    (both None for a plain id; the origin None for data of unknown origin)."""

    call_id: str
    provider_data: str | None = None
    origin: str | None = None


def _pack(payload: bytes) -> str:
    return base64.urlsafe_b64encode(zlib.compress(payload, 9)).rstrip(b"=").decode()


def encode(call_id: str, provider_data: str | None, origin: str | None = None) -> str:
    """The id to give the caller for an upstream call id, its provider data and their origin."""
    if not provider_data:
        return call_id
    if origin is None:
        return call_id + LEGACY_MARKER + _pack(provider_data.encode())
    return call_id + MARKER + _pack(orjson.dumps([origin, provider_data]))


def _unpack(payload: str) -> bytes | None:
    try:
        packed = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        inflater = zlib.decompressobj()
        data = inflater.decompress(packed, MAX_DATA_BYTES)
    except (binascii.Error, ValueError, zlib.error):
        return None
    if inflater.unconsumed_tail or not inflater.eof:
        return None
    return data


def decode(caller_id: str) -> Decoded:
    """What an id the caller sent back carries (a plain id when it does not decode)."""
    call_id, prefix, rest = caller_id.rpartition(PREFIX)
    marker = PREFIX + rest[:2]
    if not prefix or not call_id or marker not in (MARKER, LEGACY_MARKER):
        return Decoded(caller_id)
    data = _unpack(rest[2:])
    if data is None:
        return Decoded(caller_id)
    if marker == LEGACY_MARKER:
        try:
            return Decoded(call_id, data.decode())
        except UnicodeDecodeError:
            return Decoded(caller_id)
    try:
        payload = orjson.loads(data)
    except orjson.JSONDecodeError:
        return Decoded(caller_id)
    if (
        not isinstance(payload, list)
        or len(payload) != 2
        or not all(isinstance(item, str) and item for item in payload)
    ):
        return Decoded(caller_id)
    return Decoded(call_id, payload[1], payload[0])


def outbound_call(call: ToolCall) -> str:
    """The caller-facing id of an answer's tool call."""
    return encode(call.id, call.provider_data, call.provider_origin)


def inbound_call(caller_id: str, name: str, arguments: str) -> ToolCall:
    """The tool call of an assistant message the caller sent back, with what its id carries."""
    call_id, data, origin = decode(caller_id)
    return ToolCall(call_id, name, arguments, data, origin)
