"""Charts drawn on the server as SVG, for the dashboard and the board report.

The site's content security policy forbids inline styles, so every drawing instruction is a
presentation attribute (``fill``, ``stroke``, ``font-size``), never a ``style`` attribute. The same
markup renders in browsers and in WeasyPrint. Each chart is an image with a title and a short
description for screen readers; series differ by dash pattern and marker shape as well as colour,
and every value is printed, so colour is never the only cue. Pages show the numbers in a table too.
"""

import hashlib
import itertools
import math
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
TEXT = "#212529"
GRID = "#6c757d"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"

# Each series: colour (at least 3:1 against white), dash pattern and marker shape.
SERIES_LOOKS = [
    ("#1d4e5f", "", "circle"),
    ("#8a4b00", "8 4", "square"),
    ("#5b2a86", "2 3", "triangle"),
    ("#2f6b2f", "12 4 2 4", "diamond"),
]
BAR_FILL = "#1d4e5f"


def format_value(value: float | None, unit: str) -> str:
    """A number as people read it: whole numbers without decimals, one decimal otherwise."""
    if value is None:
        return "no data"
    number = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return f"{number}%" if unit == "percent" else number


def unit_label(unit: str) -> str:
    return {"count": "Number", "percent": "Percent", "minutes": "Minutes", "hours": "Hours", "days": "Days"}.get(
        unit, unit
    )


def _axis_ticks(largest: float, unit: str) -> list[float]:
    """Round values from 0 up to at or above ``largest``, two to five steps apart, for the value axis."""
    if unit == "percent" and 0 < largest <= 100:
        return [0, 25, 50, 75, 100]
    if largest <= 0:
        return [0, 1]
    rough = largest / 4
    magnitude = 10 ** math.floor(math.log10(rough))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= rough)
    if unit == "count":
        step = max(step, 1)
    return [step * n for n in range(math.ceil(largest / step - 1e-9) + 1)]


def _chart_id(title: str, data: object) -> str:
    return "chart-" + hashlib.sha1(f"{title}|{data!r}".encode(), usedforsecurity=False).hexdigest()[:10]


def _open_svg(*, chart_id: str, title: str, description: str, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{WIDTH}" height="{height}"'
        f' viewBox="0 0 {WIDTH} {height}" aria-labelledby="{chart_id}-title {chart_id}-desc"'
        f' font-family={quoteattr(FONT)} font-size="12" fill="{TEXT}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        f'<text x="8" y="18" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{colour}"/>'
    if shape == "triangle":
        points = f"{x:.1f},{y - 4.5:.1f} {x + 4.5:.1f},{y + 3.5:.1f} {x - 4.5:.1f},{y + 3.5:.1f}"
        return f'<polygon points="{points}" fill="{colour}"/>'
    if shape == "diamond":
        points = f"{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} {x - 5:.1f},{y:.1f}"
        return f'<polygon points="{points}" fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>'


def _line_description(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], unit: str) -> str:
    if not labels:
        return "No data to show."
    parts = [f"From {labels[0]} to {labels[-1]}."]
    for name, values in series:
        known = [(label, value) for label, value in zip(labels, values, strict=False) if value is not None]
        if not known:
            parts.append(f"{name}: no data.")
            continue
        high_label, high = max(known, key=lambda item: item[1])
        last_label, last = known[-1]
        parts.append(
            f"{name}: {format_value(last, unit)} in {last_label}; highest {format_value(high, unit)} in {high_label}."
        )
    return " ".join(parts)


def _legend_positions(names: list[str], *, left: int) -> list[tuple[int, int, int]]:
    """(x, width, y) of each legend entry, wrapping onto a new row when the chart is full."""
    positions, x, y = [], left, 34
    for name in names:
        width = 44 + 7 * len(name)
        if x > left and x + width > WIDTH:
            x, y = left, y + 18
        positions.append((x, width, y))
        x += width
    return positions


