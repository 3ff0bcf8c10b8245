from __future__ import annotations

import hashlib

from modelyard.security import IssuedKey, hash_api_key, looks_like_api_key, new_api_key


def test_new_api_key_shape() -> None:
    issued = new_api_key()
    assert isinstance(issued, IssuedKey)
    assert issued.plain.startswith("my-")
    assert len(issued.plain) == 3 + 43  # 32 random bytes, url-safe base64
    assert issued.prefix == issued.plain[:10]
    assert issued.key_hash == hashlib.sha256(issued.plain.encode()).hexdigest()
    assert looks_like_api_key(issued.plain)


def test_keys_are_unique() -> None:
    keys = {new_api_key().plain for _ in range(200)}
    assert len(keys) == 200


def test_hash_is_deterministic_hex() -> None:
    issued = new_api_key()
    assert hash_api_key(issued.plain) == issued.key_hash
    assert len(issued.key_hash) == 64
    assert int(issued.key_hash, 16) >= 0
    assert hash_api_key(issued.plain + "x") != issued.key_hash


def test_repr_does_not_show_plain_key() -> None:
    issued = new_api_key()
    assert issued.plain not in repr(issued)
    assert issued.prefix in repr(issued)


def test_looks_like_api_key_rejects_other_strings() -> None:
    plain = new_api_key().plain
    assert not looks_like_api_key("")
    assert not looks_like_api_key("my-")
    assert not looks_like_api_key("sk-" + plain[3:])
    assert not looks_like_api_key(plain[:-1])
    assert not looks_like_api_key(plain + "A")
    assert not looks_like_api_key(plain[:-1] + "!")
    assert not looks_like_api_key(" " + plain)
