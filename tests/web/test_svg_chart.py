"""The server-side SVG bar chart: one bar per point, scaled, accessible, escaped, and readable:
round value ticks with room for their text, short dates that never overlap or leave the chart."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

from modelyard.web.svg_chart import CHAR_WIDTH, HEIGHT, WIDTH, bar_chart, nice_ticks, short_day

NS = {"svg": "http://www.w3.org/2000/svg"}


def _bars(svg: str) -> list[ET.Element]:
    return ET.fromstring(svg).findall("svg:rect", NS)


def _tick_elements(svg: str, kind: str) -> list[ET.Element]:
    return [t for t in ET.fromstring(svg).findall("svg:text", NS) if kind in (t.get("class") or "")]


def _ticks(svg: str, kind: str) -> list[str]:
    return [t.text or "" for t in _tick_elements(svg, kind)]


def test_one_bar_per_point_scaled_to_the_largest() -> None:
    points = [("2026-01-01", Decimal("0.5")), ("2026-01-02", Decimal(0)), ("d3", Decimal(1))]
    svg = str(bar_chart(points, title="Cost", description="Three days", chart_id="c"))
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "c-title c-desc"
    assert root.find("svg:title", NS).text == "Cost"  # type: ignore[union-attr]
    assert root.find("svg:desc", NS).text == "Three days"  # type: ignore[union-attr]
    bars = _bars(svg)
    assert [bar.get("data-label") for bar in bars] == ["2026-01-01", "2026-01-02", "d3"]
    assert [bar.get("data-value") for bar in bars] == ["0.5", "0", "1"]
    heights = [float(bar.get("height") or "nan") for bar in bars]
    assert heights[1] == 0 and abs(heights[2] - 2 * heights[0]) < 0.02 and heights[0] > 0
    xs = [float(bar.get("x") or "nan") for bar in bars]
    assert xs == sorted(xs)
    assert all(float(bar.get("y") or 0) + h <= HEIGHT for bar, h in zip(bars, heights, strict=True))
    assert bars[0].find("svg:title", NS).text == "Jan 1: 0.5"  # type: ignore[union-attr]


def test_a_tiny_cost_stays_visible_and_values_are_written_exactly() -> None:
    points = [("a", Decimal("0.000001")), ("b", Decimal("1000"))]
    svg = str(bar_chart(points, title="t", description="d", value_text=lambda v: f"${v:f}"))
    tiny, big = _bars(svg)
    assert 0 < float(tiny.get("height") or 0) < float(big.get("height") or 0)
    assert tiny.get("data-value") == "0.000001"
    assert "$0.000001" in svg  # the tooltip is exact, the axis round
    assert _ticks(svg, "value-tick") == ["$0", "$250", "$500", "$750", "$1000"]


def test_no_points_and_hostile_labels() -> None:
    empty = str(bar_chart([], title="Nothing <yet>", description="No days"))
    assert _bars(empty) == [] and "Nothing &lt;yet&gt;" in empty
    hostile = str(bar_chart([('<script>"', Decimal(1))], title="t", description="d"))
    assert "<script>" not in hostile and re.search(r"data-label=\"&lt;script&gt;&#34;\"", hostile)
    ET.fromstring(hostile)  # still well-formed


def test_round_ticks_not_the_largest_days_eight_decimals() -> None:
    assert nice_ticks(Decimal("0.01234567")) == [
        Decimal(0),
        Decimal("0.005"),
        Decimal("0.01"),
        Decimal("0.015"),
    ]
    assert nice_ticks(Decimal(7)) == [Decimal(n) for n in (0, 2, 4, 6, 8)]
    assert nice_ticks(Decimal(0)) == [Decimal(0)]
    points = [("2026-03-01", Decimal("0.01234567")), ("2026-03-02", Decimal("0.0001"))]
    svg = str(bar_chart(points, title="t", description="d", value_text=lambda v: f"${v:f}"))
    assert _ticks(svg, "value-tick") == ["$0", "$0.005", "$0.01", "$0.015"]
    assert "$0.01234567" not in _ticks(svg, "value-tick")
    tallest = max(float(bar.get("height") or 0) for bar in _bars(svg))
    assert tallest < HEIGHT - 56  # scaled to the top tick, above the largest value


def test_value_labels_are_not_clipped_on_the_left() -> None:
    points = [("d", Decimal("123456.75"))]
    svg = str(bar_chart(points, title="t", description="d", value_text=lambda v: f"{v:f} $"))
    for tick in _tick_elements(svg, "value-tick"):
        right_edge = float(tick.get("x") or 0)
        assert tick.get("text-anchor") == "end"
        assert right_edge - len(tick.text or "") * CHAR_WIDTH >= 0, tick.text
    bar_x = float(_bars(svg)[0].get("x") or 0)
    assert all(float(t.get("x") or 0) < bar_x for t in _tick_elements(svg, "value-tick"))


def test_ninety_days_of_dates_never_overlap_and_are_written_short() -> None:
    from datetime import date, timedelta

    first = date(2026, 1, 1)
    points = [((first + timedelta(days=n)).isoformat(), Decimal(n)) for n in range(90)]
    for language, first_label in (("en", "Jan 1"), ("de", "1. Jan.")):
        svg = str(bar_chart(points, title="t", description="d", language=language))
        labels = _tick_elements(svg, "day-tick")
        assert labels[0].text == first_label and 4 <= len(labels) <= 16
        spans = [
            (
                float(t.get("x") or 0) - len(t.text or "") * CHAR_WIDTH / 2,
                float(t.get("x") or 0) + len(t.text or "") * CHAR_WIDTH / 2,
            )
            for t in labels
        ]
        assert all(left >= 0 and right <= WIDTH for left, right in spans)
        assert all(a[1] < b[0] for a, b in itertools.pairwise(spans))
        assert not any("2026-" in (t.text or "") for t in labels)


def test_short_days_in_both_languages() -> None:
    assert short_day("2026-12-24") == "Dec 24"
    assert short_day("2026-03-05", "de") == "5. März"
    assert short_day("not a date") == "not a date" and short_day("2026-13-01") == "2026-13-01"