# Month labels under a line chart are turned 35 degrees and end at their tick, so they reach down and to the left.
LABEL_ANGLE = 35
LABEL_FONT_SIZE = 11
# A generous width per character of the label font (wide letters, digits, a bold fallback font), so no label is cut.
LABEL_CHAR_WIDTH = 0.62 * LABEL_FONT_SIZE
PLOT_HEIGHT = 204


def _label_reach(label: str) -> tuple[float, float]:
    """How far a turned label reaches (left, down) from the end it is anchored at."""
    length = len(label) * LABEL_CHAR_WIDTH
    angle = math.radians(LABEL_ANGLE)
    return length * math.cos(angle), length * math.sin(angle) + LABEL_FONT_SIZE * math.cos(angle)


def line_chart_svg(
    *, title: str, labels: list[str], series: list[tuple[str, list[float | None]]], unit: str
) -> SafeString:
    """A line chart of one or more series over the same labels (months). ``None`` leaves a gap."""
    series = [(name, list(values)[: len(labels)]) for name, values in series[: len(SERIES_LOOKS)]]
    legend = _legend_positions([name for name, _ in series], left=56) if len(series) > 1 else []
    legend_height = (legend[-1][2] - 34 + 18) if legend else 0
    # Room under the plot for the longest label (the last, "Dec 2026 (so far)", is the usual one), and left of it
    # for the first label, which starts at the first point.
    inset = 16
    reach_down = max((_label_reach(label)[1] for label in labels), default=0)
    first_reach_left = _label_reach(labels[0])[0] if labels else 0
    top, right = 40 + legend_height, 24 if len(series) < 2 else 48
    left = max(56, math.ceil(first_reach_left - inset + 4))
    bottom = max(56, math.ceil(16 + reach_down + 6))
    plot_height = PLOT_HEIGHT
    height = top + plot_height + bottom
    plot_width = WIDTH - left - right
    chart_id = _chart_id(title, (labels, series, unit))
    out = _open_svg(chart_id=chart_id, title=title, description=_line_description(labels, series, unit), height=height)

    known = [value for _, values in series for value in values if value is not None]
    ticks = _axis_ticks(max(known, default=0), unit)
    axis_top = ticks[-1]
    # Points start a little right of the value axis (``inset``) so the first value label clears the tick labels.
    step_x = (plot_width - 2 * inset) / max(len(labels) - 1, 1)

    def x_of(index: int) -> float:
        return left + inset + (index * step_x if len(labels) > 1 else plot_width / 2 - inset)

    def y_of(value: float) -> float:
        return top + plot_height - (value / axis_top) * plot_height

    for tick, value in enumerate(ticks):
        y = y_of(value)
        out.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_width}" y2="{y:.1f}" stroke="{GRID}"'
            + (' stroke-width="1"/>' if tick == 0 else ' stroke-width="0.5" stroke-dasharray="2 4"/>')
        )
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(format_value(value, unit))}</text>')
    out.append(
        f'<text x="14" y="{top + plot_height / 2:.1f}" text-anchor="middle"'
        f' transform="rotate(-90 14 {top + plot_height / 2:.1f})">{escape(unit_label(unit))}</text>'
    )
    for index, label in enumerate(labels):
        x = x_of(index)
        out.append(
            f'<line x1="{x:.1f}" y1="{top + plot_height}" x2="{x:.1f}" y2="{top + plot_height + 4}" stroke="{GRID}"/>'
        )
        out.append(
            f'<text x="{x:.1f}" y="{top + plot_height + 16}" text-anchor="end" font-size="{LABEL_FONT_SIZE}"'
            f' transform="rotate(-{LABEL_ANGLE} {x:.1f} {top + plot_height + 16})">{escape(label)}</text>'
        )

    for number, (name, values) in enumerate(series):
        colour, dashes, shape = SERIES_LOOKS[number]
        segment: list[str] = []
        segments = [segment]
        for index, value in enumerate(values):
            if value is None:
                segment = []
                segments.append(segment)
            else:
                segment.append(f"{x_of(index):.1f},{y_of(value):.1f}")
        out.append(f"<g><title>{escape(name)}</title>")
        for points in segments:
            if len(points) > 1:
                out.append(
                    f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" stroke-width="2.5"'
                    + (f' stroke-dasharray="{dashes}"' if dashes else "")
                    + "/>"
                )
        for index, value in enumerate(values):
            if value is None:
                continue
            x, y = x_of(index), y_of(value)
            out.append(_marker(shape, x, y, colour))
            # One series: every value is printed above its point.
            if len(series) == 1:
                out.append(
                    f'<text x="{x:.1f}" y="{y - 8:.1f}" text-anchor="middle" font-size="10">'
                    f"{escape(format_value(value, unit))}</text>"
                )
        out.append("</g>")

    # Several series: the latest value of each, right of its last point, spread apart so none overlap.
    if len(series) > 1:
        latest = []
        for values in (values for _, values in series):
            known_at = [i for i, v in enumerate(values) if v is not None]
            if known_at:
                latest.append([y_of(values[known_at[-1]]) + 4, x_of(known_at[-1]) + 8, values[known_at[-1]]])
        latest.sort()
        for before, after in itertools.pairwise(latest):
            after[0] = max(after[0], before[0] + 11)
        for y, x, value in latest:
            out.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="10">{escape(format_value(value, unit))}</text>')

    if legend:
        for number, (x, y) in enumerate((x, y) for x, _, y in legend):
            name = series[number][0]
            colour, dashes, shape = SERIES_LOOKS[number]
            out.append(
                f'<line x1="{x}" y1="{y}" x2="{x + 28}" y2="{y}" stroke="{colour}" stroke-width="2.5"'
                + (f' stroke-dasharray="{dashes}"' if dashes else "")
                + "/>"
            )
            out.append(_marker(shape, x + 14, y, colour))
            out.append(f'<text x="{x + 34}" y="{y + 4}">{escape(name)}</text>')
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every piece of text above is escaped


