"""Readable, prefixed random identifiers (``mdl_3f9c...``): the prefix tells what a bare id is."""

from __future__ import annotations

import secrets


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(10)}"
