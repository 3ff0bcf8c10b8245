"""A bar chart as inline SVG, drawn on the server: no chart library, no script, no assets.

The chart is an image with a title and a description for assistive technology; each bar carries
its own ``<title>`` (a tooltip on hover), and the page puts the same numbers in a table beside
it, which is the text alternative.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 16, 40
MAX_BAR_WIDTH = 48
MIN_BAR_HEIGHT = 1.5  # a day that cost anything stays visible next to a far larger one


def _fmt(value: float) -> str:
    """Coordinates with at most two decimals, without trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def bar_chart(
    points: Sequence[tuple[str, Decimal]],
    *,
    title: str,
    description: str,
    value_text: Callable[[Decimal], str] = str,
    chart_id: str = "chart",
) -> Markup:
    """One bar per ``(label, value)`` point, in order, scaled to the largest value (values are
    not negative). ``value_text`` writes a value for tooltips and the axis."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top_value = max((value for _label, value in points), default=Decimal(0))
    slot = plot_w / max(len(points), 1)
    bar_w = min(slot * 0.7, MAX_BAR_WIDTH)
    label_every = max(1, len(points) // 8)  # at most ~8 date labels under the axis
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>',
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" '
        f'y2="{TOP + plot_h}"/>',
        f'<text class="tick" x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end">'
        f"{escape(value_text(top_value))}</text>",
        f'<text class="tick" x="{LEFT - 6}" y="{TOP + plot_h}" text-anchor="end">'
        f"{escape(value_text(Decimal(0)))}</text>",
    ]
    for index, (label, value) in enumerate(points):
        share = float(value / top_value) if top_value > 0 else 0.0
        bar_h = max(plot_h * share, MIN_BAR_HEIGHT) if value > 0 else 0.0
        x = LEFT + slot * index + (slot - bar_w) / 2
        y = TOP + plot_h - bar_h
        parts.append(
            f'<rect class="bar" x="{_fmt(x)}" y="{_fmt(y)}" width="{_fmt(bar_w)}" '
            f'height="{_fmt(bar_h)}" data-label="{escape(label)}" '
            f'data-value="{value.normalize():f}">'
            f"<title>{escape(label)}: {escape(value_text(value))}</title></rect>"
        )
        if index % label_every == 0:
            parts.append(
                f'<text class="tick" x="{_fmt(x + bar_w / 2)}" y="{HEIGHT - BOTTOM + 16}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))
