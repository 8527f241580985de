"""Memoization caches: Argo's config-map entries, kept as one JSON file per config map."""

from __future__ import annotations

import fcntl
import json
import threading
from pathlib import Path
from typing import Any, Dict, Optional

from .layout import private_dir
from .state import now, write_json

__all__ = ["MemoCache"]


class MemoCache:
    """``key -> {"nodeID", "outputs", "creationTimestamp", "lastHitTimestamp"}`` in a file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def _read(self) -> Dict[str, Any]:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return {k: json.loads(v) if isinstance(v, str) else v for k, v in data.items()}

    def _update(self, entries: Dict[str, Any]) -> None:
        private_dir(self.path.parent)
        with self._lock, open(self.path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            data = self._read()
            data.update(entries)
            write_json(self.path, {k: json.dumps(v) for k, v in data.items()})

    def get(self, key: str) -> Optional[Dict[str, Any]]:
        with self._lock:
            return self._read().get(key)

    def put(self, key: str, node_id: str, outputs: Dict[str, Any]) -> None:
        stamp = now()
        self._update(
            {
                key: {
                    "nodeID": node_id,
                    "outputs": outputs,
                    "creationTimestamp": stamp,
                    "lastHitTimestamp": stamp,
                }
            }
        )

    def put_entries(self, entries: Dict[str, str]) -> None:
        """Entries already in Argo's config-map form (key -> JSON text)."""
        self._update({k: json.loads(v) for k, v in entries.items()})
