"""Small inline-SVG charts for the HTML report: horizontal bars, columns and a trend of lines."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from html import escape
from typing import Any, NamedTuple

Row = dict[str, Any]
MODES = ("identifier", "email_link", "email_deny", "username_link", "username_deny")  # authentik's order
MODE_COLOURS = dict(zip(MODES, ("#2563eb", "#dc2626", "#0d9488", "#ea580c", "#7c3aed"), strict=True))


def esc(value: Any) -> str:
    """Any value as escaped text: '' for NULL, yes/no, times in UTC."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return escape(str(value), quote=True)


def mode_order(mode: Any) -> tuple[int, str]:
    return (*MODES, mode).index(mode), str(mode)


def colour(mode: Any) -> str:
    return MODE_COLOURS.get(str(mode), "#64748b")


class Bar(NamedTuple):
    label: str
    value: int
    fill: str
    attrs: str  # data-* attributes, escaped
    faded: bool = False


def svg(width: int, height: int, title: str, testid: str, body: str) -> str:
    return (
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'data-testid="{testid}" aria-labelledby="{testid}-title">'
        f'<title id="{testid}-title">{esc(title)}</title>{body}</svg>'
    )


def text(x: float, y: float, value: Any, cls: str = "", anchor: str = "start") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" class="{cls}" text-anchor="{anchor}">{esc(value)}</text>'


def rect(x: float, y: float, w: float, h: float, bar: Bar) -> str:
    fade = ' fill-opacity="0.45"' if bar.faded else ""
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="3" fill="{bar.fill}"{fade} '
        f"{bar.attrs}><title>{esc(bar.label)}: {bar.value}</title></rect>"
    )


def ticks(top: float) -> list[int]:
    """Round axis values from 0 to at least `top`: about five steps of 1, 2 or 5 times a power of ten."""
    raw = max(top, 1) / 5
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = int(next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw))
    return [i * step for i in range(math.ceil(max(top, 1) / step) + 1)]


def y_axis(left: float, right: float, top: float, base: float, scale: list[int], label: str) -> str:
    """Horizontal grid lines with their values on the left, and the axis label turned upright."""
    mid = (top + base) / 2
    turn = f'transform="rotate(-90 14 {mid:.1f})"'
    out = [f'<text x="14" y="{mid:.1f}" class="axis" text-anchor="middle" {turn}>{esc(label)}</text>']
    for t in scale:
        y = base - (base - top) * t / scale[-1]
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#e2e8f0"/>')
        out.append(text(left - 6, y + 4, t, "axis", "end"))
    return "".join(out)


def hbar_chart(title: str, testid: str, bars: Sequence[Bar], axis: str) -> str:
    """Horizontal bars, labelled on the left, values at their ends, an x axis below."""
    left, width, row, top = 190, 580, 26, 6
    scale, plot, base = ticks(max(b.value for b in bars)), width - left - 40, top + row * len(bars)
    out = [text(left + plot / 2, base + 34, axis, "axis", "middle")]
    for t in scale:
        x = left + plot * t / scale[-1]
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{base}" stroke="#e2e8f0"/>')
        out.append(text(x, base + 15, t, "axis", "middle"))
    for i, bar in enumerate(bars):
        y, w = top + i * row, plot * bar.value / scale[-1]
        out += [text(left - 8, y + row / 2 + 4, bar.label, "", "end"), rect(left, y + 4, w, row - 8, bar)]
        out.append(text(left + w + 6, y + row / 2 + 4, bar.value, "value"))
    return svg(width, base + 42, title, testid, "".join(out))


def column_chart(title: str, testid: str, bars: Sequence[Bar], axis: str) -> str:
    """Vertical columns, labels below, values on top, a y axis on the left."""
    left, width, top, base = 56, 580, 16, 230
    scale, slot = ticks(max(b.value for b in bars)), (width - left - 10) / len(bars)
    out = [y_axis(left, width - 10, top, base, scale, axis)]
    for i, bar in enumerate(bars):
        x, h = left + i * slot + slot * 0.2, (base - top) * bar.value / scale[-1]
        out.append(rect(x, base - h, slot * 0.6, h, bar))
        out.append(text(x + slot * 0.3, base - h - 5, bar.value, "value", "middle"))
        out.append(text(x + slot * 0.3, base + 17, bar.label, "", "middle"))
    return svg(width, base + 30, title, testid, "".join(out))


def trend_chart(history: Sequence[Row]) -> str:
    """Connections per matching mode over the applied runs: a line per mode, a point per run."""
    runs = list(dict.fromkeys((r["run_id"], r["finished_at"]) for r in history))
    modes = sorted({r["user_matching_mode"] for r in history}, key=mode_order)
    values = {(r["run_id"], r["user_matching_mode"]): r["connections"] for r in history}
    left, top, base, right = 56, 14, 232, 960
    scale = ticks(max(values.values()))
    xs = [left + (right - left) * (i + 0.5) / len(runs) for i in range(len(runs))]
    out = [y_axis(left, right, top, base, scale, "connections")]
    out.append(text((left + right) / 2, base + 50, "applied sync run (finished, UTC)", "axis", "middle"))
    every = math.ceil(len(runs) / 12)
    for i, (_run, finished) in enumerate(runs):
        if (len(runs) - 1 - i) % every == 0:  # the last run always labelled
            out.append(text(xs[i], base + 16, f"run {i + 1}", "axis", "middle"))
            when = finished.astimezone(UTC).strftime("%m-%d %H:%M")
            out.append(text(xs[i], base + 30, when, "axis", "middle"))
    for k, mode in enumerate(modes):
        series = [(run, x, values.get((run, mode), 0)) for (run, _f), x in zip(runs, xs, strict=True)]
        out.append(line_series(mode, series, lambda v: base - (base - top) * v / scale[-1]))
        key = Bar(str(mode), series[-1][2], colour(mode), "")
        out += [
            rect(right + 30, top + k * 22, 12, 12, key),
            text(right + 48, top + k * 22 + 10, f"{mode} ({key.value})"),
        ]
    return svg(1160, base + 58, "Connections per matching mode across runs", "trend-svg", "".join(out))


def line_series(mode: str, series: Sequence[tuple[str, float, int]], y_of: Callable[[int], float]) -> str:
    """One mode's line (with two runs or more) and a point per run, carrying its numbers as data-*."""
    fill, out = colour(mode), []
    if len(series) > 1:
        points = " ".join(f"{x:.1f},{y_of(v):.1f}" for _r, x, v in series)
        out.append(f'<polyline points="{points}" fill="none" stroke="{fill}" stroke-width="2.5"/>')
    for run, x, value in series:
        out.append(
            f'<circle cx="{x:.1f}" cy="{y_of(value):.1f}" r="4.5" fill="{fill}" stroke="#fff" '
            f'stroke-width="1.5" data-run="{esc(run)}" data-mode="{esc(mode)}" data-value="{value}">'
            f"<title>{esc(mode)}, run {esc(run)}: {value} connections</title></circle>"
        )
    return "".join(out)


# -- sections ---------------------------------------------------------------------------------------
