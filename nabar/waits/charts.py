"""Geometry for small server-rendered SVG charts. Plain values in, coordinates out."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int


@dataclass(frozen=True)
class Tick:
    position: float
    text: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    left: int
    bottom: float
    right: float
    bars: list[Bar]
    y_ticks: list[Tick]
    x_ticks: list[Tick]


def _step(top: int) -> int:
    """A round gridline step giving about four to eight lines up to ``top``."""
    raw = max(1.0, top / 5)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return int(factor * power)
    return int(10 * power)


def bar_chart(
    *, labels: list[str], values: list[int], width: int = 720, height: int = 260
) -> BarChart:
    """Bars for ``values`` over ``labels``, a value axis from 0 and at most ~12 category labels."""
    left, top_margin, bottom_margin, right_margin = 48, 12, 36, 8
    plot_width = width - left - right_margin
    plot_height = height - top_margin - bottom_margin
    bottom = float(top_margin + plot_height)
    top = max([*values, 1])
    step = _step(top)
    axis_top = step * math.ceil(top / step)
    scale = plot_height / axis_top
    slot = plot_width / max(1, len(values))
    gap = min(4.0, slot * 0.2)
    bars = [
        Bar(
            x=round(left + i * slot + gap / 2, 2),
            y=round(bottom - value * scale, 2),
            width=round(slot - gap, 2),
            height=round(value * scale, 2),
            label=label,
            value=value,
        )
        for i, (label, value) in enumerate(zip(labels, values, strict=True))
    ]
    y_ticks = [
        Tick(position=round(bottom - v * scale, 2), text=str(v))
        for v in range(0, axis_top + 1, step)
    ]
    every = max(1, math.ceil(len(labels) / 12))
    x_ticks = [
        Tick(position=round(left + (i + 0.5) * slot, 2), text=label)
        for i, label in enumerate(labels)
        if i % every == 0
    ]
    return BarChart(
        width=width,
        height=height,
        left=left,
        bottom=bottom,
        right=float(width - right_margin),
        bars=bars,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
    )
