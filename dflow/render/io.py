"""Rendering of template inputs/outputs and of step arguments."""

from __future__ import annotations

from typing import Any, Dict, List

from ..artifact_sources import CustomArtifact, LocalArtifact
from ..big_params import big_value_error, is_big
from ..errors import InvalidWorkflowError
from ..expressions import ArgoVar
from ..http_template import HTTPArtifact
from ..io import (
    BIG_PREFIX,
    PVC,
    UNSET,
    InputArtifact,
    Inputs,
    OutputArtifact,
    OutputParameter,
    Outputs,
    RawArtifact,
    S3Artifact,
    own_entries,
)
from ..wire import type_description
from .values import encode_parameter


def render_inputs(inputs: Inputs) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    params = []
    for name, p in own_entries(inputs.parameters).items():
        item: Dict[str, Any] = {"name": name}
        if p.value is not UNSET:
            item["value"] = encode_parameter(p.value)
        description = type_description(p.type, p.description)
        if description:
            item["description"] = description
        if p.enum:
            item["enum"] = [encode_parameter(v) for v in p.enum]
        params.append(item)
    arts = []
    for name, a in own_entries(inputs.artifacts).items():
        item = {"name": name}
        if a.path is not None:
            item["path"] = a.path
        if a.optional:
            item["optional"] = True
        if a.mode is not None:
            item["mode"] = a.mode
        if isinstance(a.source, S3Artifact):
            item["s3"] = {"key": a.source.key}
        elif isinstance(a.source, RawArtifact):  # a big parameter's default
            item["raw"] = {"data": encode_parameter(a.source.value)}
        arts.append(item)
    if params:
        out["parameters"] = params
    if arts:
        out["artifacts"] = arts
    return out


def render_outputs(outputs: Outputs, owner: str) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    params = []
    for name, p in own_entries(outputs.parameters).items():
        item: Dict[str, Any] = {"name": name}
        value_from: Dict[str, Any] = {}
        if p.value_from_path is not None:
            value_from["path"] = p.value_from_path
        elif p.value_from_parameter is not None:
            value_from["parameter"] = str(p.value_from_parameter)
        elif p.value_from_expression is not None:
            expr = p.value_from_expression
            value_from["expression"] = expr.expr if isinstance(expr, ArgoVar) else str(expr)
        elif p.value is not UNSET:
            item["value"] = encode_parameter(p.value)
        else:
            raise InvalidWorkflowError(
                f"template {owner!r}: output parameter {name!r} has no source: set "
                "value_from_path, value_from_parameter, value_from_expression or value"
            )
        if p.default is not UNSET:
            value_from["default"] = encode_parameter(p.default)
        if value_from:
            item["valueFrom"] = value_from
        if p.global_name:
            item["globalName"] = p.global_name
        description = type_description(_output_type(p), p.description)
        if description:
            item["description"] = description
        params.append(item)
    arts = []
    for name, a in own_entries(outputs.artifacts).items():
        arts.append(_render_output_artifact(name, a, owner))
    if params:
        out["parameters"] = params
    if arts:
        out["artifacts"] = arts
    return out


def _output_type(p: Any, depth: int = 0) -> Any:
    """An output's type, or else the type of the parameter it takes its value from (through
    the outputs of nested Steps/DAGs too)."""
    if p.type is not None:
        return p.type
    sources = [getattr(p, "value_from_parameter", None)]
    expr = getattr(p, "value_from_expression", None)
    sources += [getattr(expr, "then", None), getattr(expr, "otherwise", None)]
    for source in sources:
        if not isinstance(source, ArgoVar):
            continue
        t = getattr(source, "type", None)
        if t is None and isinstance(source, OutputParameter) and depth < 20:
            t = _output_type(source, depth + 1)
        if t is not None:
            return t
    return None


