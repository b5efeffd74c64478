"""Server-side SVG charts for the staff page: no script, no inline style (colours come from classes in
staff.css), so they work offline and under a strict Content-Security-Policy. Each chart is an image with a
title and a description; the page puts the table with the same numbers right under it."""

from __future__ import annotations

from html import escape

Series = tuple[str, str, list[float]]  # (name, css class, one value per label)

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 40


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    step = 1.0
    while step * 10 < value:
        step *= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= value:
            return step * factor
    return value


def _frame(chart_id: str, title: str, description: str, height: int, body: list[str]) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(description)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def stacked_columns(chart_id: str, title: str, labels: list[str], series: list[Series], description: str) -> str:
    """One column per label (a day), the series stacked bottom to top."""
    totals = [sum(values[i] for _, _, values in series) for i in range(len(labels))]
    top = _nice_max(max(totals, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(labels), 1)
    bar = max(slot * 0.7, 1.0)
    body = [
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}"/>',
        f'<line class="grid" x1="{LEFT}" y1="{TOP}" x2="{WIDTH - RIGHT}" y2="{TOP}"/>',
        f'<text class="tick" x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end">{top:g}</text>',
        f'<text class="tick" x="{LEFT - 6}" y="{TOP + plot_h + 4}" text-anchor="end">0</text>',
    ]
    every = max(1, round(len(labels) / 10))
    for i, label in enumerate(labels):
        x = LEFT + i * slot + (slot - bar) / 2
        y = float(TOP + plot_h)
        for name, css, values in series:
            h = plot_h * values[i] / top
            if h > 0:
                y -= h
                body.append(
                    f'<rect class="{css}" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}">'
                    f"<title>{escape(label)}: {values[i]:g} {escape(name)}</title></rect>"
                )
        if i % every == 0:
            body.append(
                f'<text class="tick" x="{x + bar / 2:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    return _frame(chart_id, title, description, HEIGHT, body)


def horizontal_bars(
    chart_id: str, title: str, rows: list[tuple[str, float]], description: str, unit: str = "", top: float = 0.0
) -> str:
    """One bar per row (label, value), longest scale = top (default: the largest value)."""
    row_h, label_w = 22, 300
    height = TOP + row_h * max(len(rows), 1) + 8
    top = top or _nice_max(max((v for _, v in rows), default=0.0))
    plot_w = WIDTH - label_w - RIGHT - 50
    body = []
    for i, (label, value) in enumerate(rows):
        y = TOP + i * row_h
        shown = label if len(label) <= 48 else label[:47] + "…"
        w = plot_w * value / top if top else 0
        body.append(
            f'<text class="label" x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(shown)}</text>'
            f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}">'
            f"<title>{escape(label)}: {value:g}{escape(unit)}</title></rect>"
            f'<text class="value" x="{label_w + w + 4:.1f}" y="{y + 15}">{value:g}{escape(unit)}</text>'
        )
    return _frame(chart_id, title, description, height, body)
