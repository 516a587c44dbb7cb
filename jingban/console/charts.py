"""Charts drawn on the server as SVG, for the report page: no script, no build step, and
they print as they show (dark strokes and hatching rather than colour alone; every bar has
its value written beside it, so the numbers survive a black-and-white printer).

`bars` draws one horizontal bar per label (an item's on-time rate, a colleague's workload);
`trend` draws a month's received and completed cases as paired columns with its on-time
rate as a line on a 0–100 % scale. Both return markup safe to place in a template; every
label is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

_FONT = 'font-family="Noto Sans CJK SC, sans-serif" font-size="12"'
_PATTERN = (
    '<defs><pattern id="{id}" width="6" height="6" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
    '<line x1="0" y1="0" x2="0" y2="6" stroke="#444" stroke-width="2"/></pattern></defs>'
)


@dataclass(frozen=True, slots=True)
class Month:
    """One month of the trend: its label, cases received and completed, on-time rate."""

    label: str
    received: int
    completed: int
    on_time_rate: float | None


def _shown(value: float | None, percent: bool) -> str:
    if value is None:
        return "—"
    return f"{value:.1%}" if percent else f"{value:g}"


def bars(
    title: str,
    rows: Sequence[tuple[str, float | None]],
    *,
    percent: bool = False,
    width: int = 640,
) -> Markup:
    """Horizontal bars of ``rows`` (label, value; None draws no bar and shows —), scaled to
    100 % when ``percent``, else to the largest value."""
    label_w, bar_h, gap, top = 220, 18, 8, 28
    height = top + len(rows) * (bar_h + gap) + 8
    most = 1.0 if percent else max((v or 0 for _, v in rows), default=0) or 1
    span = width - label_w - 70
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" {_FONT} aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-weight="bold">{escape(title)}</text>',
    ]
    for n, (label, value) in enumerate(rows):
        y = top + n * (bar_h + gap)
        length = 0 if value is None else max(0.0, min(value / most, 1.0)) * span
        short = label if len(label) <= 16 else label[:15] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">'
            f"<title>{escape(label)}</title>{escape(short)}</text>"
        )
        parts.append(
            f'<rect x="{label_w}" y="{y}" width="{length:.1f}" height="{bar_h}" '
            'fill="#3b6ea5" stroke="#1d3b5c"/>'
        )
        parts.append(
            f'<text x="{label_w + length + 6:.1f}" y="{y + 13}">'
            f"{escape(_shown(value, percent))}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def trend(title: str, months: Sequence[Month], *, width: int = 640) -> Markup:
    """Paired columns (收件 solid, 办结 hatched) per month and the on-time rate as a line."""
    height, left, right, top, bottom = 260, 40, 40, 40, 40
    plot_h = height - top - bottom
    slot = (width - left - right) / max(len(months), 1)
    most = max((max(m.received, m.completed) for m in months), default=0) or 1
    base = top + plot_h
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" {_FONT} aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        _PATTERN.format(id="hatch"),
        f'<text x="0" y="16" font-weight="bold">{escape(title)}</text>',
        f'<rect x="{left}" y="22" width="10" height="10" fill="#3b6ea5"/>'
        f'<text x="{left + 14}" y="31">收件</text>'
        f'<rect x="{left + 54}" y="22" width="10" height="10" fill="url(#hatch)" stroke="#444"/>'
        f'<text x="{left + 68}" y="31">办结</text>'
        f'<line x1="{left + 108}" y1="27" x2="{left + 126}" y2="27" stroke="#000" '
        f'stroke-width="2" stroke-dasharray="4 2"/><text x="{left + 130}" y="31">按时办结率</text>',
        f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="#000"/>',
        f'<text x="{width - right + 4}" y="{top + 4}">100%</text>'
        f'<text x="{width - right + 4}" y="{base}">0%</text>',
    ]
    points = []
    column = max(slot / 2 - 6, 2)
    for n, m in enumerate(months):
        x = left + n * slot + 4
        for k, (value, fill) in enumerate(((m.received, "#3b6ea5"), (m.completed, "url(#hatch)"))):
            h = value / most * (plot_h - 16)
            parts.append(
                f'<rect x="{x + k * column:.1f}" y="{base - h:.1f}" width="{column:.1f}" '
                f'height="{h:.1f}" fill="{fill}" stroke="#1d3b5c"/>'
                f'<text x="{x + k * column + column / 2:.1f}" y="{base - h - 3:.1f}" '
                f'text-anchor="middle" font-size="10">{value}</text>'
            )
        parts.append(
            f'<text x="{x + column:.1f}" y="{base + 16}" text-anchor="middle">'
            f"{escape(m.label)}</text>"
        )
        if m.on_time_rate is not None:
            cx, cy = x + column, base - m.on_time_rate * plot_h
            points.append(f"{cx:.1f},{cy:.1f}")
            parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="#000"/>')
    if points:
        parts.append(
            f'<polyline points="{" ".join(points)}" fill="none" stroke="#000" '
            'stroke-width="2" stroke-dasharray="4 2"/>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
