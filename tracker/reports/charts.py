"""Charts as inline SVG: no JavaScript, no network, readable from the file system.

Every label is escaped here; the returned text is safe to insert into HTML as is.
"""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Mapping, Sequence

PALETTE = ["#3b6ea5", "#e07b39", "#4f9d69", "#c4454d", "#8d6cab", "#8c8c8c", "#d4a72c"]


def bar_chart(data: Sequence[tuple[str, float]], title: str, width: int = 480) -> str:
    """Horizontal bars, one per (label, value)."""
    row, left, pad = 26, 130, 8
    height = pad * 2 + 22 + row * max(len(data), 1)
    top = max([v for _, v in data] + [1])
    parts = [_open(width, height, title), _title(title, width)]
    for i, (label, value) in enumerate(data):
        y = pad + 22 + i * row
        bar = (width - left - 60) * (value / top)
        parts.append(
            f'<text x="{left - 6}" y="{y + 15}" text-anchor="end" class="label">'
            f'{escape(str(label))}</text>'
            f'<rect x="{left}" y="{y + 3}" width="{bar:.1f}" height="{row - 8}" '
            f'fill="{PALETTE[i % len(PALETTE)]}"><title>{escape(str(label))}: '
            f'{_num(value)}</title></rect>'
            f'<text x="{left + bar + 5:.1f}" y="{y + 15}" class="value">{_num(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart(days: Sequence[date], series: Mapping[str, Sequence[float]], title: str,
               width: int = 640, height: int = 260) -> str:
    """Lines over days (a burn-up: scope and done), with a legend and axis labels."""
    left, right, top_pad, bottom = 48, 16, 34, 40
    parts = [_open(width, height, title), _title(title, width)]
    if len(days) < 1:
        parts.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" '
                     'class="label">No history yet</text></svg>')
        return "".join(parts)
    top = max([max(v) for v in series.values() if len(v)] + [1])
    first = days[0].toordinal()
    span = max(days[-1].toordinal() - first, 1)
    plot_w, plot_h = width - left - right, height - top_pad - bottom

    def point(i: int, v: float) -> str:
        x = left + plot_w * (days[i].toordinal() - first) / span
        return f"{x:.1f},{top_pad + plot_h * (1 - v / top):.1f}"

    parts.append(f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - right}" '
                 f'y2="{top_pad + plot_h}" class="axis"/>'
                 f'<line x1="{left}" y1="{top_pad}" x2="{left}" y2="{top_pad + plot_h}" '
                 'class="axis"/>'
                 f'<text x="{left - 6}" y="{top_pad + 4}" text-anchor="end" class="value">'
                 f'{_num(top)}</text>'
                 f'<text x="{left - 6}" y="{top_pad + plot_h}" text-anchor="end" '
                 'class="value">0</text>'
                 f'<text x="{left}" y="{height - 20}" class="value">{days[0].isoformat()}</text>'
                 f'<text x="{width - right}" y="{height - 20}" text-anchor="end" '
                 f'class="value">{days[-1].isoformat()}</text>')
    for n, (name, values) in enumerate(series.items()):
        color = PALETTE[n % len(PALETTE)]
        points = " ".join(point(i, v) for i, v in enumerate(values))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{color}" '
                     f'stroke-width="2" class="series"><title>{escape(name)}</title></polyline>'
                     f'<rect x="{left + n * 130}" y="{height - 12}" width="10" height="10" '
                     f'fill="{color}"/><text x="{left + n * 130 + 14}" y="{height - 3}" '
                     f'class="label">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _open(width: int, height: int, title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
            f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'aria-label="{escape(title)}">')


def _title(title: str, width: int) -> str:
    return f'<text x="{width / 2}" y="16" text-anchor="middle" class="title">{escape(title)}</text>'


def _num(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f") if float(value).is_integer() else f"{value:.2f}"
