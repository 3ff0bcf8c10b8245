from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from modelyard.errors import InvalidInput
from modelyard.security import (
    generate_password,
    hash_password,
    needs_rehash,
    validate_password,
    verify_password,
)


def test_hash_and_verify() -> None:
    hashed = hash_password("correct horse")
    assert hashed.startswith("$argon2id$")
    assert "correct horse" not in hashed
    assert verify_password(hashed, "correct horse")
    assert not verify_password(hashed, "wrong horse")
    assert hash_password("correct horse") != hashed  # salted


@pytest.mark.parametrize("bad_hash", ["", "not-a-hash", "$argon2id$v=19$m=1,t=1,p=1$xx$yy"])
def test_verify_with_invalid_hash_is_false(bad_hash: str) -> None:
    assert verify_password(bad_hash, "whatever") is False


def test_needs_rehash() -> None:
    assert not needs_rehash(hash_password("correct horse"))
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("correct horse")
    assert needs_rehash(weak)
    assert verify_password(weak, "correct horse")
    assert needs_rehash("not-a-hash")


def test_generate_password() -> None:
    first, second = generate_password(), generate_password()
    assert len(first) >= 16
    assert first != second
    assert all(c.isalnum() or c in "-_" for c in first)
    validate_password(first)


def test_validate_password() -> None:
    validate_password("12345678")
    with pytest.raises(InvalidInput) as info:
        validate_password("1234567")
    assert info.value.param == "password"
    assert "8" in info.value.message
    with pytest.raises(InvalidInput):
        validate_password("x" * 1025)
