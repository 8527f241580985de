"""``dflow watch``: a workflow's steps as a tree (phase, duration, progress, message) redrawn
until it ends on a terminal, like ``argo watch``; elsewhere one line per change."""

from __future__ import annotations

import sys
import time
from typing import Any, Dict, Iterator, List, Mapping, Optional, TextIO, Tuple

from ..engines import FINISHED_PHASES
from ..pod_names import get_duration
from .table import format_time_delta, paint, use_colour

__all__ = ["tree_lines", "watch"]

CLEAR = "\033[H\033[2J"  # cursor home, clear the screen


def _walk(
    nodes: Mapping[str, Dict[str, Any]], node_id: str, depth: int, seen: set
) -> Iterator[Tuple[int, Dict[str, Any]]]:
    node = nodes.get(node_id)
    if node is None or node_id in seen:
        return
    seen.add(node_id)
    yield depth, node
    for child in node.get("children") or ():
        yield from _walk(nodes, child, depth + 1, seen)


def _cells(node: Mapping[str, Any]) -> List[str]:
    duration = format_time_delta(get_duration(node)) if node.get("startedAt") else ""
    return [str(node.get("phase") or "Pending"), duration, str(node.get("progress") or ""),
            str(node.get("message") or "")]  # fmt: skip


def tree_lines(wf: Mapping[str, Any], colour: bool = False) -> List[str]:
    """The summary of a workflow, then its steps as an indented tree in the order they ran."""
    meta, status = wf.get("metadata") or {}, wf.get("status") or {}
    name = str(meta.get("name"))
    phase = status.get("phase") or "Pending"
    duration = format_time_delta(get_duration(status)) if status.get("startedAt") else "-"
    shown_phase = paint(phase, phase) if colour else phase
    head = f"Name: {name}   Status: {shown_phase}   Duration: {duration}"
    if status.get("progress"):
        head += f"   Progress: {status['progress']}"
    lines = [head]
    if status.get("message"):
        lines.append(f"Message: {status['message']}")
    nodes = status.get("nodes") or {}
    rows = [(depth, node) for depth, node in _walk(nodes, name, 0, set())]
    if not rows:
        return lines
    labels = [("  " * depth + ("└ " if depth else "") + str(node.get("displayName") or node["id"]))
              for depth, node in rows]  # fmt: skip
    width = max(len(label) for label in labels)
    lines.append("")
    lines.append(f"{'STEP'.ljust(width)}  {'PHASE':<9}  {'DURATION':<8}  {'PROGRESS':<8}  MESSAGE")
    for label, (_, node) in zip(labels, rows):
        cell_phase, dur, progress, message = _cells(node)
        padded = cell_phase.ljust(9)
        if colour:
            padded = paint(padded, cell_phase)
        line = f"{label.ljust(width)}  {padded}  {dur:<8}  {progress:<8}  {message}"
        lines.append(line.rstrip())
    return lines


def _changes(wf: Mapping[str, Any], last: Dict[str, Tuple[str, ...]]) -> Iterator[str]:
    """One line for the workflow and for each step whose phase, progress or message changed."""
    meta, status = wf.get("metadata") or {}, wf.get("status") or {}
    name = str(meta.get("name"))
    items = [(name, name, status)] + [
        (node_id, str(node.get("displayName") or node_id), node)
        for node_id, node in sorted((status.get("nodes") or {}).items(),
                                    key=lambda kv: kv[1].get("startedAt") or "~")
        if node_id != name
    ]  # fmt: skip
    for key, label, node in items:
        state = (str(node.get("phase") or "Pending"), str(node.get("progress") or ""),
                 str(node.get("message") or ""))  # fmt: skip
        if last.get(key) != state:
            last[key] = state
            yield "  ".join(part for part in (label, *state) if part)


def watch(
    engine: Any,
    workflow_id: str,
    interval: float = 1.0,
    out: Optional[TextIO] = None,
) -> str:
    """Show ``workflow_id`` until it ends; returns its final phase."""
    out = out or sys.stdout
    terminal = bool(getattr(out, "isatty", None) and out.isatty())
    colour = use_colour(out)
    last: Dict[str, Tuple[str, ...]] = {}
    while True:
        wf = engine.get(workflow_id)
        phase = str((wf.get("status") or {}).get("phase") or "Pending")
        if terminal:
            out.write(CLEAR + "\n".join(tree_lines(wf, colour)) + "\n")
        else:
            for line in _changes(wf, last):
                out.write(line + "\n")
        out.flush()
        if phase in FINISHED_PHASES:
            return phase
        time.sleep(interval)
