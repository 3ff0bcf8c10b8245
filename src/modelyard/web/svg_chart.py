"""A bar chart as inline SVG, drawn on the server: no chart library, no script, no assets.

The chart is an image with a title and a description for assistive technology; each bar carries
its own ``<title>`` (a tooltip on hover, the exact value), and the page puts the same numbers
in a table beside it, which is the text alternative.

Readable at any length of period: the value axis has a few round ticks ("$0.05", not the
largest day's eight decimals) with room on the left for the widest of them; ISO dates under
the bars are written short in the reader's language ("Jan 5", "5. Jan.") and only as many as
fit side by side without touching.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from decimal import Decimal

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 240
RIGHT, TOP, BOTTOM = 12, 16, 40
MIN_LEFT = 36
MAX_BAR_WIDTH = 48
MIN_BAR_HEIGHT = 1.5  # a day that cost anything stays visible next to a far larger one
CHAR_WIDTH = 6.6  # of the 11px tick font, generously: labels are spaced by this estimate
LABEL_GAP = 10
TICKS = 4  # value-axis intervals wanted above zero

_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "de": (
        "Jan.",
        "Feb.",
        "März",
        "Apr.",
        "Mai",
        "Juni",
        "Juli",
        "Aug.",
        "Sep.",
        "Okt.",
        "Nov.",
        "Dez.",
    ),
}


def _fmt(value: float) -> str:
    """Coordinates with at most two decimals, without trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def short_day(label: str, language: str = "en") -> str:
    """An ISO day as people write it in ``language`` ("Jan 5", "5. Jan."); anything else as
    it is."""
    found = _ISO_DAY.match(label)
    if not found or not 1 <= int(found.group(2)) <= 12:
        return label
    month = _MONTHS.get(language, _MONTHS["en"])[int(found.group(2)) - 1]
    day = int(found.group(3))
    return f"{day}. {month}" if language == "de" else f"{month} {day}"


def nice_ticks(top: Decimal, intervals: int = TICKS) -> list[Decimal]:
    """Round values from 0 to at least ``top``: 1, 2, 2.5 or 5 times a power of ten apart."""
    if top <= 0:
        return [Decimal(0)]
    raw = top / intervals
    power = Decimal(10) ** math.floor(math.log10(raw))
    step = next(
        power * factor
        for factor in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))
        if power * factor >= raw
    )
    count = math.ceil(top / step)
    return [(step * n).normalize() for n in range(count + 1)]


def _text_width(text: str) -> float:
    return len(text) * CHAR_WIDTH


def bar_chart(
    points: Sequence[tuple[str, Decimal]],
    *,
    title: str,
    description: str,
    value_text: Callable[[Decimal], str] = str,
    chart_id: str = "chart",
    language: str = "en",
) -> Markup:
    """One bar per ``(label, value)`` point, in order, on a value axis of round ticks (values
    are not negative). ``value_text`` writes a value, exactly for the tooltips and the round
    ticks for the axis; ``language`` the dates under the bars."""
    top_value = max((value for _label, value in points), default=Decimal(0))
    ticks = nice_ticks(top_value)
    tick_texts = [value_text(tick) for tick in ticks]
    left = max(MIN_LEFT, math.ceil(max(map(_text_width, tick_texts)) + 14))
    plot_w, plot_h = WIDTH - left - RIGHT, HEIGHT - TOP - BOTTOM
    axis_top = ticks[-1]
    slot = plot_w / max(len(points), 1)
    bar_w = min(slot * 0.7, MAX_BAR_WIDTH)
    shown = [short_day(label, language) for label, _value in points]
    widest = max(map(_text_width, shown), default=0.0) + LABEL_GAP
    label_every = max(1, math.ceil(widest / slot))
    cid = escape(chart_id)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{cid}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{cid}-title {cid}-desc">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(description)}</desc>',
    ]
    for tick, text in zip(ticks, tick_texts, strict=True):
        share = float(tick / axis_top) if axis_top > 0 else 0.0
        y = TOP + plot_h - plot_h * share
        kind = "axis" if tick == 0 else "grid"
        parts.append(
            f'<line class="{kind}" x1="{left}" y1="{_fmt(y)}" x2="{WIDTH - RIGHT}" '
            f'y2="{_fmt(y)}"/>'
            f'<text class="tick value-tick" x="{left - 8}" y="{_fmt(y + 4)}" '
            f'text-anchor="end">{escape(text)}</text>'
        )
    for index, (label, value) in enumerate(points):
        share = float(value / axis_top) if axis_top > 0 else 0.0
        bar_h = max(plot_h * share, MIN_BAR_HEIGHT) if value > 0 else 0.0
        x = left + slot * index + (slot - bar_w) / 2
        y = TOP + plot_h - bar_h
        parts.append(
            f'<rect class="bar" x="{_fmt(x)}" y="{_fmt(y)}" width="{_fmt(bar_w)}" '
            f'height="{_fmt(bar_h)}" data-label="{escape(label)}" '
            f'data-value="{value.normalize():f}">'
            f"<title>{escape(shown[index])}: {escape(value_text(value))}</title></rect>"
        )
        if index % label_every == 0:
            half = _text_width(shown[index]) / 2
            centre = min(max(x + bar_w / 2, half + 2), WIDTH - half - 2)  # never cut off
            parts.append(
                f'<text class="tick day-tick" x="{_fmt(centre)}" '
                f'y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{escape(shown[index])}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))
