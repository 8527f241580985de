"""The progress line ``wait`` shows on a terminal: steps done, running and failed."""

from __future__ import annotations

from typing import Any, Dict, TextIO

__all__ = ["ProgressLine", "count_pods"]


def count_pods(data: Dict[str, Any]) -> Dict[str, int]:
    """Pods of a workflow by state."""
    counts = {"done": 0, "running": 0, "failed": 0, "pending": 0}
    for node in (data.get("status") or {}).get("nodes", {}).values():
        if node.get("type") != "Pod":
            continue
        phase = node.get("phase")
        if phase == "Succeeded":
            counts["done"] += 1
        elif phase == "Running":
            counts["running"] += 1
        elif phase in ("Failed", "Error"):
            counts["failed"] += 1
        else:
            counts["pending"] += 1
    return counts


class ProgressLine:
    """Rewrites one line of ``stream`` (only when it is a terminal)."""

    def __init__(self, workflow_id: str, stream: TextIO) -> None:
        self.workflow_id = workflow_id
        self.stream = stream
        self.enabled = hasattr(stream, "isatty") and stream.isatty()
        self._last = ""

    def _text(self, data: Dict[str, Any]) -> str:
        c = count_pods(data)
        phase = (data.get("status") or {}).get("phase", "")
        return (
            f"{self.workflow_id}: {phase} - {c['done']} done, {c['running']} running, "
            f"{c['failed']} failed"
        )

    def show(self, data: Dict[str, Any]) -> None:
        if not self.enabled:
            return
        text = self._text(data)
        if text != self._last:
            self.stream.write("\r\033[K" + text)
            self.stream.flush()
            self._last = text

    def close(self, data: Dict[str, Any]) -> None:
        if self.enabled:
            self.show(data)
            self.stream.write("\n")
            message = (data.get("status") or {}).get("message")
            if message and data["status"].get("phase") != "Succeeded":
                self.stream.write(message + "\n")
            self.stream.flush()
