"""An inline SVG bar chart drawn on the server: no JavaScript, no CDN, no inline styles
(the CSP allows neither); colours are SVG attributes."""
from __future__ import annotations

from datetime import date, timedelta

from markupsafe import Markup, escape

from ..records import reference as ref


def weeks_between(start: date, end: date) -> list[date]:
    weeks, w = [], ref.week_start(start)
    while w <= end:
        weeks.append(w)
        w += timedelta(days=7)
    return weeks


def _nice_max(n: int) -> int:
    """A round top for the y axis that splits into four whole steps (0, 5, 10, 15, 20)."""
    need = max(n, 4) / 4
    magnitude = 1
    while True:
        for step in (1, 2, 3, 5):
            if step * magnitude >= need:
                return step * magnitude * 4
        magnitude *= 10


def weekly_chart(weekly: dict[tuple[str, str], int], start: date, end: date,
                 width: int = 680, height: int = 220, max_labels: int = 12, legend: bool = True) -> Markup:
    """Stacked bars: one per ISO week (labelled by its Monday, empty weeks included), one colour per kind.

    weekly: {(week_monday_iso, kind): count}; max_labels: how many week labels fit along the bottom; legend: off
    where the page shows its own (a phone's narrow chart).
    """
    weeks = weeks_between(start, end)
    left, right, top, bottom = 36, 8, 24, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(weekly.get((w.isoformat(), k), 0) for k in ref.KIND_ORDER) for w in weeks]
    y_max = _nice_max(max(totals, default=0))
    slot = plot_w / max(len(weeks), 1)
    bar_w = max(slot * 0.75, 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" font-family="sans-serif" font-size="10">',
             "<title>Records per week by kind</title>"]
    for i in range(5):  # grid lines and y labels
        value = y_max * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#d1d5db" '
                     f'stroke-width="0.5"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end" fill="#374151">{int(value)}</text>')
    label_every = max(1, -(-len(weeks) // max_labels))
    for i, w in enumerate(weeks):
        x = left + i * slot + (slot - bar_w) / 2
        y = top + plot_h
        for kind in ref.KIND_ORDER:
            n = weekly.get((w.isoformat(), kind), 0)
            if not n:
                continue
            h = plot_h * n / y_max
            y -= h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                         f'fill="{ref.KIND_COLOURS[kind]}"><title>{escape(w.strftime("%d %b"))}: {n} '
                         f'{escape(ref.KINDS[kind].lower())}</title></rect>')
        if i % label_every == 0:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 12}" text-anchor="middle" '
                         f'fill="#374151">{escape(w.strftime("%d %b"))}</text>')
    lx = left
    for kind in ref.KIND_ORDER if legend else ():
        parts.append(f'<rect x="{lx}" y="{height - 14}" width="10" height="10" fill="{ref.KIND_COLOURS[kind]}"/>')
        parts.append(f'<text x="{lx + 14}" y="{height - 5}" fill="#111827">{escape(ref.KINDS[kind])}</text>')
        lx += 150
    parts.append(f'<text x="{left}" y="12" fill="#111827">Week beginning (Monday), records per week</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
