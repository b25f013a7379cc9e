"""Small inline-SVG charts for the quality report (no JavaScript, no external assets).

Every mark a chart draws carries ``class="mark"`` so a browser test can check it was laid out.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)
STATUS_COLORS = {"valid": "#59a14f", "warning": "#edc948", "invalid": "#e15759"}
_FONT = 'font-family="sans-serif" font-size="11"'


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 10 or float(v).is_integer() else f"{v:.2f}"


def _open(name: str, width: int, height: int, title: str) -> str:
    return (
        f'<svg class="plot" data-plot="{escape(name)}" xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">'
        f"<title>{escape(title)}</title>"
    )


def _empty(name: str, title: str) -> str:
    return (
        _open(name, 480, 60, title)
        + f'<text x="10" y="35" {_FONT} fill="#666">no data yet</text></svg>'
    )


def _legend(names: Sequence[str], colors: Sequence[str], x: int, y: int) -> str:
    out = []
    for i, (n, c) in enumerate(zip(names, colors, strict=False)):
        yy = y + i * 16
        out.append(
            f'<rect x="{x}" y="{yy}" width="10" height="10" fill="{c}"/>'
            f'<text x="{x + 14}" y="{yy + 9}" {_FONT}>{escape(n)}</text>'
        )
    return "".join(out)


def _axis(left: int, top: int, plot_h: int, vmax: float, width: int) -> str:
    out = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width}" y2="{top + plot_h}" stroke="#999"/>'
    ]
    for i in range(5):
        v = vmax * i / 4
        y = top + plot_h - plot_h * i / 4
        out.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width}" y2="{y:.1f}" stroke="#eee"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" {_FONT}>{_fmt(v)}</text>'
        )
    return "".join(out)


def bar_chart(
    name: str,
    title: str,
    categories: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    colors: dict[str, str] | None = None,
    stacked: bool = True,
) -> str:
    """Vertical bars per category, stacked (or grouped) by series."""
    if not categories or not series:
        return _empty(name, title)
    names = list(series)
    cols = [(colors or {}).get(n, PALETTE[i % len(PALETTE)]) for i, n in enumerate(names)]
    totals = [
        sum((series[n][i] or 0) for n in names)
        if stacked
        else max((series[n][i] or 0) for n in names)
        for i in range(len(categories))
    ]
    vmax = max(totals) or 1.0
    left, top, plot_h, legend_w = 56, 14, 200, 170
    step = max(28, min(80, 640 // max(1, len(categories))))
    width = left + step * len(categories) + 10
    height = top + plot_h + 40
    out = [_open(name, width + legend_w, height, title), _axis(left, top, plot_h, vmax, width)]
    for i, cat in enumerate(categories):
        x0: float = left + i * step + 4
        bw: float = step - 8
        base = 0.0
        for j, n in enumerate(names):
            v = series[n][i] or 0
            if v <= 0:
                continue
            h = plot_h * v / vmax
            if stacked:
                y = top + plot_h - plot_h * base / vmax - h
                x, w = x0, bw
                base += v
            else:
                w = bw / len(names)
                x, y = x0 + j * w, top + plot_h - h
            out.append(
                f'<rect class="mark" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" '
                f'fill="{cols[j]}"><title>{escape(cat)} · {escape(n)}: {_fmt(v)}</title></rect>'
            )
        out.append(
            f'<text x="{x0 + bw / 2:.1f}" y="{top + plot_h + 14}" text-anchor="middle" '
            f"{_FONT}>{escape(cat)}</text>"
        )
    out.append(_legend(names, cols, width + 10, top))
    out.append("</svg>")
    return "".join(out)


def line_chart(
    name: str, title: str, xs: Sequence[str], series: dict[str, Sequence[float | None]]
) -> str:
    """One line (with points) per series over the x categories."""
    values = [v for s in series.values() for v in s if v is not None]
    if not xs or not values:
        return _empty(name, title)
    vmax = max(values) or 1.0
    left, top, plot_h, legend_w = 56, 14, 200, 220
    step = max(40, min(100, 640 // max(1, len(xs))))
    width = left + step * len(xs) + 10
    out = [_open(name, width + legend_w, top + plot_h + 40, title)]
    out.append(_axis(left, top, plot_h, vmax, width))
    names = list(series)
    cols = [PALETTE[i % len(PALETTE)] for i in range(len(names))]
    for i, x in enumerate(xs):
        out.append(
            f'<text x="{left + step * i + step / 2:.1f}" y="{top + plot_h + 14}" '
            f'text-anchor="middle" {_FONT}>{escape(x)}</text>'
        )
    for j, n in enumerate(names):
        pts = [
            (left + step * i + step / 2, top + plot_h - plot_h * v / vmax)
            for i, v in enumerate(series[n])
            if v is not None
        ]
        if len(pts) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            out.append(
                f'<polyline class="mark" points="{path}" fill="none" stroke="{cols[j]}" '
                'stroke-width="2"/>'
            )
        shown = [v for v in series[n] if v is not None]
        for (px, py), value in zip(pts, shown, strict=True):
            out.append(
                f'<circle class="mark" cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{cols[j]}">'
                f"<title>{escape(n)}: {_fmt(value)}</title></circle>"
            )
    out.append(_legend(names, cols, width + 10, top))
    out.append("</svg>")
    return "".join(out)


def heatmap(
    name: str,
    title: str,
    rows: Sequence[str],
    cols: Sequence[str],
    cells: dict[tuple[str, str], tuple[float, str]],
) -> str:
    """A grid: each cell's colour from its share in [0, 1], with its label written in it."""
    if not rows or not cols:
        return _empty(name, title)
    label_w = min(260, 14 + 12 * max(len(r) for r in rows))
    cw, ch, top = 64, 22, 22
    width, height = label_w + cw * len(cols) + 10, top + ch * len(rows) + 10
    out = [_open(name, width, height, title)]
    for j, c in enumerate(cols):
        out.append(
            f'<text x="{label_w + cw * j + cw / 2}" y="15" text-anchor="middle" '
            f"{_FONT}>{escape(c)}</text>"
        )
    for i, r in enumerate(rows):
        y = top + ch * i
        out.append(f'<text x="4" y="{y + 15}" {_FONT}>{escape(r)}</text>')
        for j, c in enumerate(cols):
            x = label_w + cw * j
            share, label = cells.get((r, c), (0.0, ""))
            share = min(1.0, max(0.0, share))
            # white (0) → blue (1); an empty cell stays light grey
            red, green, blue = (int(255 - k * share) for k in (177, 134, 88))
            fill = "#f3f3f3" if not label else f"rgb({red},{green},{blue})"
            ink = "#fff" if share > 0.6 else "#222"
            out.append(
                f'<rect class="mark" x="{x + 1}" y="{y + 1}" width="{cw - 2}" height="{ch - 2}" '
                f'fill="{fill}"><title>{escape(r)} {escape(c)}: {escape(label)}</title></rect>'
                f'<text x="{x + cw / 2}" y="{y + 15}" text-anchor="middle" fill="{ink}" '
                f"{_FONT}>{escape(label)}</text>"
            )
    out.append("</svg>")
    return "".join(out)


def hbar_chart(name: str, title: str, labels: Sequence[str], values: Sequence[float]) -> str:
    """Horizontal bars, one per label (for rankings such as the most frequent spam phrases)."""
    if not labels:
        return _empty(name, title)
    label_w = min(330, 14 + 12 * max(len(x) for x in labels))
    bar_w, bh = 320, 20
    vmax = max(values) or 1.0
    out = [_open(name, label_w + bar_w + 60, 10 + bh * len(labels), title)]
    for i, (lab, v) in enumerate(zip(labels, values, strict=True)):
        y = 5 + bh * i
        w = max(1.0, bar_w * v / vmax)
        out.append(
            f'<text x="4" y="{y + 14}" {_FONT}>{escape(lab)}</text>'
            f'<rect class="mark" x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{bh - 4}" '
            f'fill="{PALETTE[2]}"><title>{escape(lab)}: {_fmt(v)}</title></rect>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 14}" {_FONT}>{_fmt(v)}</text>'
        )
    out.append("</svg>")
    return "".join(out)
