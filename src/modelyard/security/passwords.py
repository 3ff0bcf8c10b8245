"""Web UI passwords, hashed with Argon2id (argon2-cffi's recommended parameters).

Unlike API keys, passwords are chosen by people and guessable, so they need a slow, salted,
memory-hard hash.
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from modelyard.errors import InvalidInput

MIN_PASSWORD_LENGTH = 8
# Argon2 hashes any length, but a bound keeps one login request from costing megabytes of work.
MAX_PASSWORD_LENGTH = 1024

_hasher = PasswordHasher()


def hash_password(plain: str) -> str:
    """The encoded Argon2id hash to store (salt and parameters included)."""
    return _hasher.hash(plain)


def verify_password(hash: str, plain: str) -> bool:
    """Whether ``plain`` matches ``hash``; False (never an exception) for a mismatch or bad hash."""
    try:
        return _hasher.verify(hash, plain)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(hash: str) -> bool:
    """Whether ``hash`` was made with other parameters than today's; rehash after a good login."""
    try:
        return _hasher.check_needs_rehash(hash)
    except InvalidHashError:
        return True


def generate_password() -> str:
    """A random password (22 url-safe characters, 128 bits) for first-run admin accounts."""
    return secrets.token_urlsafe(16)


def validate_password(plain: str) -> None:
    """Refuse a too short (or absurdly long) password with InvalidInput on ``password``."""
    if len(plain) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"password must be at least {MIN_PASSWORD_LENGTH} characters long", param="password"
        )
    if len(plain) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"password must be at most {MAX_PASSWORD_LENGTH} characters long", param="password"
        )
