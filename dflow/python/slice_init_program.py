"""The program an ``InitArtifactForSlices`` step runs (standard library only: it runs in the util
image, which need not have dflow). Its text is the step's script, after a line ``SETTINGS = {...}``
and before ``main(SETTINGS)``; parameter values come in environment variables.

What it writes under ``<tmp_root>/outputs``:

- each sliced output artifact: an empty list artifact (a catalog file ``init`` with no paths), so
  the slices of the step that follows stack their paths into it;
- ``parameters/dflow_slices_path``: for sliced input artifacts, one item per list position,
  ``{"order": i, "<artifact>": <path or None>, ...}`` in catalog order;
- with ``group_size``: ``artifacts/<name>/group_<i>``, the paths of each group of consecutive
  positions with their catalog, and ``parameters/dflow_ngroups``;
- ``parameters/sum_<var>`` / ``concat_<var>``: the sum / concatenation of a list parameter;
- ``parameters/dflow_nslices``: how many positions the first required looped artifact has.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from typing import Any, Dict, List


def _catalog_dir(path: str, catalog: str) -> str:
    """Where the catalog files of the artifact at ``path`` are (the artifact may be only them)."""
    inner = os.path.join(path, catalog)
    return inner if os.path.isdir(inner) else path


def _entries(path: str, catalog: str) -> List[Dict[str, Any]]:
    """The catalog entries of the list artifact at ``path``, once each, in ``order``."""
    entries: List[Dict[str, Any]] = []
    directory = _catalog_dir(path, catalog)
    if not os.path.isdir(directory):
        return entries
    for name in sorted(os.listdir(directory)):
        full = os.path.join(directory, name)
        if not os.path.isfile(full):
            continue
        with open(full) as f:
            for entry in json.load(f).get("path_list", []):
                if entry not in entries:
                    entries.append(entry)
    entries.sort(key=lambda e: e["order"])
    return entries


def _write_parameter(root: str, name: str, text: str) -> None:
    os.makedirs(os.path.join(root, "outputs", "parameters"), exist_ok=True)
    with open(os.path.join(root, "outputs", "parameters", name), "w") as f:
        f.write(text)


def _values(text: str) -> List[Any]:
    """A list parameter's values: a JSON list, or the original's list-item records."""
    if "dflow_list_item" in text:
        records: List[Any] = []
        for part in json.loads(text):
            records += json.loads(part) if isinstance(part, str) else part
        return [r["dflow_list_item"] for r in sorted(records, key=lambda r: r["order"])]
    return list(json.loads(text))


def _init_outputs(s: Dict[str, Any]) -> None:
    for name in s["sliced_output_artifact"]:
        directory = os.path.join(s["tmp_root"], "outputs", "artifacts", name, s["catalog_dir"])
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, "init"), "w") as f:
            json.dump({"path_list": []}, f)


def _slice_inputs(s: Dict[str, Any]) -> None:
    root, catalog = s["tmp_root"], s["catalog_dir"]
    lists = {
        name: _entries(os.path.join(root, "inputs", "artifacts", name), catalog)
        for name in s["sliced_input_artifact"]
    }
    required = [lists[name] for name in s["required"]]
    if len({len(entries) for entries in required}) > 1:
        raise SystemExit(f"sliced input artifacts {s['required']} differ in length")
    count = len(required[0]) if required else max((len(v) for v in lists.values()), default=0)
    if s["group_size"] is None:
        items = []
        for i in range(count):
            item: Dict[str, Any] = {"order": s["format"] % i if s["format"] else i}
            for name, entries in lists.items():
                item[name] = entries[i]["dflow_list_item"] if entries else None
            items.append(item)
        _write_parameter(root, "dflow_slices_path", json.dumps(items))
        return
    size = s["group_size"]
    groups = math.ceil(count / size)
    for name, entries in lists.items():
        if not entries:
            continue
        for g in range(groups):
            group_dir = os.path.join(
                root, "outputs", "artifacts", name, "group_" + (s["format"] or "%d") % g
            )
            os.makedirs(group_dir, exist_ok=True)
            members = entries[size * g : size * (g + 1)]
            for entry in members:
                rel = entry["dflow_list_item"]
                if rel is None:
                    continue
                src = os.path.join(root, "inputs", "artifacts", name, rel)
                dst = os.path.join(group_dir, rel)
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                if os.path.isfile(src):
                    shutil.copy(src, dst)
                elif os.path.isdir(src):
                    shutil.copytree(src, dst)
            os.makedirs(os.path.join(group_dir, catalog), exist_ok=True)
            with open(os.path.join(group_dir, catalog, "catalog"), "w") as f:
                json.dump({"path_list": members}, f)
    _write_parameter(root, "dflow_ngroups", str(groups))


def main(s: Dict[str, Any]) -> None:
    """Do what ``s`` (the step's settings) asks; see the module's docstring."""
    root = s["tmp_root"]
    _init_outputs(s)
    if s["sliced_input_artifact"]:
        _slice_inputs(s)
    if s["sum_var"] is not None:
        total = sum(int(v) for v in _values(os.environ["DFLOW_SUM_VAR"]))
        _write_parameter(root, "sum_" + s["sum_var"], str(total))
    if s["concat_var"] is not None:
        joined: List[Any] = []
        for part in _values(os.environ["DFLOW_CONCAT_VAR"]):
            joined += json.loads(part) if isinstance(part, str) else part
        _write_parameter(root, "concat_" + s["concat_var"], json.dumps(joined))
    if s["auto_loop_artifacts"]:
        counts = {
            name: len(_entries(os.path.join(root, "inputs", "artifacts", name), s["catalog_dir"]))
            for name in s["auto_loop_artifacts"]
        }
        required = [counts[n] for n in s["auto_loop_required"]] or list(counts.values())
        if len(set(required)) > 1:
            raise SystemExit(f"looped artifacts {sorted(counts)} differ in length")
        _write_parameter(root, "dflow_nslices", str(required[0]))
