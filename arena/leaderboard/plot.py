"""The ratings plot: every entrant's rating as a dot on its 95% interval bar, as standalone SVG.

Written by hand (no plotting library): one row per entrant, best at the top, a labelled axis
with round tick values and a dashed line at the reference rating (the field average on the Elo
scale, the starting rating on openskill's). It scales to its container (`viewBox`, width 100%).
"""

from __future__ import annotations

import math
from html import escape
from typing import Callable, Sequence

from arena.ratings import Rating

WIDTH = 760
ROW = 30  # pixels per entrant
LABEL = 190  # left column for names
VALUE = 120  # right column for "+123 ± 45"
TOP = 14
AXIS = 40  # room for tick labels and the axis title


def ratings_svg(entries: Sequence[tuple[str, Rating]], reference: float, axis_title: str,
                number: Callable[[float], str]) -> str:
    """An SVG plot of `entries` (label, rating), in the order given; `number` formats ratings."""
    low = min([r.low for _, r in entries] + [reference])
    high = max([r.high for _, r in entries] + [reference])
    ticks = nice_ticks(low, high)
    left, right = min(ticks[0], low), max(ticks[-1], high)
    plot_width = WIDTH - LABEL - VALUE

    def x(value: float) -> float:
        return LABEL + (value - left) / ((right - left) or 1) * plot_width

    height = TOP + ROW * len(entries) + AXIS
    bottom = TOP + ROW * len(entries)
    parts = [f'<svg class="ratings-plot" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
             f'width="100%" role="img" aria-label="{escape(axis_title)} with 95% intervals">']
    for tick in ticks:
        parts.append(f'<line class="grid" x1="{x(tick):.1f}" y1="{TOP - 6}" x2="{x(tick):.1f}" y2="{bottom}"/>')
        parts.append(f'<text class="tick" x="{x(tick):.1f}" y="{bottom + 16}" text-anchor="middle">{tick:g}</text>')
    parts.append(f'<line class="reference" x1="{x(reference):.1f}" y1="{TOP - 6}" x2="{x(reference):.1f}" y2="{bottom}"/>')
    for i, (label, rating) in enumerate(entries):
        y = TOP + ROW * i + ROW / 2
        parts.append(f'<g class="entry"><title>{escape(label)}: {number(rating.rating)} '
                     f'(95% interval {number(rating.low)} to {number(rating.high)})</title>')
        parts.append(f'<text class="label" x="{LABEL - 12}" y="{y + 4:.1f}" text-anchor="end">{escape(_short(label))}</text>')
        parts.append(f'<rect class="interval" x="{x(rating.low):.1f}" y="{y - 5:.1f}" '
                     f'width="{max(x(rating.high) - x(rating.low), 2):.1f}" height="10" rx="5"/>')
        parts.append(f'<circle class="point" cx="{x(rating.rating):.1f}" cy="{y:.1f}" r="5.5"/>')
        parts.append(f'<text class="value" x="{WIDTH - VALUE + 14}" y="{y + 4:.1f}">'
                     f'{number(rating.rating)} ± {number(rating.margin)}</text></g>')
    parts.append(f'<text class="axis-title" x="{LABEL + plot_width / 2:.1f}" y="{height - 4}" '
                 f'text-anchor="middle">{escape(axis_title)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def nice_ticks(low: float, high: float, count: int = 6) -> list[float]:
    """About `count` round values (multiples of 1, 2 or 5 times a power of ten) covering low..high."""
    span = (high - low) or 1.0
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    steps = max(math.ceil((high - first) / step), 1)  # at least two ticks, even for one value
    return [round(first + k * step, 12) for k in range(steps + 1)]


def _short(label: str, limit: int = 26) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
