from __future__ import annotations

import os
import pickle
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from modelyard.security import SecretBox, SecretDecryptError, SecretKeyError
from modelyard.settings import Settings

SECRET = "sk-proj-very-secret-value"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MODELYARD_SECRET_KEY", raising=False)
    monkeypatch.delenv("MODELYARD_DATA_DIR", raising=False)


def _settings(tmp_path: Path, key: str | None = None) -> Settings:
    return Settings(data_dir=tmp_path, secret_key=SecretStr(key) if key is not None else None)


def test_round_trip(tmp_path: Path) -> None:
    box = SecretBox.from_settings(_settings(tmp_path))
    token = box.encrypt(SECRET)
    assert isinstance(token, bytes)
    assert box.decrypt(token) == SECRET
    assert box.decrypt(box.encrypt("")) == ""
    assert box.decrypt(box.encrypt("ünïcödé ✓")) == "ünïcödé ✓"


def test_ciphertext_does_not_contain_plaintext(tmp_path: Path) -> None:
    box = SecretBox.from_settings(_settings(tmp_path))
    token = box.encrypt(SECRET)
    assert SECRET.encode() not in token
    assert box.encrypt(SECRET) != token  # random IV: equal secrets do not look equal


def test_boxes_with_different_keys_cannot_read_each_other(tmp_path: Path) -> None:
    one = SecretBox.from_settings(_settings(tmp_path, Fernet.generate_key().decode()))
    two = SecretBox.from_settings(_settings(tmp_path, Fernet.generate_key().decode()))
    token = one.encrypt(SECRET)
    with pytest.raises(SecretDecryptError) as info:
        two.decrypt(token)
    message = info.value.admin_message  # the detail (for admins, logs) says what to do
    assert "key may have changed" in message
    assert "secret key" in str(info.value) and "MODELYARD" not in str(info.value)
    assert SECRET not in message
    assert token.decode() not in message
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_tampered_token_is_refused(tmp_path: Path) -> None:
    box = SecretBox.from_settings(_settings(tmp_path))
    token = bytearray(box.encrypt(SECRET))
    token[-5] ^= 1
    with pytest.raises(SecretDecryptError):
        box.decrypt(bytes(token))
    with pytest.raises(SecretDecryptError):
        box.decrypt(b"not a token")


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_key_file_created_with_mode_0600_and_reused(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    box = SecretBox.from_settings(_settings(data_dir))
    key_file = data_dir / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(data_dir.stat().st_mode) & 0o077 == 0
    assert [p.name for p in data_dir.iterdir()] == ["secret.key"]  # no temp file left behind
    content = key_file.read_text()
    Fernet(content.strip())  # a valid key

    token = box.encrypt(SECRET)
    again = SecretBox.from_settings(_settings(data_dir))
    assert again.decrypt(token) == SECRET
    assert key_file.read_text() == content


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    key_file = tmp_path / "secret.key"
    key = Fernet.generate_key().decode()
    key_file.write_text(key)
    key_file.chmod(0o644)
    with pytest.raises(SecretKeyError) as info:
        SecretBox.from_settings(_settings(tmp_path))
    assert "chmod 600" in str(info.value)
    assert key not in str(info.value)


def test_invalid_key_file_is_refused_without_its_content(tmp_path: Path) -> None:
    key_file = tmp_path / "secret.key"
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("garbage-key-material")
    with pytest.raises(SecretKeyError) as info:
        SecretBox.from_settings(_settings(tmp_path))
    assert "garbage" not in str(info.value)


def test_settings_key_is_used_and_no_key_file_is_written(tmp_path: Path) -> None:
    key = Fernet.generate_key()
    box = SecretBox.from_settings(_settings(tmp_path, key.decode()))
    assert Fernet(key).decrypt(box.encrypt(SECRET)).decode() == SECRET
    assert not (tmp_path / "secret.key").exists()


def test_settings_key_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = Fernet.generate_key()
    monkeypatch.setenv("MODELYARD_SECRET_KEY", key.decode())
    box = SecretBox.from_settings(Settings(data_dir=tmp_path))
    assert Fernet(key).decrypt(box.encrypt(SECRET)).decode() == SECRET


@pytest.mark.parametrize(
    "bad",
    ["not-a-key", "c2hvcnQ=", Fernet.generate_key().decode() + ",oops"],
    ids=["not-base64-key", "short-key", "good-then-bad"],
)
def test_invalid_settings_key_gives_clear_error_without_value(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError) as info:
        SecretBox.from_settings(_settings(tmp_path, bad))
    message = str(info.value)
    assert "MODELYARD_SECRET_KEY is not a valid Fernet key" in message
    for part in bad.split(","):
        assert part not in message
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_rotation_new_key_first_decrypts_old_tokens(tmp_path: Path) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    old_box = SecretBox.from_settings(_settings(tmp_path, old))
    old_token = old_box.encrypt(SECRET)

    rotated_box = SecretBox.from_settings(_settings(tmp_path, f"{new}, {old}"))
    assert rotated_box.decrypt(old_token) == SECRET
    new_token = rotated_box.encrypt(SECRET)
    assert Fernet(new).decrypt(new_token).decode() == SECRET  # the first key encrypts

    rewritten = rotated_box.rotate(old_token)
    assert SecretBox.from_settings(_settings(tmp_path, new)).decrypt(rewritten) == SECRET


def test_repr_and_pickle_do_not_expose_key(tmp_path: Path) -> None:
    key = Fernet.generate_key().decode()
    box = SecretBox.from_settings(_settings(tmp_path, key))
    assert key not in repr(box)
    assert "keys=1" in repr(box)
    with pytest.raises(TypeError):
        pickle.dumps(box)
