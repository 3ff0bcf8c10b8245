"""Feedback after a save: a page redirects to ``with_notice(url, key)`` and base.html shows the
label ``notice_<key>`` of the reader's language once, as a status message.

Only keys of the string table can be shown, so a crafted link cannot make a page say
something else; an unknown key shows nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from starlette.requests import Request

PARAM = "notice"
PREFIX = "notice_"


def with_notice(url: str, key: str) -> str:
    """``url`` with the notice ``key`` (the label ``notice_<key>`` must exist in the texts)."""
    return url + ("&" if "?" in url else "?") + urlencode({PARAM: key})


def notice_text(request: Request, labels: Mapping[str, str]) -> str | None:
    """The notice this request's URL names, in ``labels``' language, or None."""
    key = request.query_params.get(PARAM)
    if not key or not key.replace("_", "").isalnum():
        return None
    return labels.get(PREFIX + key)