def bar_chart_svg(*, title: str, rows: list[tuple[str, float]], unit: str) -> SafeString:
    """Horizontal bars, one per row, each with its label on the left and its value at its end."""
    bar_height, gap, top = 18, 8, 34
    height = top + max(len(rows), 1) * (bar_height + gap) + 28
    label_width = min(240, 24 + 7 * max((len(label) for label, _ in rows), default=0))
    left, right = label_width, 64
    plot_width = WIDTH - left - right
    chart_id = _chart_id(title, (rows, unit))
    if rows:
        description = "; ".join(f"{label}: {format_value(value, unit)}" for label, value in rows) + "."
    else:
        description = "No data to show."
    out = _open_svg(chart_id=chart_id, title=title, description=description, height=height)
    axis_top = _axis_ticks(max((value for _, value in rows), default=0), unit)[-1]
    bottom = top + max(len(rows), 1) * (bar_height + gap)
    out.append(f'<line x1="{left}" y1="{top - 4}" x2="{left}" y2="{bottom}" stroke="{GRID}"/>')
    if not rows:
        out.append(f'<text x="{left + 8}" y="{top + 13}">No data to show.</text>')
    for index, (label, value) in enumerate(rows):
        y = top + index * (bar_height + gap)
        width = max(value, 0) / axis_top * plot_width
        shown = label if len(label) * 7 <= label_width - 16 else label[: (label_width - 16) // 7 - 1] + "…"
        out.append(f'<text x="{left - 8}" y="{y + 13}" text-anchor="end">{escape(shown)}</text>')
        out.append(
            f'<rect x="{left}" y="{y}" width="{width:.1f}" height="{bar_height}" fill="{BAR_FILL}"'
            f' stroke="{TEXT}" stroke-width="0.5"/>'
        )
        out.append(f'<text x="{left + width + 6:.1f}" y="{y + 13}">{escape(format_value(value, unit))}</text>')
    out.append(
        f'<text x="{left + plot_width / 2:.1f}" y="{bottom + 20}" text-anchor="middle">'
        f"{escape(unit_label(unit))}</text>"
    )
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every piece of text above is escaped
