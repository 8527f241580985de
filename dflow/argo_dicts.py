"""Single pieces of a manifest read back into objects: ``InputParameter.from_dict(d)``,
``Step.from_dict(d, templates)``, ``Steps.from_dict(d, templates)`` and so on.

Each is read by the same reader as a whole manifest (``dflow.parse``), given only that piece;
``templates`` maps the names of the templates a step or a Steps/DAG runs to those templates.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from .errors import InvalidWorkflowError

__all__ = ["io_from_dict", "one_from_dict", "step_from_dict", "composite_from_dict"]


def _reader(templates: Optional[Dict[str, Any]] = None, bodies: Any = ()) -> Any:
    from .parse import Direct, ManifestReader

    reader = ManifestReader({"spec": {"templates": list(bodies)}}, Direct())
    reader.built.update(templates or {})
    return reader


def io_from_dict(kind: str, d: Dict[str, Any]) -> Any:
    """``Inputs`` or ``Outputs`` (``kind``) of an Argo ``inputs``/``outputs`` dict."""
    from .io import Inputs, Outputs

    reader = _reader()
    made = reader._inputs(d, False) if kind == "inputs" else reader._outputs(d)
    if made is None:
        return Inputs() if kind == "inputs" else Outputs()
    return made


def one_from_dict(kind: str, what: str, d: Dict[str, Any]) -> Any:
    """One input/output parameter/artifact (``kind`` inputs|outputs, ``what``
    parameters|artifacts) of its Argo dict."""
    if not isinstance(d, dict) or not d.get("name"):
        raise InvalidWorkflowError(f"an Argo {kind[:-1]} {what[:-1]} dict needs a name, got {d!r}")
    import json

    from .wire import described_type

    item = getattr(io_from_dict(kind, {what: [d]}), what)[d["name"]]
    recorded = described_type(getattr(item, "description", None))
    if recorded is not None and item.type is None:  # the type the description records
        item.type = recorded
        item.description = json.loads(item.description).get("description")
    return item


def step_from_dict(cls: type, d: Dict[str, Any], templates: Dict[str, Any]) -> Any:
    """A step or task (``cls``) of its Argo dict; its template is ``templates[d["template"]]``."""
    if d.get("template") not in (templates or {}):
        raise InvalidWorkflowError(
            f"step {d.get('name')!r}: its template {d.get('template')!r} is not in templates"
        )
    from .step import HookStep, Step

    if not issubclass(cls, HookStep):
        return _reader(templates)._step(cls, d, "")
    step = _reader(templates)._step(Step, {k: v for k, v in d.items() if k != "expression"}, "")
    fields = ("parameters", "artifacts", "when", "with_param", "with_items", "with_sequence")
    kwargs = {f: getattr(step, f) for f in fields}
    kwargs.update(continue_on_failed=step.continue_on_failed, key=step.key)
    return cls(step.template, expression=d.get("expression"), name=step.name, **kwargs)


def composite_from_dict(cls: type, d: Dict[str, Any], templates: Dict[str, Any]) -> Any:
    """A Steps or DAG (``cls``) of its Argo template dict; the templates its steps run are
    found in ``templates`` by name."""
    name = d.get("name")
    if not name:
        raise InvalidWorkflowError(f"a {cls.__name__} dict needs a name")
    known = {k: v for k, v in (templates or {}).items() if k != name}
    made = _reader(known, [d]).template(name)
    if not isinstance(made, cls):
        raise InvalidWorkflowError(
            f"template {name!r} is a {type(made).__name__}, not a {cls.__name__}"
        )
    return made
