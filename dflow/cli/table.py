"""Plain-text tables for the command line: left-aligned columns sized to their content."""

from __future__ import annotations

import datetime
from typing import Any, List, Sequence

__all__ = ["format_table", "format_print_table", "format_time_delta"]


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Columns separated by two spaces, a header line first; ``None`` cells print as ``-``."""
    cells: List[List[str]] = [[str(h) for h in headers]]
    cells += [["-" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
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
