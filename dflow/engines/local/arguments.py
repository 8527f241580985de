"""What a step passes to its template: loop items, ``when``, arguments and composite outputs."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Optional, Tuple

from ...errors import DflowError
from .expressions import ExpressionError, evaluate, evaluate_condition, substitute
from .scope import TAG, deep_substitute

__all__ = [
    "expand_items",
    "condition_holds",
    "resolve_arguments",
    "resolve_artifact",
    "composite_outputs",
    "StepError",
]


class StepError(DflowError):
    """A step that cannot start: a bad loop, condition, argument or template reference."""


def _sequence(seq: Mapping[str, Any], scope: Mapping[str, Any], who: str) -> List[str]:
    values = {k: substitute(str(v), scope, strict=True) for k, v in seq.items()}
    try:
        start = int(values.get("start", "0") or 0)
        if "count" in values:
            count = int(values["count"])
            numbers = list(range(start, start + count))
        elif "end" in values:
            end = int(values["end"])
            numbers = list(range(start, end + 1) if end >= start else range(start, end - 1, -1))
        else:
            raise StepError(f"{who}: withSequence needs count or end")
    except ValueError as exc:
        raise StepError(f"{who}: withSequence {values}: {exc}") from exc
    fmt = values.get("format")
    return [fmt % n if fmt else str(n) for n in numbers]


def expand_items(
    step: Mapping[str, Any], scope: Mapping[str, Any], who: str
) -> Optional[List[Any]]:
    """The items a step fans out over, or None when it does not fan out."""
    if "withItems" in step:
        return list(deep_substitute(step["withItems"], scope, strict=True))
    if "withParam" in step:
        text = substitute(str(step["withParam"]), scope, strict=True)
        try:
            items = json.loads(text)
        except ValueError as exc:
            raise StepError(f"{who}: withParam {text[:200]!r} is not a JSON list") from exc
        if not isinstance(items, list):
            raise StepError(f"{who}: withParam gave {type(items).__name__}, not a JSON list")
        return items
    if "withSequence" in step:
        return list(_sequence(step["withSequence"], scope, who))
    return None


def condition_holds(step: Mapping[str, Any], scope: Mapping[str, Any]) -> Tuple[bool, str]:
    """Whether a step's ``when`` holds, with the condition text as evaluated."""
    if "when" not in step:
        return True, ""
    text = substitute(str(step["when"]), scope, strict=True)
    return bool(evaluate_condition(text)), text


def resolve_artifact(
    item: Mapping[str, Any], scope: Mapping[str, Any], who: str
) -> Optional[Dict[str, Any]]:
    """An artifact argument or output source (``from``, ``fromExpression``, ``s3``, ``raw``)."""
    name = item.get("name", "")
    found: Any = None
    if "from" in item:
        m = TAG.match(str(item["from"]).strip())
        if m is None:
            raise StepError(f"{who}: artifact {name!r}: 'from' must be one {{{{...}}}} reference")
        ref = m.group(1)
        if ref not in scope:
            raise StepError(f"{who}: artifact {name!r}: {ref!r} is not known here")
        found = scope[ref]
    elif "fromExpression" in item:
        found = evaluate(str(item["fromExpression"]), scope, artifacts=True)
    elif "s3" in item:
        found = {"s3": {"key": substitute(str(item["s3"].get("key", "")), scope, strict=True)}}
    elif "raw" in item:
        found = {"raw": {"data": substitute(str(item["raw"].get("data", "")), scope, strict=True)}}
    elif "http" in item:
        found = {"http": {"url": substitute(str(item["http"].get("url", "")), scope, strict=True)}}
    else:
        return None
    if found is None:
        return None
    if not isinstance(found, Mapping) or not (
        found.get("s3") or found.get("raw") or found.get("http")
    ):
        raise StepError(f"{who}: artifact {name!r} resolved to {found!r}, not an artifact")
    art = {
        "name": name,
        **{k: v for k, v in found.items() if k in ("s3", "raw", "http", "archive")},
    }
    if item.get("subPath"):
        sub = substitute(str(item["subPath"]), scope, strict=True)
        base = found.get("subPath")
        art["subPath"] = f"{base.rstrip('/')}/{sub}" if base else sub
    elif found.get("subPath"):
        art["subPath"] = found["subPath"]
    return art


def resolve_arguments(
    step: Mapping[str, Any], scope: Mapping[str, Any], who: str
) -> Tuple[Dict[str, str], Dict[str, Optional[Dict[str, Any]]]]:
    """A step's parameter values and artifact sources, substituted in ``scope``."""
    args = step.get("arguments") or {}
    params: Dict[str, str] = {}
    for p in args.get("parameters") or ():
        if "value" in p:
            params[p["name"]] = substitute(str(p["value"]), scope, strict=True)
        elif "valueFrom" in p and "expression" in p["valueFrom"]:
            params[p["name"]] = _text(evaluate(p["valueFrom"]["expression"], scope))
    arts: Dict[str, Optional[Dict[str, Any]]] = {}
    for a in args.get("artifacts") or ():
        try:
            arts[a["name"]] = resolve_artifact(a, scope, who)
        except (StepError, ExpressionError):
            if a.get("optional"):
                arts[a["name"]] = None
            else:
                raise
    return params, arts


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def composite_outputs(
    tmpl: Mapping[str, Any], scope: Mapping[str, Any], who: str
) -> Dict[str, Any]:
    """Outputs of a Steps or DAG template, taken from its inner steps."""
    spec = tmpl.get("outputs") or {}
    params = []
    for p in spec.get("parameters") or ():
        item = {k: v for k, v in p.items() if k in ("name", "globalName", "description")}
        source = p.get("valueFrom") or {}
        try:
            if "parameter" in source:
                item["value"] = substitute(str(source["parameter"]), scope, strict=True)
            elif "expression" in source:
                item["value"] = _text(evaluate(str(source["expression"]), scope))
            elif "value" in p:
                item["value"] = substitute(str(p["value"]), scope, strict=True)
        except ExpressionError as exc:
            if "default" not in source:
                raise StepError(f"{who}: output parameter {p['name']!r}: {exc}") from exc
        if "value" not in item and "default" in source:
            item["value"] = str(source["default"])
        params.append(item)
    arts = []
    for a in spec.get("artifacts") or ():
        try:
            art = resolve_artifact(a, scope, who)
        except (StepError, ExpressionError) as exc:
            if a.get("optional"):
                continue
            raise StepError(f"{who}: output artifact {a['name']!r}: {exc}") from exc
        if art is None:
            if a.get("optional"):
                continue
            raise StepError(f"{who}: output artifact {a['name']!r} has no value")
        if "globalName" in a:
            art["globalName"] = a["globalName"]
        arts.append(art)
    out: Dict[str, Any] = {}
    if params:
        out["parameters"] = params
    if arts:
        out["artifacts"] = arts
    return out