def _render_output_artifact(name: str, a: OutputArtifact, owner: str) -> Dict[str, Any]:
    item: Dict[str, Any] = {"name": name}
    if a.path is not None:
        item["path"] = a.path
    elif isinstance(a._from, S3Artifact):  # a stored artifact (a sliced step's stacked items)
        item["s3"] = {"key": a._from.key}
    elif a._from is not None:
        item["from"] = str(a._from)
    elif a.from_expression is not None:
        expr = a.from_expression
        item["fromExpression"] = expr.expr if isinstance(expr, ArgoVar) else str(expr)
    else:
        raise InvalidWorkflowError(
            f"template {owner!r}: output artifact {name!r} has no source: set path, _from "
            "or from_expression"
        )
    if a.archive is None or a.archive == "none":
        item["archive"] = {"none": {}}
    elif a.archive not in ("tar", "tgz", "gzip"):
        raise InvalidWorkflowError(
            f"template {owner!r}: output artifact {name!r} has archive {a.archive!r}; "
            "use 'tar' or None"
        )
    if a.global_name:
        # a big parameter is published as its artifact, named as in the original
        item["globalName"] = (BIG_PREFIX if a.big_parameter else "") + a.global_name
    if a.optional:
        item["optional"] = True
    keys = [t for t in a.save if isinstance(t, S3Artifact)]
    unknown = [t for t in a.save if not isinstance(t, (S3Artifact, PVC))]
    if unknown or len(keys) > 1:
        raise InvalidWorkflowError(
            f"template {owner!r}: output artifact {name!r} can be saved to one S3Artifact and "
            f"any PVCs, got {a.save!r}"
        )
    if keys:
        item["s3"] = {"key": keys[0].key}
    return item


def render_arguments(step: Any) -> Dict[str, Any]:
    """The ``arguments`` of a step: its parameter values and artifact sources."""
    for name, value in step.parameters.items():
        if is_big(value):
            raise big_value_error(f"{step.kind} {step.name!r}: input parameter {name!r}", value)
    params: List[Dict[str, Any]] = [
        {"name": name, "value": encode_parameter(value)} for name, value in step.parameters.items()
    ]
    arts = []
    for name, source in step.artifacts.items():
        item = render_artifact_source(name, source, step)
        if item is not None:
            arts.append(item)
    out: Dict[str, Any] = {}
    if params:
        out["parameters"] = params
    if arts:
        out["artifacts"] = arts
    return out


def _optional(step: Any, name: str) -> bool:
    target = dict.get(step.template.inputs.artifacts, name)
    return bool(getattr(target, "optional", False))


def render_artifact_source(name: str, source: Any, step: Any) -> Any:
    if source is None:
        if not step.template.inputs.artifacts[name].optional:
            raise InvalidWorkflowError(
                f"{step.kind} {step.name!r}: input artifact {name!r} is None but not optional"
            )
        return None
    if is_big(source):  # a big parameter (of the template, or of another step)
        return {"name": name, "from": str(source)}
    if isinstance(source, (InputArtifact, OutputArtifact)):
        item: Dict[str, Any] = {"name": name, "from": str(source)}
        if source._sub_path:
            item["subPath"] = source._sub_path
        if _optional(step, name):
            item["optional"] = True  # Argo passes over a reference that resolves to nothing
        return item
    if isinstance(source, S3Artifact):
        return {"name": name, "s3": {"key": source.key}}
    if isinstance(source, RawArtifact):
        return {"name": name, "raw": {"data": encode_parameter(source.value)}}
    if isinstance(source, ArgoVar):
        return {"name": name, "fromExpression": source.expr}
    if isinstance(source, str):
        if "{{" in source:
            return {"name": name, "from": source}
        return {"name": name, "s3": {"key": source}}
    if isinstance(source, PVC):
        return None  # mounted by the step's template variant instead
    if isinstance(source, HTTPArtifact):
        return {"name": name, "http": {"url": source.url}}
    if isinstance(source, LocalArtifact):
        if source.uploaded is None:
            raise InvalidWorkflowError(
                f"{step.kind} {step.name!r}: input artifact {name!r} is {source!r}, which is "
                "uploaded when the workflow is submitted; render it with submit()"
            )
        return {"name": name, "s3": {"key": source.uploaded.key}}
    if isinstance(source, CustomArtifact):
        return None  # the step's template variant fetches it (CustomArtifact.render)
    raise InvalidWorkflowError(
        f"{step.kind} {step.name!r}: input artifact {name!r} has an unsupported source {source!r}"
    )
