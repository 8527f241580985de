"""Inputs and outputs in the graph format: each parameter or artifact as a dict of its fields."""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Tuple

from .errors import InvalidWorkflowError
from .expressions import ArgoVar
from .graph_values import from_jsonable, to_jsonable
from .io import (
    BIG_PREFIX,
    UNSET,
    InputArtifact,
    InputParameter,
    Inputs,
    OutputArtifact,
    OutputParameter,
    Outputs,
    RawArtifact,
    own_entries,
)
from .wire import type_label

__all__ = [
    "io_graph",
    "io_item_graph",
    "io_item_from_graph",
    "inputs_from_graph",
    "outputs_from_graph",
    "ref_text",
    "source_text",
]

# -- inputs and outputs ------------------------------------------------------------------------


def _type(t: Any) -> Optional[str]:
    return None if t is None else type_label(t)


def ref_text(value: Any) -> Any:
    """A reference (or a value holding references) as the ``{{...}}`` tags of the manifest."""
    from .render.values import _unref

    return to_jsonable(_unref(value))


def input_parameter_graph(p: Any) -> Dict[str, Any]:
    g: Dict[str, Any] = {
        "name": p.name,
        "type": _type(p.type),
        "save_as_artifact": bool(getattr(p, "save_as_artifact", False)),
        "path": getattr(p, "path", None),
    }
    value = getattr(p, "value", UNSET)
    if value is not UNSET:
        g["value"] = ref_text(value)
    _own_fields(g, p)
    return g


def input_artifact_graph(a: Any) -> Dict[str, Any]:
    return {
        "name": a.name,
        "type": _type(a.type),
        "path": a.path,
        "optional": a.optional,
        "source": source_text(a.source),
        "mode": a.mode,
        "sub_path": a._sub_path,
        "slice": None,
        "archive": a.archive,
        "save_as_parameter": False,
    }


def _big_input_graph(name: str, a: Any) -> Dict[str, Any]:
    return {"name": name, "type": _type(a.type), "save_as_artifact": True, "path": a.path}


def output_parameter_graph(p: Any) -> Dict[str, Any]:
    from .render.io import _output_type

    expr = p.value_from_expression
    g: Dict[str, Any] = {
        "name": p.name,
        "value_from_path": p.value_from_path,
        "type": _type(_output_type(p)),
        "global_name": p.global_name,
        "value_from_expression": None
        if expr is None
        else expr.expr
        if isinstance(expr, ArgoVar)
        else str(expr),
        "save_as_artifact": p.save_as_artifact,
        "save_both": p.save_both,
        "value_from_parameter": None
        if p.value_from_parameter is None
        else str(p.value_from_parameter),
    }
    if p.default is not UNSET:
        g["default"] = ref_text(p.default)
    if p.value is not UNSET:
        g["value"] = ref_text(p.value)
    _own_fields(g, p)
    return g


def _own_fields(g: Dict[str, Any], p: Any) -> None:
    """Fields of ours dflow 1.x's graph has no place for, given only when set."""
    for key in ("description", "enum"):
        if getattr(p, key, None):
            g[key] = ref_text(getattr(p, key))


def _big_output_graph(name: str, a: Any) -> Dict[str, Any]:
    return {
        "name": name,
        "value_from_path": a.path,
        "type": _type(a.type),
        "global_name": a.global_name,
        "value_from_expression": None,
        "save_as_artifact": True,
        "save_both": False,
        "value_from_parameter": None,
    }


def output_artifact_graph(a: Any) -> Dict[str, Any]:
    expr = a.from_expression
    return {
        "name": a.name,
        "path": a.path,
        "type": _type(a.type),
        "save": to_jsonable(a.save),
        "archive": a.archive,
        "global_name": a.global_name,
        "from_expression": None
        if expr is None
        else expr.expr
        if isinstance(expr, ArgoVar)
        else str(expr),
        "_from": source_text(a._from),
        "optional": a.optional,
    }


def io_graph(io: Any) -> Dict[str, Dict[str, Any]]:
    """``{"parameters": ..., "artifacts": ...}`` of an ``Inputs`` or ``Outputs``, without the
    ``dflow_`` entries dflow adds itself; a big parameter is a parameter with
    ``save_as_artifact``."""
    is_inputs = isinstance(io, Inputs)
    par_graph = input_parameter_graph if is_inputs else output_parameter_graph
    art_graph = input_artifact_graph if is_inputs else output_artifact_graph
    params = {
        k: par_graph(v) for k, v in own_entries(io.parameters).items() if not k.startswith("dflow_")
    }
    arts: Dict[str, Any] = {}
    for k, a in own_entries(io.artifacts).items():
        if k.startswith(BIG_PREFIX) and getattr(a, "big_parameter", False):
            name = k[len(BIG_PREFIX) :]
            if name in params:  # saved both ways: the parameter says so
                params[name]["save_both"] = True
                params[name]["save_as_artifact"] = True
            else:
                params[name] = (_big_input_graph if is_inputs else _big_output_graph)(name, a)
        elif not k.startswith("dflow_"):
            arts[k] = art_graph(a)
    return {"parameters": params, "artifacts": arts}


