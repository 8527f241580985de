"""A picture of a workflow from its manifest: Steps groups, DAG edges, fan-outs collapsed with
their count, recursion drawn once, nodes coloured by phase when the manifest carries a ``status``.
Mermaid and DOT are plain text; SVG and PNG go through Graphviz's ``dot`` when it is installed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

from ..errors import DflowError

__all__ = ["GRAPH_FORMATS", "GraphvizMissingError", "workflow_picture", "format_for_path"]

GRAPH_FORMATS = ("mermaid", "dot", "svg", "png")

# phase -> fill colour (the colours Argo's UI uses, lightened for black text)
PHASE_COLOURS = {
    "Succeeded": "#a7e3b0",
    "Failed": "#f5a3a3",
    "Error": "#f5a3a3",
    "Running": "#a8d1f5",
    "Pending": "#e6e6e6",
    "Skipped": "#f5f5f5",
    "Omitted": "#f5f5f5",
}

_SUFFIXES = {".mmd": "mermaid", ".mermaid": "mermaid", ".dot": "dot", ".gv": "dot",
             ".svg": "svg", ".png": "png"}  # fmt: skip


class GraphvizMissingError(DflowError):
    """SVG or PNG was asked for and Graphviz's ``dot`` is not installed."""


@dataclass
class _Node:
    id: str
    label: str
    phase: Optional[str] = None
    recursion: bool = False


@dataclass
class _Cluster:
    id: str
    label: str
    items: List[Union[_Node, "_Cluster"]] = field(default_factory=list)


