"""Scopes (dotted name -> value) and the substitution of ``{{...}}`` tags through them."""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

from ...errors import DflowError
from .expr_errors import ValueProblem
from .expr_values import ReadableArtifact
from .expressions import ExpressionError, substitute

__all__ = [
    "deep_substitute",
    "node_scope",
    "aggregate_scope",
    "parse_duration",
    "item_label",
    "TAG",
]

TAG = re.compile(r"^\{\{\s*([^{}=][^{}]*?)\s*\}\}$")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)")
# the artifact a big parameter travels as; an expression reading it gets the parameter's value
BIG_PARAMETER_PREFIX = "dflow_bigpar_"
_UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def deep_substitute(value: Any, scope: Mapping[str, Any], strict: bool) -> Any:
    """Substitute tags in every string nested in ``value`` (dicts and lists are copied)."""
    if isinstance(value, str):
        return substitute(value, scope, strict=strict) if "{{" in value else value
    if isinstance(value, list):
        return [deep_substitute(v, scope, strict) for v in value]
    if isinstance(value, dict):
        return {k: deep_substitute(v, scope, strict) for k, v in value.items()}
    return value


def node_scope(
    prefix: str, node: Mapping[str, Any], read_text: Optional[Callable[[str], str]] = None
) -> Dict[str, Any]:
    """What ``steps.<name>.*`` / ``tasks.<name>.*`` say about one finished node.

    With ``read_text`` (stored key -> content), a big parameter's artifact read by an expression
    gives the parameter's value, as ``len(sprig.fromJson(...))`` over it expects."""
    out: Dict[str, Any] = {
        f"{prefix}.id": node["id"],
        f"{prefix}.status": node.get("phase", ""),
        f"{prefix}.startedAt": node.get("startedAt", ""),
        f"{prefix}.finishedAt": node.get("finishedAt", ""),
    }
    outputs = node.get("outputs") or {}
    for p in outputs.get("parameters") or ():
        if "value" in p:
            out[f"{prefix}.outputs.parameters.{p['name']}"] = p["value"]
    for a in outputs.get("artifacts") or ():
        key = (a.get("s3") or {}).get("key")
        big = str(a.get("name", "")).startswith(BIG_PARAMETER_PREFIX)
        if read_text is not None and big and key:
            a = ReadableArtifact(
                a, _reader(read_text, key, f"{prefix}.outputs.artifacts.{a['name']}")
            )
        out[f"{prefix}.outputs.artifacts.{a['name']}"] = a
    if "result" in outputs:
        out[f"{prefix}.outputs.result"] = outputs["result"]
    if "exitCode" in outputs:
        out[f"{prefix}.exitCode"] = outputs["exitCode"]
    return out


def _reader(read_text: Callable[[str], str], key: str, name: str) -> Callable[[], str]:
    def read() -> str:
        try:
            return read_text(key)
        except DflowError as exc:
            raise ValueProblem(f"cannot read big parameter {name}: {exc}") from None

    return read


def _json_or_text(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def aggregate_scope(prefix: str, nodes: Sequence[Mapping[str, Any]]) -> Dict[str, Any]:
    """Argo's aggregation of a fan-out: each output parameter becomes a JSON list, in item order."""
    lists: Dict[str, List[Any]] = {}
    results: List[Any] = []
    for node in nodes:
        outputs = node.get("outputs") or {}
        for p in outputs.get("parameters") or ():
            if "value" in p:
                lists.setdefault(p["name"], []).append(_json_or_text(p["value"]))
        if "result" in outputs:
            results.append(_json_or_text(outputs["result"]))
    out: Dict[str, Any] = {
        f"{prefix}.outputs.parameters.{name}": json.dumps(values) for name, values in lists.items()
    }
    if results:
        out[f"{prefix}.outputs.result"] = json.dumps(results)
    phases = {n.get("phase") for n in nodes}
    out[f"{prefix}.status"] = "Succeeded" if phases <= {"Succeeded", "Skipped"} else "Failed"
    return out


def parse_duration(text: Any, what: str) -> Optional[float]:
    """Seconds of an Argo duration (``"90s"``, ``"1h30m"``, ``"20"``)."""
    if text is None or text == "":
        return None
    raw = str(text).strip()
    if re.fullmatch(r"\d+(\.\d+)?", raw):
        return float(raw)
    parts = _DURATION.findall(raw)
    if not parts or "".join(n + u for n, u in parts) != raw:
        raise ExpressionError(f"{what}: {raw!r} is not a duration such as '90s' or '2h'")
    return sum(float(n) * _UNITS[u] for n, u in parts)


def item_label(item: Any) -> str:
    """An item as Argo shows it in node names: ``name(0:a)``, maps as ``k:v,k:v``."""
    if isinstance(item, dict):
        return ",".join(f"{k}:{item_label(v)}" for k, v in sorted(item.items()))
    if isinstance(item, list):
        return json.dumps(item)
    if isinstance(item, bool):
        return "true" if item else "false"
    return str(item)


def item_scope(item: Any) -> Dict[str, Any]:
    """``item`` and, for a map, ``item.<field>``."""
    out: Dict[str, Any] = {"item": item if isinstance(item, str) else _item_text(item)}
    if isinstance(item, dict):
        for k, v in item.items():
            out[f"item.{k}"] = v if isinstance(v, str) else _item_text(v)
    return out


def _item_text(item: Any) -> str:
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, (int, float)):
        return str(item)
    return json.dumps(item)
