"""Values of the graph format that are not JSON: ``py/object`` dicts as jsonpickle writes them.

``Slices``, ``S3Artifact``, ``PVC`` and the signs of Python OPs are written under the class paths
and field names of dflow 1.x, and read back into our objects from those fields, so a graph
written by either release reads in the other; any other object goes through jsonpickle.
"""

from __future__ import annotations

import json
import warnings
from typing import Any, Dict, List, Optional

from .errors import DflowError, InvalidWorkflowError
from .expressions import ArgoVar
from .io import PVC, S3Artifact
from .wire import type_label

__all__ = ["to_jsonable", "from_jsonable", "sign_to_dict", "sign_from_dict", "opio_info"]

# -- values that are not JSON ------------------------------------------------------------------

# the module paths dflow 1.x pickles these classes under, and their fields
_PICKLED_AS = {
    "Slices": "dflow.python.python_op_template.Slices",
    "S3Artifact": "dflow.common.S3Artifact",
    "PVC": "dflow.io.PVC",
    "Artifact": "dflow.python.opio.Artifact",
    "Parameter": "dflow.python.opio.Parameter",
    "BigParameter": "dflow.python.opio.BigParameter",
}


def _fields_of(obj: Any) -> Optional[Dict[str, Any]]:
    """The pickled fields of a class dflow 1.x pickles by name, else None."""
    from .python.signs import Artifact, Parameter
    from .python.slices import FIELDS, Slices

    if isinstance(obj, Slices):
        return {k: to_jsonable(getattr(obj, k)) for k in FIELDS}
    if isinstance(obj, S3Artifact):
        return {"key": obj.key, "urn": obj.urn, "path_list": obj.path_list or []}
    if isinstance(obj, PVC):
        return {"name": obj.name, "subpath": obj.subpath, "size": obj.size}
    if isinstance(obj, (Artifact, Parameter)):
        return to_jsonable(sign_to_dict(obj))  # type: ignore[no-any-return]
    return None


