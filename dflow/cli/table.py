"""Plain-text tables for the command line: left-aligned columns sized to their content."""

from __future__ import annotations

import datetime
import os
import sys
from typing import Any, List, Optional, Sequence, TextIO

__all__ = ["format_table", "format_print_table", "format_time_delta", "use_colour", "paint"]

# phase -> ANSI colour: green, red, blue, yellow
_PHASE_COLOURS = {"Succeeded": "32", "Failed": "31", "Error": "31", "Running": "34",
                  "Pending": "33"}  # fmt: skip


def use_colour(stream: Optional[TextIO] = None) -> bool:
    """Colour only on a terminal, and never when ``NO_COLOR`` is set (https://no-color.org)."""
    stream = stream or sys.stdout
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and not os.environ.get("NO_COLOR")


def paint(text: str, phase: Any) -> str:
    """``text`` in the colour of ``phase`` (unchanged for a phase without one)."""
    code = _PHASE_COLOURS.get(str(phase))
    return f"\033[{code}m{text}\033[0m" if code else text


def format_table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], phase_column: Optional[int] = None
) -> str:
    """Columns separated by two spaces, a header line first; ``None`` cells print as ``-``; the
    cells of ``phase_column`` coloured by phase when ``use_colour()``."""
    cells: List[List[str]] = [[str(h) for h in headers]]
    cells += [["-" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    colour = phase_column is not None and use_colour()
    lines = []
    for n, r in enumerate(cells):
        padded = [c.ljust(w) for c, w in zip(r, widths)]
        if colour and n > 0 and phase_column is not None:
            padded[phase_column] = paint(padded[phase_column], r[phase_column])
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines)


def format_print_table(t: Sequence[Sequence[Any]]) -> None:
    """Print rows (the first one the header) as a table."""
    if t:
        print(format_table(t[0], t[1:]))


def format_time_delta(td: datetime.timedelta) -> str:
    """A duration in its largest whole unit, as ``kubectl`` shows ages: ``65s``, ``5m``, ``1h``,
    ``1d`` (seconds up to two minutes, minutes up to an hour, hours up to a day)."""
    seconds = int(td.total_seconds())
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"
