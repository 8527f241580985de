"""The status of one workflow run, shaped as Argo reports it, and persisted as it changes.

Every node change goes through ``WorkflowState`` under one lock; a flusher writes the whole
workflow JSON to ``state.json`` (atomically, at most every ``interval`` seconds, and at the end),
so that another process reading it by id sees the same shapes ``ArgoWorkflow`` reads.
"""

from __future__ import annotations

import copy
import json
import os
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, Optional

from ...errors import StorageError

__all__ = [
    "WorkflowState",
    "StateWriteError",
    "now",
    "node_id",
    "read_state",
    "write_json",
    "FINISHED",
]

FINISHED = ("Succeeded", "Failed", "Error", "Skipped", "Omitted")
POD_TYPES = ("Pod",)


def now() -> str:
    """An RFC 3339 timestamp as Argo writes them (UTC, seconds)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def node_id(workflow: str, name: str) -> str:
    """Argo's node id: the workflow name for the root, else ``<workflow>-<fnv32a(name)>``."""
    if name == workflow:
        return workflow
    h = 0x811C9DC5
    for byte in name.encode():
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return f"{workflow}-{h}"


class StateWriteError(StorageError):
    """A state file could not be written; the previous one is left as it was."""

    def __init__(self, message: str, workflow_id: Optional[str] = None) -> None:
        self.workflow_id = workflow_id  # set once the workflow exists, though not its record
        super().__init__(message)


def write_json(path: Path, data: Any, what: str = "") -> None:
    """Write JSON atomically and privately (0600): readers see the old or the new file, never
    half of one; on failure the temporary file is removed and the old file stays."""
    text = json.dumps(data).encode()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            view = memoryview(text)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise StateWriteError(
            f"cannot write {what or 'the file'} {str(path)!r}: {exc.strerror or exc}; "
            "the previous version is kept"
        ) from exc


def read_state(path: Path) -> Dict[str, Any]:
    return json.loads(path.read_text())  # type: ignore[no-any-return]


class WorkflowState:
    """The workflow JSON (``metadata``, ``spec``, ``status``) of a run, guarded by a lock."""

    def __init__(self, workflow: Dict[str, Any], path: Path, interval: float = 0.2) -> None:
        self.data = workflow
        self.path = path
        self.lock = threading.RLock()
        self.interval = interval
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._flusher: Optional[threading.Thread] = None
        self.listeners: list[Callable[[], None]] = []

    @property
    def name(self) -> str:
        return str(self.data["metadata"]["name"])

    @property
    def status(self) -> Dict[str, Any]:
        return self.data["status"]  # type: ignore[no-any-return]

    @property
    def nodes(self) -> Dict[str, Dict[str, Any]]:
        return self.status["nodes"]  # type: ignore[no-any-return]

    # -- nodes ---------------------------------------------------------------------------------

    def add_node(
        self,
        name: str,
        display: str,
        type_: str,
        template: Optional[str],
        boundary: Optional[str],
        parent: Optional[str],
        phase: str = "Running",
        **extra: Any,
    ) -> Dict[str, Any]:
        """Create (or, on a retry of the workflow, reset) the node called ``name``."""
        nid = node_id(self.name, name)
        node: Dict[str, Any] = {
            "id": nid,
            "name": name,
            "displayName": display,
            "type": type_,
            "phase": phase,
            "startedAt": now(),
        }
        if template:
            node["templateName"] = template
        if boundary:
            node["boundaryID"] = boundary
        node.update(extra)
        with self.lock:
            old = self.nodes.get(nid)
            if old is not None and old.get("children"):
                node["children"] = list(old["children"])
            self.nodes[nid] = node
            if parent is not None:
                self.link(parent, nid)
        self.touch()
        return node

    def link(self, parent: str, child: str) -> None:
        with self.lock:
            children = self.nodes[parent].setdefault("children", [])
            if child not in children:
                children.append(child)
        self.touch()

    def update(self, nid: str, **fields: Any) -> None:
        with self.lock:
            node = self.nodes[nid]
            for key, value in fields.items():
                if value is None:
                    node.pop(key, None)
                else:
                    node[key] = value
            if fields.get("phase") in FINISHED and "finishedAt" not in fields:
                node["finishedAt"] = now()
        self.touch()

    def pods(self) -> Iterator[Dict[str, Any]]:
        with self.lock:
            return iter([n for n in self.nodes.values() if n["type"] in POD_TYPES])

    def progress(self) -> str:
        """``done/total`` over pods, summing each pod's own ``progress`` like Argo."""
        done = total = 0
        for node in self.pods():
            d, _, t = str(node.get("progress") or "0/1").partition("/")
            try:
                done, total = done + int(d), total + int(t)
            except ValueError:
                continue
        return f"{done}/{total}"

    # -- persistence ---------------------------------------------------------------------------

    def snapshot(self) -> Dict[str, Any]:
        with self.lock:
            self.status["progress"] = self.progress()
            return copy.deepcopy(self.data)

    def touch(self) -> None:
        self._dirty.set()
        for listener in self.listeners:
            listener()

    def flush(self) -> None:
        self._dirty.clear()
        try:
            write_json(self.path, self.snapshot(), f"the state of workflow {self.name!r}")
        except StateWriteError as exc:
            exc.workflow_id = self.name
            raise

    def start(self) -> None:
        self.flush()
        self._flusher = threading.Thread(target=self._loop, name="dflow-state", daemon=True)
        self._flusher.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            if self._dirty.wait(self.interval) and not self._stop.is_set():
                try:
                    self.flush()
                except StateWriteError:  # e.g. the disk is full for now: the next change
                    self._dirty.set()  # tries again, and ``close`` reports it if it lasts
                self._stop.wait(self.interval)

    def close(self) -> None:
        """Stop the flusher and write the final state (``StateWriteError`` if it cannot)."""
        self._stop.set()
        self._dirty.set()
        if self._flusher is not None:
            self._flusher.join()
        self.flush()
