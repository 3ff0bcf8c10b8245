"""Scraping ``/metrics`` and reading it with prometheus-client's own parser."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import httpx
from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
Read = TypeVar("Read")


def scrape(base_url: str, token: str | None = None) -> Samples:
    """Every sample of ``GET /metrics``, keyed by sample name and labels."""
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = httpx.get(base_url + "/metrics", headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def delta(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def until(read: Callable[[], Read], done: Callable[[Read], bool], timeout: float = 5) -> Read:
    """Read (scrape, or read the log) until ``done``: a streamed call is counted once its last
    event is sent, and the call log is written by a thread."""
    deadline = time.monotonic() + timeout
    while True:
        samples = read()
        if done(samples) or time.monotonic() > deadline:
            return samples
        time.sleep(0.05)