_INPUT_PARAMETER_KEYS = ("value", "type", "description", "enum", "save_as_artifact", "path")
_INPUT_ARTIFACT_KEYS = ("path", "optional", "type", "source", "mode", "archive", "sub_path")
_OUTPUT_PARAMETER_KEYS = (
    "value_from_path",
    "value_from_parameter",
    "value_from_expression",
    "default",
    "global_name",
    "type",
    "description",
    "value",
    "save_as_artifact",
    "save_both",
)
_OUTPUT_ARTIFACT_KEYS = (
    "path",
    "_from",
    "from_expression",
    "save",
    "archive",
    "global_name",
    "type",
    "optional",
)


def _kwargs(g: Dict[str, Any], keys: Tuple[str, ...], what: str) -> Dict[str, Any]:
    unknown = set(g) - set(keys) - {"name", "slice", "save_as_parameter"}
    if unknown:
        raise InvalidWorkflowError(f"{what}: unknown field(s) {sorted(unknown)} in the graph")
    return {k: from_jsonable(g[k]) for k in keys if k in g}


def input_parameter_from_graph(g: Dict[str, Any]) -> InputParameter:
    kw = _kwargs(g, _INPUT_PARAMETER_KEYS, f"input parameter {g.get('name')!r}")
    return InputParameter(name=g.get("name"), **kw)


def input_artifact_from_graph(g: Dict[str, Any]) -> InputArtifact:
    kw = _kwargs(g, _INPUT_ARTIFACT_KEYS, f"input artifact {g.get('name')!r}")
    if kw.get("archive") == "default":
        kw["archive"] = "tar"
    return InputArtifact(name=g.get("name"), **kw)


def output_parameter_from_graph(g: Dict[str, Any]) -> OutputParameter:
    kw = _kwargs(g, _OUTPUT_PARAMETER_KEYS, f"output parameter {g.get('name')!r}")
    return OutputParameter(name=g.get("name"), **kw)


def output_artifact_from_graph(g: Dict[str, Any]) -> OutputArtifact:
    kw = _kwargs(g, _OUTPUT_ARTIFACT_KEYS, f"output artifact {g.get('name')!r}")
    if kw.get("archive") == "default":
        kw["archive"] = "tar"
    return OutputArtifact(name=g.get("name"), **kw)


def io_item_graph(item: Any) -> Dict[str, Any]:
    """The graph dict of one input/output parameter/artifact."""
    if isinstance(item, InputParameter):
        return input_parameter_graph(item)
    if isinstance(item, InputArtifact):
        if getattr(item, "big_parameter", False) and str(item.name).startswith(BIG_PREFIX):
            return _big_input_graph(str(item.name)[len(BIG_PREFIX) :], item)
        return input_artifact_graph(item)
    if isinstance(item, OutputParameter):
        return output_parameter_graph(item)
    if getattr(item, "big_parameter", False) and str(item.name).startswith(BIG_PREFIX):
        return _big_output_graph(str(item.name)[len(BIG_PREFIX) :], item)
    return output_artifact_graph(item)


def io_item_from_graph(cls: type, g: Dict[str, Any]) -> Any:
    """One input/output (``cls``) of its graph dict."""
    readers: Dict[type, Callable[[Dict[str, Any]], Any]] = {
        InputParameter: input_parameter_from_graph,
        InputArtifact: input_artifact_from_graph,
        OutputParameter: output_parameter_from_graph,
        OutputArtifact: output_artifact_from_graph,
    }
    base = next(c for c in cls.__mro__ if c in readers)
    return readers[base](g)


def inputs_from_graph(g: Optional[Dict[str, Any]]) -> Inputs:
    g = g or {}
    return Inputs(
        parameters={
            k: input_parameter_from_graph(v) for k, v in (g.get("parameters") or {}).items()
        },
        artifacts={k: input_artifact_from_graph(v) for k, v in (g.get("artifacts") or {}).items()},
    )


def outputs_from_graph(g: Optional[Dict[str, Any]]) -> Outputs:
    g = g or {}
    return Outputs(
        parameters={
            k: output_parameter_from_graph(v) for k, v in (g.get("parameters") or {}).items()
        },
        artifacts={k: output_artifact_from_graph(v) for k, v in (g.get("artifacts") or {}).items()},
    )


def source_text(source: Any) -> Any:
    """An artifact source: a reference as its tag (``/sub/path`` appended), else as JSON."""
    if isinstance(source, (InputArtifact, OutputArtifact)):
        sub = source._sub_path
        return str(source) + (f"/{sub}" if sub else "")
    if isinstance(source, RawArtifact):
        return ref_text(source.value)
    return ref_text(source)
