"""Security primitives: encryption of stored secrets, API keys, passwords and the SSRF guard.

Kept free of web and storage code so every entry point (admin API, gateway, web UI, CLI) uses the
same rules.
"""

from modelyard.security.api_keys import IssuedKey, hash_api_key, looks_like_api_key, new_api_key
from modelyard.security.passwords import (
    generate_password,
    hash_password,
    needs_rehash,
    validate_password,
    verify_password,
)
from modelyard.security.secret_box import SecretBox, SecretDecryptError, SecretKeyError
from modelyard.security.upstream_hosts import (
    AllowedHosts,
    UpstreamHostRefused,
    check_base_url,
    is_address_allowed,
    parse_allowed,
    resolve_and_check,
)

__all__ = [
    "AllowedHosts",
    "IssuedKey",
    "SecretBox",
    "SecretDecryptError",
    "SecretKeyError",
    "UpstreamHostRefused",
    "check_base_url",
    "generate_password",
    "hash_api_key",
    "hash_password",
    "is_address_allowed",
    "looks_like_api_key",
    "needs_rehash",
    "new_api_key",
    "parse_allowed",
    "resolve_and_check",
    "validate_password",
    "verify_password",
]
