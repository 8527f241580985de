"""Reading a step's logs: its ``stdout`` then its ``stderr`` file, line by line (never the whole
file in memory), or both followed together while the step runs."""

from __future__ import annotations

import collections
import time
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional

__all__ = ["step_log_lines"]

STREAMS = ("stdout", "stderr")


def _filtered(lines: Iterator[str], tail: Optional[int], grep: Optional[str]) -> Iterator[str]:
    """The last ``tail`` lines (all when None), then only those holding ``grep``."""
    if tail is not None:
        lines = iter(collections.deque(lines, maxlen=max(tail, 0)))
    return (line for line in lines if grep is None or grep in line)


def _whole(step_dir: Path, upto: Optional[Dict[str, int]] = None) -> Iterator[str]:
    """The lines of ``stdout`` then ``stderr`` (of their first ``upto`` bytes, when given)."""
    for stream in STREAMS:
        try:
            fh = open(step_dir / stream, "rb")
        except FileNotFoundError:
            continue
        with fh:
            left = None if upto is None else upto[stream]
            for raw in fh:
                if left is not None:
                    if left <= 0:
                        break
                    left -= len(raw)
                yield raw.decode("utf-8", "replace").rstrip("\n")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _followed(
    step_dir: Path, ended: Callable[[], bool], interval: float, start: Dict[str, int]
) -> Iterator[str]:
    """Complete lines of both streams written past ``start`` (bytes per stream) as they come,
    until ``ended()`` and drained."""
    offsets = dict(start)
    partial = {s: "" for s in STREAMS}
    while True:
        done = ended()  # asked before reading, so nothing written before the end is missed
        for stream in STREAMS:
            try:
                with open(step_dir / stream, "rb") as fh:
                    fh.seek(offsets[stream])
                    chunk = fh.read(1 << 20)
            except FileNotFoundError:
                continue
            offsets[stream] += len(chunk)
            lines: List[str] = (partial[stream] + chunk.decode("utf-8", "replace")).split("\n")
            partial[stream] = lines.pop()
            yield from lines
            if chunk:
                done = False  # more may be waiting past this read
        if done:
            yield from (rest for rest in partial.values() if rest)
            return
        time.sleep(interval)


def step_log_lines(
    step_dir: Path,
    follow: bool = False,
    tail: Optional[int] = None,
    grep: Optional[str] = None,
    ended: Callable[[], bool] = lambda: True,
    interval: float = 0.2,
) -> Iterator[str]:
    """The log lines of the step whose directory is ``step_dir``: the last ``tail`` lines, those
    holding ``grep``; with ``follow``, then the lines written until ``ended()``."""
    if not follow:
        yield from _filtered(_whole(step_dir), tail, grep)
        return
    start = {s: 0 for s in STREAMS}
    if tail is not None:  # the last lines written so far, then what comes
        start = {s: _size(step_dir / s) for s in STREAMS}
        yield from _filtered(_whole(step_dir, start), tail, grep)
    yield from _filtered(_followed(step_dir, ended, interval, start), None, grep)