def to_jsonable(value: Any) -> Any:
    """``value`` as plain JSON: known objects as ``py/object`` dicts of dflow 1.x's field names,
    others through jsonpickle."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, ArgoVar):
        return str(value)
    fields = _fields_of(value)
    if fields is not None:
        return {"py/object": _PICKLED_AS[_class_key(value)], **fields}
    import jsonpickle

    with warnings.catch_warnings():  # jsonpickle's notice of a future default
        warnings.simplefilter("ignore", DeprecationWarning)
        return json.loads(jsonpickle.dumps(value, make_refs=False))


def _class_key(value: Any) -> str:
    for cls in type(value).__mro__:
        if cls.__name__ in _PICKLED_AS:
            return cls.__name__
    raise KeyError(type(value).__name__)


def _build(cls_name: str, fields: Dict[str, Any]) -> Any:
    """Our object for a ``py/object`` dict of a class dflow 1.x pickles by name."""
    from .python.signs import Artifact, BigParameter, Parameter
    from .python.slices import FIELDS, Slices

    if cls_name == "Slices":
        return Slices(**{k: v for k, v in fields.items() if k in FIELDS})
    if cls_name == "S3Artifact":
        return S3Artifact(fields["key"], urn=fields.get("urn") or "")
    if cls_name == "PVC":
        return PVC(fields["name"], fields.get("subpath", ""), fields.get("size", "1Gi"))
    sign_cls = {"Artifact": Artifact, "Parameter": Parameter, "BigParameter": BigParameter}
    return sign_from_dict(sign_cls[cls_name], fields)


def from_jsonable(value: Any) -> Any:
    """The objects a ``to_jsonable`` answer (or dflow 1.x's graph) stands for."""
    if isinstance(value, list):
        return [from_jsonable(v) for v in value]
    if not isinstance(value, dict):
        return value
    path = value.get("py/object")
    if not isinstance(path, str):
        return {k: from_jsonable(v) for k, v in value.items()}
    name = path.rpartition(".")[2]
    if name in _PICKLED_AS:
        fields = {k: from_jsonable(v) for k, v in value.items() if not k.startswith("py/")}
        return _build(name, fields)
    made = _constructed(path, value)
    if made is not None:
        return made
    import jsonpickle

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return jsonpickle.loads(json.dumps(value))


def _constructed(path: str, value: Dict[str, Any]) -> Any:
    """An object of an importable class made by its constructor, when nearly all the pickled
    fields are its keywords (dflow 1.x keeps an executor's arguments under their own names);
    else None, and jsonpickle restores the fields as they are."""
    import inspect

    from .discovery import import_func

    try:
        cls = import_func(path)
        params = inspect.signature(cls).parameters if isinstance(cls, type) else {}
    except (ImportError, AttributeError, ValueError, TypeError):
        return None
    fields = {k: v for k, v in value.items() if not k.startswith("py/")}
    given = {k: v for k, v in fields.items() if k in params and v is not None}
    if not fields or 10 * len([k for k in fields if k in params]) < 9 * len(fields):
        return None  # not (nearly) all keywords: an object's own state, restored as it is
    # an executor's *_dict fields may be what it derived from the others: then without them
    for keep in (given, {k: v for k, v in given.items() if not k.endswith("_dict")}):
        try:
            return cls(**{k: from_jsonable(v) for k, v in keep.items()})
        except (TypeError, ValueError, DflowError):
            continue
    return None


# -- OP signs ----------------------------------------------------------------------------------


def _artifact_types() -> Dict[str, Any]:
    """Artifact types by name, in dflow 1.x's order: of two types of one name (``typing.List``
    for ``List[str]`` and ``List[Path]``), the later."""
    from pathlib import Path
    from typing import Dict as D
    from typing import List as L
    from typing import Set as S
    from typing import Union

    from .python.artifact_types import HDF5Datasets, NestedDict

    plain: List[Any] = [str, Path, S[str], S[Path], L[str], L[Path], D[str, str], D[str, Path]]
    plain += [NestedDict[str], NestedDict[Path]]
    every = plain + [Union[t, HDF5Datasets] for t in plain] + [HDF5Datasets]
    return {type_label(t): t for t in every}


def sign_to_dict(sign: Any) -> Dict[str, Any]:
    """The dict dflow 1.x gives for an ``Artifact``, ``Parameter`` or ``BigParameter`` sign."""
    from .python.signs import Artifact, BigParameter

    if isinstance(sign, Artifact):
        return {
            "type": type_label(sign.type),
            "archive": sign.archive,
            "save": to_jsonable(sign.save or None),
            "optional": sign.optional,
            "global_name": sign.global_name,
            "sub_path": sign.sub_path,
        }
    d: Dict[str, Any] = {"type": type_label(sign.type)}
    if not isinstance(sign, BigParameter):
        d["global_name"] = sign.global_name
    if sign.has_default:
        d["default"] = sign.default
    return d


def sign_from_dict(cls: type, d: Dict[str, Any]) -> Any:
    """The sign a ``sign_to_dict`` answer describes; an artifact's type may be its name."""
    from .python.signs import Artifact

    d = dict(d)
    if issubclass(cls, Artifact) and isinstance(d.get("type"), str):
        types = _artifact_types()
        if d["type"] not in types:
            raise InvalidWorkflowError(f"Artifact.from_dict: unknown artifact type {d['type']!r}")
        d["type"] = types[d["type"]]
        d["save"] = from_jsonable(d.get("save"))
    return cls(**d)


def opio_info(opio_sign: Any) -> Dict[str, Any]:
    """Each sign of ``opio_sign``: a sign object as it is, a bare type as its name."""
    from .python.signs import Artifact, Parameter

    return {
        k: v if isinstance(v, (Artifact, Parameter)) else type_label(v)
        for k, v in opio_sign.items()
    }