@dataclass
class _Picture:
    root: _Cluster
    edges: List[Tuple[str, str]] = field(default_factory=list)
    count: int = 0

    def new_id(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"


def format_for_path(path: str) -> Optional[str]:
    """The picture format that a file name's suffix asks for (``.svg`` -> ``svg``), if any."""
    for suffix, fmt in _SUFFIXES.items():
        if path.lower().endswith(suffix):
            return fmt
    return None


def _fan_out(step: Mapping[str, Any], nodes: List[Mapping[str, Any]]) -> Optional[str]:
    """``×N`` for a step that fans out (``N`` from its items, sequence or run), else ``None``."""
    if step.get("withItems") is not None:
        return f"×{len(step['withItems'])}"
    seq = step.get("withSequence")
    if seq is not None:
        if "count" in seq:
            return f"×{seq['count']}"
        try:
            return f"×{abs(int(seq.get('end', 0)) - int(seq.get('start', 0))) + 1}"
        except (TypeError, ValueError):
            return "×N"
    if step.get("withParam") is not None:
        return f"×{len(nodes)}" if nodes else "×N"
    return None


def _phase(name: str, by_name: Mapping[str, Mapping[str, Any]]) -> Tuple[Optional[str], list]:
    """The phase of the node called ``name`` (or of its fan-out items together) and the items."""
    items = [n for key, n in by_name.items() if key.startswith(name + "(")]
    node = by_name.get(name)
    if node is not None and node.get("phase"):
        return str(node["phase"]), items
    phases = {str(n.get("phase")) for n in items}
    for worst in ("Failed", "Error", "Running", "Pending"):
        if worst in phases:
            return worst, items
    return ("Succeeded" if phases == {"Succeeded"} else None), items


_NAME_TOKEN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")


def _dag_parents(task: Mapping[str, Any], names: set) -> List[str]:
    """The tasks ``task`` waits for, from ``dependencies`` or its ``depends`` expression."""
    if task.get("dependencies"):
        return [d for d in task["dependencies"] if d in names]
    found: List[str] = []
    for token in _NAME_TOKEN.findall(str(task.get("depends") or "")):
        if token in names and token not in found:
            found.append(token)
    return found


class _Builder:
    def __init__(self, manifest: Mapping[str, Any]) -> None:
        spec = manifest.get("spec") or {}
        self.templates = {t["name"]: t for t in spec.get("templates") or ()}
        nodes = ((manifest.get("status") or {}).get("nodes")) or {}
        self.by_name = {str(n.get("name")): n for n in nodes.values() if n.get("name")}
        meta = manifest.get("metadata") or {}
        self.name = str(meta.get("name") or meta.get("generateName") or "workflow").rstrip("-")
        self.entry = str(spec.get("entrypoint"))
        self.picture = _Picture(_Cluster("c0", self.name))

    def build(self) -> _Picture:
        if self.entry not in self.templates:
            raise DflowError(
                f"workflow {self.name!r}: its entrypoint {self.entry!r} names no template"
            )
        self._body(self.entry, self.name, self.picture.root, None, (self.entry,))
        return self.picture

    def _step(
        self, step: Mapping[str, Any], node_name: str, parent: _Cluster, stack: Tuple[str, ...]
    ) -> str:
        """Draw one step or task inside ``parent``; returns the id of its node."""
        template = step.get("template")
        phase, items = _phase(node_name, self.by_name)
        label = str(step.get("name"))
        count = _fan_out(step, items)
        if count:
            label += f" {count}"
        inner = self.templates.get(template or "")
        composite = inner is not None and ("steps" in inner or "dag" in inner)
        if composite and template in stack:
            node = _Node(self.picture.new_id("n"), f"{label}\n↻ {template}", phase, recursion=True)
            parent.items.append(node)
            return node.id
        node = _Node(self.picture.new_id("n"), f"{label}\n{template}" if composite else label)
        node.phase = phase
        if not composite or count:  # a fan-out of a Steps or DAG stays one node
            parent.items.append(node)
            return node.id
        cluster = _Cluster(self.picture.new_id("c"), f"{step.get('name')} ({template})")
        cluster.items.append(node)
        parent.items.append(cluster)
        self._body(str(template), node_name, cluster, node.id, stack + (str(template),))
        return node.id

    def _body(
        self, name: str, node_name: str, cluster: _Cluster, head: Optional[str], stack: tuple
    ) -> None:
        """Draw the steps or tasks of the composite template ``name`` into ``cluster``."""
        template = self.templates[name]
        edges = self.picture.edges
        if "steps" in template:
            previous: List[str] = [head] if head else []
            for i, group in enumerate(template.get("steps") or ()):
                ids = [self._step(s, f"{node_name}[{i}].{s['name']}", cluster, stack)
                       for s in group or ()]  # fmt: skip
                edges.extend((a, b) for a in previous for b in ids)
                previous = ids or previous
        elif "dag" in template:
            tasks = template["dag"].get("tasks") or ()
            names = {t["name"] for t in tasks}
            by_task = {t["name"]: self._step(t, f"{node_name}.{t['name']}", cluster, stack)
                   for t in tasks}  # fmt: skip
            for task in tasks:
                parents = _dag_parents(task, names)
                edges.extend((by_task[p], by_task[task["name"]]) for p in parents)
                if not parents and head:
                    edges.append((head, by_task[task["name"]]))
        else:
            node = _Node(self.picture.new_id("n"), name, _phase(node_name, self.by_name)[0])
            cluster.items.append(node)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _dot(picture: _Picture) -> str:
    lines = [
        f"digraph {_quote(picture.root.label)} {{",
        "  rankdir=TB;",
        '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica"];',
        '  graph [fontname="Helvetica"];',
    ]

    def emit(cluster: _Cluster, depth: int) -> None:
        pad = "  " * depth
        for item in cluster.items:
            if isinstance(item, _Cluster):
                lines.append(f"{pad}subgraph cluster_{item.id} {{")
                lines.append(f'{pad}  label={_quote(item.label)}; style="rounded,dashed";')
                emit(item, depth + 1)
                lines.append(f"{pad}}}")
            else:
                attrs = [f"label={_quote(item.label)}"]
                if item.phase in PHASE_COLOURS:
                    attrs.append(f'fillcolor="{PHASE_COLOURS[item.phase]}"')
                if item.recursion:
                    attrs.append('style="rounded,filled,dashed"')
                lines.append(f"{pad}{item.id} [{', '.join(attrs)}];")

    lines.append(f"  subgraph cluster_{picture.root.id} {{")
    lines.append(f"    label={_quote(picture.root.label)};")
    emit(picture.root, 2)
    lines.append("  }")
    lines += [f"  {a} -> {b};" for a, b in picture.edges]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid(picture: _Picture) -> str:
    lines = ["flowchart TD"]
    phases: Dict[str, List[str]] = {}

    def label(text: str) -> str:
        return '"' + text.replace('"', "#quot;").replace("\n", "<br/>") + '"'

    def emit(cluster: _Cluster, depth: int) -> None:
        pad = "  " * depth
        for item in cluster.items:
            if isinstance(item, _Cluster):
                lines.append(f"{pad}subgraph {item.id}[{label(item.label)}]")
                emit(item, depth + 1)
                lines.append(f"{pad}end")
            else:
                shape = ("[/", "/]") if item.recursion else ("(", ")")
                lines.append(f"{pad}{item.id}{shape[0]}{label(item.label)}{shape[1]}")
                if item.phase in PHASE_COLOURS:
                    phases.setdefault(str(item.phase), []).append(item.id)

    lines.append(f"  subgraph {picture.root.id}[{label(picture.root.label)}]")
    emit(picture.root, 2)
    lines.append("  end")
    lines += [f"  {a} --> {b}" for a, b in picture.edges]
    for phase, ids in phases.items():
        lines.append(f"  classDef {phase} fill:{PHASE_COLOURS[phase]}")
        lines.append(f"  class {','.join(ids)} {phase}")
    return "\n".join(lines) + "\n"


def _graphviz(source: str, fmt: str) -> bytes:
    import shutil
    import subprocess

    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizMissingError(
            f"drawing {fmt.upper()} needs Graphviz's 'dot', which is not installed: install the "
            "Debian package graphviz (apt-get install graphviz), or ask for 'mermaid' or 'dot' text"
        )
    done = subprocess.run([dot, f"-T{fmt}"], input=source.encode(), capture_output=True)
    if done.returncode != 0:
        raise DflowError(f"Graphviz's dot failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def workflow_picture(manifest: Mapping[str, Any], fmt: str = "mermaid") -> Union[str, bytes]:
    """The picture of a workflow manifest in ``fmt``: Mermaid, DOT or SVG text, PNG bytes."""
    if fmt not in GRAPH_FORMATS:
        raise ValueError(f"graph format {fmt!r} is not one of {', '.join(GRAPH_FORMATS)}")
    picture = _Builder(manifest).build()
    if fmt == "mermaid":
        return _mermaid(picture)
    source = _dot(picture)
    if fmt == "dot":
        return source
    drawn = _graphviz(source, fmt)
    return drawn.decode() if fmt == "svg" else drawn
