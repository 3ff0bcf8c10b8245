"""The report of bench/overhead.py: each cell summarised over its rounds, the markdown table,
the headline ratio lines, and the notes on saturation, noise and failed calls."""

from __future__ import annotations

import argparse
import statistics
from dataclasses import dataclass

from loadgen import Result
from procs import Pinning
from targets import Target

NOISY = 0.2  # cores kept busy by other processes above which a cell is disturbed
CLIENT_SATURATED = 0.85  # share of its core above which the load generator is the bottleneck

Cell = tuple[str, str, int]  # (target key, mode, concurrency)


@dataclass(frozen=True)
class Summary:
    """One cell of the table, over its rounds: the median rate and percentiles, CPU per call
    pooled over every round, the peak RSS, the errors summed."""

    rate: float
    p50_ms: float
    p99_ms: float
    ttfc_p50_ms: float | None
    cpu_ms_per_call: float
    rss_mib: float
    errors: int
    error_kinds: dict[str, int]
    client_busy: float | None


def summarize(rounds: list[Result]) -> Summary:
    ttfc = [r.ttfc_p50_ms for r in rounds if r.ttfc_p50_ms is not None]
    busy = [r.client_busy for r in rounds if r.client_busy is not None]
    kinds: dict[str, int] = {}
    for r in rounds:
        for kind, count in r.error_kinds.items():
            kinds[kind] = kinds.get(kind, 0) + count
    calls = sum(r.requests for r in rounds)
    return Summary(
        rate=statistics.median(r.rate for r in rounds),
        p50_ms=statistics.median(r.p50_ms for r in rounds),
        p99_ms=statistics.median(r.p99_ms for r in rounds),
        ttfc_p50_ms=statistics.median(ttfc) if ttfc else None,
        cpu_ms_per_call=1000 * sum(r.cpu_seconds for r in rounds) / max(calls, 1),
        rss_mib=max(r.max_rss for r in rounds) / 2**20,
        errors=sum(r.errors for r in rounds),
        error_kinds=kinds,
        client_busy=max(busy) if busy else None,
    )


COLUMNS = (
    "mode",
    "conc",
    "target",
    "req/s",
    "p50 ms",
    "p99 ms",
    "+p50 ms vs direct",
    "+p50 ms vs bare",
    "TTFC p50 ms",
    "CPU ms/call",
    "RSS MiB",
    "errors",
)


def render_table(
    targets: list[Target], results: dict[Cell, Summary], args: argparse.Namespace
) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for mode in args.modes:
        for concurrency in args.concurrency:
            direct = results[("direct", mode, concurrency)]
            bare = results[("bare", mode, concurrency)]
            for target in targets:
                r = results[(target.key, mode, concurrency)]
                vs_direct = f"{r.p50_ms - direct.p50_ms:+.2f}" if target.key != "direct" else ""
                vs_bare = (
                    f"{r.p50_ms - bare.p50_ms:+.2f}" if target.key not in ("direct", "bare") else ""
                )
                cells = (
                    mode,
                    str(concurrency),
                    target.label,
                    f"{r.rate:.0f}",
                    f"{r.p50_ms:.2f}",
                    f"{r.p99_ms:.2f}",
                    vs_direct,
                    vs_bare,
                    "" if r.ttfc_p50_ms is None else f"{r.ttfc_p50_ms:.2f}",
                    f"{r.cpu_ms_per_call:.3f}",
                    f"{r.rss_mib:.1f}",
                    str(r.errors),
                )
                lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def ratio_lines(results: dict[Cell, Summary], args: argparse.Namespace) -> list[str]:
    lines = []
    for mode in args.modes:
        best = {
            key: max(
                ((results[(key, mode, c)], c) for c in args.concurrency), key=lambda rc: rc[0].rate
            )
            for key in ("bare", "modelyard")
        }
        (mine, mine_c), (bare, bare_c) = best["modelyard"], best["bare"]
        share = 100 * mine.rate / bare.rate if bare.rate else 0.0
        kind = "non-streaming" if mode == "plain" else "streaming"
        lines.append(
            f"- Modelyard {kind} throughput: {share:.0f}% of the bare proxy at the best "
            f"concurrency ({mine.rate:.0f} req/s at c={mine_c} vs "
            f"{bare.rate:.0f} req/s at c={bare_c})"
        )
    if 1 in args.concurrency:
        parts = []
        for mode in args.modes:
            mine = results[("modelyard", mode, 1)]
            direct, bare = results[("direct", mode, 1)], results[("bare", mode, 1)]
            parts.append(
                f"{mode} {mine.p50_ms - direct.p50_ms:+.2f} ms vs direct "
                f"({mine.p50_ms - bare.p50_ms:+.2f} ms vs bare proxy)"
            )
        lines.append("- Modelyard added p50 at concurrency 1: " + "; ".join(parts))
        stream = [results.get((key, "stream", 1)) for key in ("modelyard", "bare")]
        ttfc = [r.ttfc_p50_ms for r in stream if r is not None and r.ttfc_p50_ms is not None]
        if len(ttfc) == 2:
            mine_ttfc, bare_ttfc = ttfc
            lines.append(
                f"- Modelyard time to first chunk at concurrency 1: {mine_ttfc:.2f} ms, "
                f"{mine_ttfc - bare_ttfc:+.2f} ms vs the bare proxy ({bare_ttfc:.2f} ms)"
            )
    return lines


def saturation_lines(targets: list[Target], results: dict[Cell, Summary]) -> list[str]:
    """Cells where the load generator itself was the bottleneck (their req/s understate)."""
    labels = {t.key: t.label for t in targets}
    busy = [
        f"{labels[key]} {mode} c={concurrency} ({r.client_busy:.0%})"
        for (key, mode, concurrency), r in results.items()
        if r.client_busy is not None and r.client_busy > CLIENT_SATURATED
    ]
    if not busy:
        return []
    return [
        f"- the load generator used most of its core in: {', '.join(busy)}; "
        "these cells measure the client as much as the target"
    ]


def noise_lines(
    targets: list[Target], noise: dict[Cell, float], pinning: Pinning, mean: float
) -> list[str]:
    """How busy other processes kept the machine: a shared machine disturbs every number."""
    labels = {t.key: t.label for t in targets}
    (key, mode, concurrency), worst = max(noise.items(), key=lambda item: item[1])
    line = (
        f"- other processes (and hypervisor steal) kept {mean:.2f} of "
        f"{pinning.cores} cores busy on average (at most {worst:.2f}, during {labels[key]} "
        f"{mode} c={concurrency})"
    )
    if worst > NOISY:
        line += "; the numbers are disturbed, rerun on a quiet machine"
    return [line]


def error_lines(targets: list[Target], results: dict[Cell, Summary]) -> list[str]:
    labels = {t.key: t.label for t in targets}
    lines = []
    for (key, mode, concurrency), r in results.items():
        for kind, count in r.error_kinds.items():
            lines.append(f"- {labels[key]} {mode} c={concurrency}: {count} x {kind}")
    return lines
