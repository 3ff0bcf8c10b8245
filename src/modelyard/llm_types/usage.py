"""Token and image counts of one call, normalised across providers.

``input_tokens`` counts only uncached prompt tokens (billed at the input price); cache reads and
writes are counted apart (billed at their own prices). ``reasoning_tokens`` are part of
``output_tokens``, as OpenAI counts them. So the prompt the caller sent is
``input_tokens + cache_read_tokens + cache_write_tokens`` tokens long.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    images: int = 0

    @property
    def prompt_tokens(self) -> int:
        """Every prompt token, cached or not (OpenAI's ``prompt_tokens``)."""
        return self.input_tokens + self.cache_read_tokens + self.cache_write_tokens

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.output_tokens

    def add(self, other: Usage) -> None:
        """Accumulate another report into this one (streams report in pieces)."""
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.cache_read_tokens += other.cache_read_tokens
        self.cache_write_tokens += other.cache_write_tokens
        self.reasoning_tokens += other.reasoning_tokens
        self.images += other.images
