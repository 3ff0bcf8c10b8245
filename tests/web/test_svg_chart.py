"""The server-side SVG bar chart: one bar per point, scaled, accessible, escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

from modelyard.web.svg_chart import HEIGHT, bar_chart

NS = {"svg": "http://www.w3.org/2000/svg"}


def _bars(svg: str) -> list[ET.Element]:
    return ET.fromstring(svg).findall("svg:rect", NS)


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
    assert heights[1] == 0 and heights[2] == 2 * heights[0] > 0
    xs = [float(bar.get("x") or "nan") for bar in bars]
    assert xs == sorted(xs)
    assert all(float(bar.get("y") or 0) + h <= HEIGHT for bar, h in zip(bars, heights, strict=True))
    assert bars[0].find("svg:title", NS).text == "2026-01-01: 0.5"  # type: ignore[union-attr]


def test_a_tiny_cost_stays_visible_and_values_are_written_exactly() -> None:
    points = [("a", Decimal("0.000001")), ("b", Decimal("1000"))]
    svg = str(bar_chart(points, title="t", description="d", value_text=lambda v: f"${v:f}"))
    tiny, big = _bars(svg)
    assert 0 < float(tiny.get("height") or 0) < float(big.get("height") or 0)
    assert tiny.get("data-value") == "0.000001"
    assert "$1000" in svg and "$0.000001" in svg


def test_no_points_and_hostile_labels() -> None:
    empty = str(bar_chart([], title="Nothing <yet>", description="No days"))
    assert _bars(empty) == [] and "Nothing &lt;yet&gt;" in empty
    hostile = str(bar_chart([('<script>"', Decimal(1))], title="t", description="d"))
    assert "<script>" not in hostile and re.search(r"data-label=\"&lt;script&gt;&#34;\"", hostile)
    ET.fromstring(hostile)  # still well-formed
