"""The web UI's session cookie and CSRF token.

The cookie is a Fernet token made with the app's secret box, so it is both encrypted and
authenticated: a browser can neither read nor forge it, and no server-side session table is
needed (any replica can read it). It carries the signed-in user's id (or none before sign-in),
the CSRF token of the session and when it was issued, so that an old cookie stops working.

Every POST must echo the session's CSRF token in a hidden ``csrf`` field: another site can make
a browser send our cookie, but it cannot read the token from our pages.
"""

from __future__ import annotations

import hmac
import json
import secrets
import time
from dataclasses import dataclass

from modelyard.security import SecretBox
from modelyard.security.secret_box import SecretDecryptError

COOKIE_NAME = "modelyard_session"
# A working day and then some; signing in again after that is a small price for a stolen cookie.
MAX_AGE_SECONDS = 12 * 60 * 60


@dataclass(frozen=True, slots=True)
class WebSession:
    """What the cookie says: who (``None`` before sign-in) and the CSRF token to expect."""

    user_id: str | None
    csrf: str
    issued_at: float
    # The sign-in's row (``workspace.web_sessions``): ended there, the cookie stops working.
    session_id: str | None = None

    @classmethod
    def new(cls, user_id: str | None = None, session_id: str | None = None) -> WebSession:
        """A fresh session: a new CSRF token on every sign-in and sign-out (no fixation)."""
        return cls(
            user_id=user_id,
            csrf=secrets.token_urlsafe(32),
            issued_at=time.time(),
            session_id=session_id,
        )

    def accepts(self, token: str | None) -> bool:
        """Whether a form's ``csrf`` field matches this session (in constant time)."""
        return bool(token) and hmac.compare_digest(self.csrf.encode(), str(token).encode())


def encode(box: SecretBox, session: WebSession) -> str:
    payload = {
        "u": session.user_id,
        "c": session.csrf,
        "t": session.issued_at,
        "s": session.session_id,
    }
    return box.encrypt(json.dumps(payload)).decode("ascii")


def decode(box: SecretBox, cookie: str | None, *, now: float | None = None) -> WebSession | None:
    """The session in ``cookie``, or None when it is missing, forged, malformed or too old."""
    if not cookie:
        return None
    try:
        payload = json.loads(box.decrypt(cookie.encode("ascii")))
        session = WebSession(
            user_id=payload["u"],
            csrf=str(payload["c"]),
            issued_at=float(payload["t"]),
            session_id=payload.get("s"),
        )
    except (SecretDecryptError, UnicodeEncodeError, ValueError, KeyError, TypeError):
        return None
    if session.user_id is not None and not isinstance(session.user_id, str):
        return None
    if session.session_id is not None and not isinstance(session.session_id, str):
        return None
    age = (time.time() if now is None else now) - session.issued_at
    if not 0 <= age <= MAX_AGE_SECONDS:
        return None
    return session
