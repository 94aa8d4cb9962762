"""Charts of the HR dashboard drawn on the server as inline SVG: no script, no library, nothing
fetched, a few hundred bytes on a slow line. Each chart is an image with a name (``role="img"``,
``aria-label`` and ``<title>``); the data table beside it is its accessible equivalent.

Pure functions of their arguments: text in, markup out (every label escaped)."""

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import mark_safe

WIDTH = 400  # viewBox units; the SVG scales to its box (.report-chart in site.css): 14 units ≈ 13–17 px
INK = "#1b1f24"  # text: 16:1 on white
MUTED = "#4a5560"  # axis labels: 7.5:1 on white
BAR = "#0b5cad"  # bars and line: 6.5:1 on white, so they stand out against the track
TRACK = "#e6ebf0"  # the 100 % a bar is measured against
LABEL_CHARS = 44


def format_percent(rate, digits=1):
    """A rate between 0 and 1 as a percentage in the active language's number format
    (``45,3%`` in Vietnamese); ``—`` when there is no rate (nothing enrolled)."""
    if rate is None:
        return "—"
    # Rounded here: number_format cuts the digits off, which would show 1/6 as 16,6% (and the
    # exports, which round, as 16.7).
    return f"{number_format(round(rate * 100, digits), digits)}%"


def shorten(text, limit=LABEL_CHARS):
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _svg(title, height, body):
    title = escape(title)
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{title}" focusable="false" font-family="system-ui, sans-serif">'
        f"<title>{title}</title>{''.join(body)}</svg>"
    )


def bar_chart(title, items):
    """Horizontal bars of rates: ``items`` is ``[(label, rate between 0 and 1 or None)]``. Each bar
    sits under its label, so long Vietnamese unit names fit on a phone; the value is written at
    the end of the bar."""
    row, top = 46, 8
    body = []
    track_width = WIDTH - 72  # room for the value after the track
    for index, (label, rate) in enumerate(items):
        y = top + index * row
        value = format_percent(rate)
        length = round(track_width * max(0.0, min(1.0, rate or 0.0)), 1)
        body.append(
            f"<g><title>{escape(label)}: {escape(value)}</title>"
            f'<text x="0" y="{y + 15}" font-size="16" fill="{INK}">{escape(shorten(label))}</text>'
            f'<rect x="0" y="{y + 22}" width="{track_width}" height="16" rx="2" fill="{TRACK}"/>'
            f'<rect x="0" y="{y + 22}" width="{length}" height="16" rx="2" fill="{BAR}"/>'
            f'<text x="{track_width + 6}" y="{y + 36}" font-size="16" font-weight="600" fill="{INK}">'
            f"{escape(value)}</text></g>"
        )
    return _svg(title, max(top + len(items) * row, 24), body)


def column_chart(title, points, max_labels=12):
    """Columns of counts: ``points`` is ``[(label, count)]`` in order (months). The count is
    written above each column while there is room; at most ``max_labels`` labels on the axis."""
    height, top, bottom, left = 220, 22, 30, 4
    plot = height - top - bottom
    body = [f'<line x1="0" y1="{top + plot}" x2="{WIDTH}" y2="{top + plot}" stroke="{MUTED}" stroke-width="1"/>']
    if not points:
        return _svg(title, height, body)
    peak = max(count for _label, count in points) or 1
    slot = (WIDTH - left) / len(points)
    bar = min(max(slot * 0.7, 1), 40)  # one month alone is a column, not a wall
    every = -(-len(points) // max_labels)  # ceiling: label every n-th column
    for index, (label, count) in enumerate(points):
        x = left + index * slot + (slot - bar) / 2
        tall = round(plot * count / peak, 1)
        centre = round(x + bar / 2, 1)
        parts = [
            f"<g><title>{escape(label)}: {escape(number_format(count, force_grouping=True))}</title>",
            f'<rect x="{round(x, 1)}" y="{round(top + plot - tall, 1)}" width="{round(bar, 1)}" '
            f'height="{tall}" fill="{BAR}"/>',
        ]
        if index % every == 0:
            parts.append(
                f'<text x="{centre}" y="{height - 10}" font-size="13" text-anchor="middle" fill="{MUTED}">'
                f"{escape(label)}</text>"
            )
            parts.append(
                f'<text x="{centre}" y="{round(top + plot - tall - 5, 1)}" font-size="13" '
                f'text-anchor="middle" fill="{INK}">{escape(number_format(count, force_grouping=True))}</text>'
            )
        parts.append("</g>")
        body.append("".join(parts))
    return _svg(title, height, body)
