"""Provider data carried to the caller inside tool call ids, and back.

Gemini wants each function call's ``thoughtSignature`` back, Anthropic (with thinking on) the
signed thinking block before a turn's ``tool_use`` blocks. OpenAI-compatible clients echo only
standard fields, but they always echo a tool call's ``id`` (on the assistant message and as the
``tool`` message's ``tool_call_id``). So the id we hand out is ``<upstream id>`` when there is
nothing to carry, else ``<upstream id>~my1.<base64url(zlib(provider data))>``: ``~`` appears in
neither base64url nor the providers' ids, so the split is unambiguous; zlib keeps thinking text
short (the id may still be some KB long, which clients accept).

An id that does not decode (a client's own id, a truncated or tampered one) is a plain id: the
call goes on without provider data, never a 500. The data is never logged here.
"""

from __future__ import annotations

import base64
import binascii
import zlib

from modelyard.llm_types import ToolCall

MARKER = "~my1."
MAX_DATA_BYTES = 1 << 20
"""Decompressed provider data above this is refused (a forged id must not inflate memory)."""


def encode(call_id: str, provider_data: str | None) -> str:
    """The id to give the caller for an upstream call id and its provider data."""
    if not provider_data:
        return call_id
    packed = zlib.compress(provider_data.encode(), 9)
    return call_id + MARKER + base64.urlsafe_b64encode(packed).rstrip(b"=").decode()


def decode(caller_id: str) -> tuple[str, str | None]:
    """(upstream id, provider data or None) of an id the caller sent back."""
    call_id, marker, payload = caller_id.rpartition(MARKER)
    if not marker or not call_id:
        return caller_id, None
    try:
        packed = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        inflater = zlib.decompressobj()
        data = inflater.decompress(packed, MAX_DATA_BYTES)
        if inflater.unconsumed_tail or not inflater.eof:
            return caller_id, None
        return call_id, data.decode()
    except (binascii.Error, ValueError, zlib.error, UnicodeDecodeError):
        return caller_id, None


def outbound_call(call: ToolCall) -> str:
    """The caller-facing id of an answer's tool call."""
    return encode(call.id, call.provider_data)
