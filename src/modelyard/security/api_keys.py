"""User API keys for the gateway: issued once in plain, stored only as a hash.

The keys are 256-bit random strings, so a fast unsalted SHA-256 is enough to make a leaked table
useless (nothing to brute-force) and keeps look-ups O(1): the store is indexed by hash.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field

API_KEY_PREFIX = "my-"
PREFIX_LENGTH = 10
_TOKEN_BYTES = 32
_API_KEY_RE = re.compile(rf"{re.escape(API_KEY_PREFIX)}[A-Za-z0-9_-]{{43}}")


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A freshly issued key: show ``plain`` to the user once, store ``key_hash`` and ``prefix``."""

    plain: str = field(repr=False)
    key_hash: str
    prefix: str


def new_api_key() -> IssuedKey:
    """Issue a new random API key."""
    plain = API_KEY_PREFIX + secrets.token_urlsafe(_TOKEN_BYTES)
    return IssuedKey(plain=plain, key_hash=hash_api_key(plain), prefix=plain[:PREFIX_LENGTH])


def hash_api_key(plain: str) -> str:
    """The stored form of a key: SHA-256 hex of the plain key."""
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


def looks_like_api_key(value: str) -> bool:
    """Whether ``value`` has the shape of a key from :func:`new_api_key`.

    Lets callers tell an API key from other bearer tokens and skip a store look-up for garbage.
    """
    return _API_KEY_RE.fullmatch(value) is not None
