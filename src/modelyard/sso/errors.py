"""Why a single sign-on was refused: one code per cause, each with its HTTP status.

The page shows a fixed text for the code (``web.sso_texts``), never the exception's own
words, so nothing the provider or a token said (let alone a secret) reaches the browser.
"""

from __future__ import annotations

# code -> HTTP status of the error page
STATUS: dict[str, int] = {
    "not_configured": 404,
    "state_missing": 400,
    "state_unknown": 400,
    "state_used": 400,
    "state_expired": 400,
    "other_browser": 400,
    "provider_error": 403,
    "issuer_unreachable": 502,
    "token_refused": 502,
    "bad_id_token": 502,
    "missing_email": 403,
    "email_unverified": 403,
    "wrong_domain": 403,
    "deactivated": 403,
    "deleted": 403,
    "linked_elsewhere": 409,
    "no_workspace": 503,
}


class SsoRefused(Exception):
    """A sign-in that cannot go on. ``detail`` is for the log (never a secret); ``shown`` is
    a short safe value the page may name (the provider's ``error`` code, the email domain)."""

    def __init__(self, code: str, detail: str = "", shown: str = "") -> None:
        if code not in STATUS:
            raise ValueError(f"unknown single sign-on refusal: {code!r}")
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        self.shown = shown

    @property
    def status(self) -> int:
        return STATUS[self.code]
