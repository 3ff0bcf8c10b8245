"""Encryption at rest for provider secrets (upstream API keys and the like).

Secrets are stored with Fernet (AES-128-CBC + HMAC-SHA256), which authenticates as well as
encrypts: a tampered or foreign token is refused instead of decrypting to garbage.
``MODELYARD_SECRET_KEY`` may hold several comma-separated keys so that keys can be rotated: the
first one encrypts, every one of them decrypts. Without that setting, a key is generated on first
use into ``data_dir/secret.key`` with owner-only permissions.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path
from typing import NoReturn

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from modelyard.errors import ModelyardError
from modelyard.settings import Settings

KEY_FILE_NAME = "secret.key"


class SecretKeyError(ValueError):
    """The secret key is missing, malformed or stored insecurely; the message never shows it."""


class SecretDecryptError(ModelyardError):
    """A stored secret cannot be decrypted with the keys in force (usually: the key changed)."""


class SecretBox:
    """Encrypts and decrypts provider secrets with one or more Fernet keys."""

    __slots__ = ("_fernet", "_key_count", "_source")

    def __init__(self, keys: list[str], *, source: str = "MODELYARD_SECRET_KEY") -> None:
        """Build a box from Fernet keys (first encrypts, all decrypt).

        ``source`` names where the keys came from, for error messages; the keys themselves are
        never put into a message or a repr.
        """
        if not keys:
            raise SecretKeyError(f"{source} holds no key")
        fernets: list[Fernet] = []
        for index, key in enumerate(keys, start=1):
            try:
                fernets.append(Fernet(key))
            except (ValueError, TypeError):
                where = f" (key {index} of {len(keys)})" if len(keys) > 1 else ""
                # ``from None``: the underlying error must not drag the value along.
                raise SecretKeyError(
                    f"{source} is not a valid Fernet key{where}: expected 32 url-safe "
                    "base64-encoded bytes, as made by `Fernet.generate_key()`"
                ) from None
        self._fernet = MultiFernet(fernets)
        self._key_count = len(fernets)
        self._source = source

    @staticmethod
    def generate_key() -> str:
        """A fresh Fernet key, e.g. for an operator to put into MODELYARD_SECRET_KEY."""
        return Fernet.generate_key().decode("ascii")

    @classmethod
    def from_settings(cls, settings: Settings) -> SecretBox:
        """The box for this process: keys from ``settings.secret_key`` or the data-dir key file."""
        if settings.secret_key is not None:
            return cls(_split_keys(settings.secret_key.get_secret_value()))
        path = settings.data_dir / KEY_FILE_NAME
        return cls(_split_keys(_load_or_create_key_file(path)), source=f"key file {path}")

    def encrypt(self, plain: str) -> bytes:
        """Encrypt with the first (current) key."""
        return self._fernet.encrypt(plain.encode("utf-8"))

    def decrypt(self, token: bytes) -> str:
        """Decrypt a token made with any of the keys; raise SecretDecryptError otherwise."""
        try:
            return self._fernet.decrypt(token).decode("utf-8")
        except (InvalidToken, UnicodeDecodeError, TypeError):
            raise self._decrypt_error() from None

    def rotate(self, token: bytes) -> bytes:
        """Re-encrypt a token with the current key, so an old key can later be retired."""
        try:
            return self._fernet.rotate(token)
        except (InvalidToken, TypeError):
            raise self._decrypt_error() from None

    def _decrypt_error(self) -> SecretDecryptError:
        """Members read that the server is misconfigured; where the keys come from (a file's
        path) and what to do about it is the detail, for admins and the logs."""
        return SecretDecryptError(
            "This server cannot read the stored provider credentials (its secret key does "
            "not match them); please tell an admin.",
            code="secret_key_mismatch",
            detail=self._decrypt_message(),
        )

    def _decrypt_message(self) -> str:
        return (
            "a stored secret cannot be decrypted: it is corrupt or the secret key may have "
            f"changed since it was stored (keys from {self._source}); restore the old key, or "
            "list it after the new one in MODELYARD_SECRET_KEY to rotate"
        )

    def __repr__(self) -> str:
        return f"SecretBox(keys={self._key_count}, source={self._source!r})"

    def __reduce__(self) -> NoReturn:
        # Pickling would write the keys wherever the pickle goes (caches, task queues).
        raise TypeError("SecretBox cannot be pickled")


def _split_keys(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _load_or_create_key_file(path: Path) -> str:
    """Read the key file, creating it with a new key on first use.

    The file is written to a private temporary name and hard-linked into place, so that two
    processes starting together never see a half-written key: one link wins, the other reads it.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(SecretBox.generate_key() + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    _check_key_file_mode(path)
    try:
        return path.read_text(encoding="ascii")
    except UnicodeDecodeError:
        raise SecretKeyError(f"key file {path} is not a valid Fernet key") from None


def _check_key_file_mode(path: Path) -> None:
    """Refuse a key file that others can read: the key decrypts every stored secret."""
    if os.name != "posix":  # Windows has no mode bits to speak of; ACLs are the operator's job.
        return
    mode = path.stat().st_mode
    if not stat.S_ISREG(mode):
        raise SecretKeyError(f"key file {path} is not a regular file")
    if mode & 0o077:
        raise SecretKeyError(
            f"key file {path} is accessible by group or others (mode {stat.S_IMODE(mode):04o}); "
            f"run `chmod 600 {path}` or set MODELYARD_SECRET_KEY instead"
        )
