"""``modelyard.security`` loads password hashing (argon2) on first use of its names."""

from __future__ import annotations

import subprocess
import sys

import modelyard.security as security
from modelyard.security import passwords


def test_password_names_load_on_first_use_and_are_the_module_s() -> None:
    code = (
        "import sys\n"
        "import modelyard.security as s\n"
        "before = 'argon2' in sys.modules\n"
        "s.hash_password\n"
        "print(before, 'argon2' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True"]
    for name in ("generate_password", "hash_password", "needs_rehash", "validate_password"):
        assert getattr(security, name) is getattr(passwords, name)
    assert security.verify_password is passwords.verify_password
    assert set(security.__all__) <= set(dir(security))


def test_unknown_names_are_still_attribute_errors() -> None:
    try:
        security.nothing_here  # noqa: B018
    except AttributeError as exc:
        assert "nothing_here" in str(exc)
    else:
        raise AssertionError("no AttributeError")
