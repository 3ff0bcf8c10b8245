"""Which ``anthropic-beta`` flags a Messages caller names reach an Anthropic upstream.

Claude Code and the anthropic SDK name betas in the ``anthropic-beta`` header. They are
hints: a beta an upstream does not know is left out, never a 400 that stops an agent. An
Anthropic upstream gets the flags whose effect Modelyard carries back unchanged (thinking
between tool calls, streamed tool input, longer caches and outputs, context management);
Anthropic refuses flags it does not know with a 400, and flags of server-side tools, file
uploads or OAuth would change what the gateway translates or how it signs in, so those stay
out. Other providers never see the header (their betas are not Anthropic's).
"""

from __future__ import annotations

#: Flag prefixes passed on (the date suffix names a version: any version of these is fine).
FORWARDED_PREFIXES = (
    "interleaved-thinking-",
    "fine-grained-tool-streaming-",
    "token-efficient-tools-",
    "prompt-caching-",
    "extended-cache-ttl-",
    "output-128k-",
    "context-1m-",
    "context-management-",
)


def forwarded(header: str | None) -> tuple[str, ...]:
    """The flags of an ``anthropic-beta`` header (comma-separated, possibly repeated) that an
    Anthropic upstream gets, in the caller's order, once each."""
    if not header:
        return ()
    seen: dict[str, None] = {}
    for raw in header.split(","):
        flag = raw.strip()
        if flag and flag.startswith(FORWARDED_PREFIXES):
            seen.setdefault(flag, None)
    return tuple(seen)
