"""The session cookie on its own: encrypted, tamper-proof, expiring; the CSRF comparison."""

from __future__ import annotations

import time

from modelyard.security import SecretBox
from modelyard.web import session as web_session
from modelyard.web.session import WebSession


def test_cookie_round_trip_and_refusals() -> None:
    box = SecretBox([SecretBox.generate_key()])
    session = WebSession.new("usr_1")
    cookie = web_session.encode(box, session)
    assert web_session.decode(box, cookie) == session
    assert "usr_1" not in cookie  # encrypted, not only signed
    assert web_session.decode(box, cookie[:-2] + "AA") is None
    assert web_session.decode(SecretBox([SecretBox.generate_key()]), cookie) is None
    assert web_session.decode(box, "not a cookie é") is None
    later = time.time() + web_session.MAX_AGE_SECONDS + 1
    assert web_session.decode(box, cookie, now=later) is None
    assert session.accepts(session.csrf)
    assert not session.accepts(None) and not session.accepts("") and not session.accepts("x")
