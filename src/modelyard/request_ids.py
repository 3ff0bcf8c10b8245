"""``x-request-id``: the caller's own when it is a sane token, else a new one.

One id names a call everywhere: the response header, the log lines, the usage record, audit
rows and error bodies. The gateway and the admin API keep it in the ASGI scope under
``SCOPE_KEY`` so that whatever handles the call can read it without passing it around.
"""

from __future__ import annotations

import os
import re

from starlette.types import Scope

HEADER = "x-request-id"
SCOPE_KEY = "modelyard.request_id"
_VALID = re.compile(r"[A-Za-z0-9._-]{1,128}")


def new_request_id() -> str:
    """``req_`` and 24 hex digits: unique enough across replicas, cheap (no uuid object)."""
    return "req_" + os.urandom(12).hex()


def accepted(given: str | None) -> str:
    """The caller's id when it is 1-128 of ``A-Za-z0-9._-``, else a fresh one."""
    if given is not None and _VALID.fullmatch(given):
        return given
    return new_request_id()


def request_id_of(scope: Scope) -> str | None:
    """The id the gateway or the admin API gave this request (None outside them)."""
    value: str | None = scope.get(SCOPE_KEY)
    return value
