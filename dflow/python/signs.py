"""What an OP takes and gives: ``OPIO`` values and ``OPIOSign`` declarations of their types."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import (
    Any,
    Dict,
    Iterator,
    List,
    MutableMapping,
    Optional,
    Set,
    Union,
    get_args,
    get_origin,
)

from ..io import UNSET
from .artifact_types import HDF5Datasets, NestedDict
from .errors import SignError

__all__ = ["OPIO", "OPIOSign", "Artifact", "Parameter", "BigParameter", "ARTIFACT_TYPES"]

ARTIFACT_TYPES: Dict[Any, str] = {
    str: "single",
    Path: "single",
    List[str]: "list",
    List[Path]: "list",
    Set[str]: "set",
    Set[Path]: "set",
    Dict[str, str]: "dict",
    Dict[str, Path]: "dict",
    NestedDict[str]: "nested",
    NestedDict[Path]: "nested",
}
for _t in list(ARTIFACT_TYPES):  # each may also come as HDF5 datasets, as in the original
    ARTIFACT_TYPES[Union[_t, HDF5Datasets]] = ARTIFACT_TYPES[_t]
ARTIFACT_TYPES[HDF5Datasets] = "hdf5"
"""The types an artifact may have, and the shape of their value."""

_PATH_TYPES = (Path, List[Path], Set[Path], Dict[str, Path], NestedDict[Path])


class Artifact:
    """A file or directory (or a list/set of them) passed by path.

    Args:
        type: one of ``str, Path, List[str], List[Path], Set[str], Set[Path]``.
        archive: ``"tar"`` (stored as tar.gz) or None (stored as plain objects); outputs only.
        save: where an output is stored besides the default place (``S3Artifact`` list).
        optional: an input that may be absent (the OP gets None), or an output that may be missing.
        global_name: publish an output under this workflow-global name.
    """

    def __init__(
        self,
        type: Any,
        archive: Optional[str] = "tar",
        save: Optional[List[Any]] = None,
        optional: bool = False,
        global_name: Optional[str] = None,
        sub_path: bool = True,
    ) -> None:
        if type not in ARTIFACT_TYPES:
            raise SignError(
                "Artifact type must be one of str, Path, List[str], List[Path], Set[str], "
                "Set[Path], Dict[str, str], Dict[str, Path], NestedDict[str], NestedDict[Path], "
                f"HDF5Datasets or Union[<one of them>, HDF5Datasets], got {_name(type)}"
            )
        self.type = type
        self.archive = archive
        self.save = list(save) if save else []
        self.optional = optional
        self.global_name = global_name
        self.sub_path = sub_path

    @property
    def shape(self) -> str:
        """``single``, ``list``, ``set``, ``dict``, ``nested`` or ``hdf5``."""
        return ARTIFACT_TYPES[self.type]

    @property
    def path_type(self) -> Any:
        """The type of a path in the value: ``Path`` or ``str``."""
        return Path if self.base_type in _PATH_TYPES else str

    @property
    def base_type(self) -> Any:
        """The type without ``Union[..., HDF5Datasets]``."""
        args = get_args(self.type) if get_origin(self.type) is Union else ()
        return next((a for a in args if a is not HDF5Datasets), self.type)

    @property
    def may_be_hdf5(self) -> bool:
        """The value may be (or, for ``HDF5Datasets``, is) stored as HDF5 datasets."""
        return self.type is HDF5Datasets or HDF5Datasets in get_args(self.type)

    def __repr__(self) -> str:
        return (
            f"Artifact(type={_name(self.type)}, optional={self.optional}, sub_path={self.sub_path})"
        )

    def to_dict(self) -> Dict[str, Any]:
        """The sign as a dict of its fields, its type by name (as in a workflow's graph)."""
        from ..graph_format import sign_to_dict

        return sign_to_dict(self)

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> Any:
        """The sign of a ``to_dict`` answer."""
        from ..graph_format import sign_from_dict

        return sign_from_dict(cls, d)


class Parameter:
    """A parameter with a type and, optionally, a default (used when no value is given)."""

    def __init__(
        self, type: Any = Any, default: Any = UNSET, global_name: Optional[str] = None, **kw: Any
    ) -> None:
        self.type = type
        self.default = default
        self.global_name = global_name
        self.description = kw.pop("description", None)
        if kw:
            raise TypeError(f"Parameter got unexpected arguments {sorted(kw)}")

    @property
    def has_default(self) -> bool:
        return self.default is not UNSET

    def __repr__(self) -> str:
        default = ""
        if self.has_default:
            try:
                default = f", default={json.dumps(self.default)}"
            except (TypeError, ValueError):
                import jsonpickle

                default = f", default=jsonpickle.loads({jsonpickle.dumps(self.default)!r})"
        return f"{type(self).__name__}(type={_name(self.type)}{default})"

    def to_dict(self) -> Dict[str, Any]:
        """The sign as a dict of its fields, its type by name (as in a workflow's graph)."""
        from ..graph_format import sign_to_dict

        return sign_to_dict(self)

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> Any:
        """The sign of a ``to_dict`` answer."""
        from ..graph_format import sign_from_dict

        return sign_from_dict(cls, d)


class BigParameter(Parameter):
    """A parameter too large for Argo's parameter size: it travels as a file-backed artifact."""


Sign = Union[Artifact, Parameter]


class OPIO(MutableMapping):
    """The values an OP takes or gives, by key."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._data: Dict[str, Any] = dict(*args, **kwargs)

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._data[key] = value

    def __delitem__(self, key: str) -> None:
        del self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._data!r})"


class OPIOSign(OPIO):
    """The types an OP takes or gives, by key: a plain type, ``Parameter``, ``BigParameter``
    or ``Artifact``; plain types are read as ``Parameter(type)``. A type given as a string
    (``"int"``, ``"List[Path]"``) is resolved as an annotation, in the module that builds the sign.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if any(isinstance(v, str) for v in self._data.values()):
            where = sys._getframe(1).f_globals
            for key, value in self._data.items():
                if isinstance(value, str):
                    self._data[key] = resolve_annotation(value, key, where)

    def __setitem__(self, key: str, value: Any) -> None:
        if isinstance(value, str):
            value = resolve_annotation(value, key, sys._getframe(1).f_globals)
        self._data[key] = value

    def sign(self, key: str) -> Sign:
        """The sign of ``key`` as a ``Parameter`` or ``Artifact``."""
        return as_sign(self._data[key])


def resolve_annotation(text: str, key: str, where: Dict[str, Any]) -> Any:
    """The type a string annotation names, as ``from __future__ import annotations`` leaves them:
    evaluated with typing's names, ``Path``, the sign classes and the globals of ``where``."""
    import typing

    scope: Dict[str, Any] = {n: getattr(typing, n) for n in typing.__all__}
    scope.update(Path=Path, Artifact=Artifact, Parameter=Parameter, BigParameter=BigParameter)
    scope.update(where)
    try:
        value = eval(text, scope)  # noqa: S307 - an annotation, written by the OP's author
    except Exception as exc:
        raise SignError(
            f"sign key {key!r}: the type {text!r} is a string that names no type here "
            f"({type(exc).__name__}: {exc})"
        ) from None
    if isinstance(value, str) or not (
        isinstance(value, (type, Artifact, Parameter))
        or hasattr(value, "__origin__")
        or value is typing.Any
        or value is None
    ):
        raise SignError(f"sign key {key!r}: the type {text!r} names {value!r}, not a type")
    return value


def as_sign(value: Any) -> Sign:
    """A sign entry as a ``Parameter``/``Artifact`` object (a bare type is a ``Parameter``)."""
    if isinstance(value, (Artifact, Parameter)):
        return value
    return Parameter(value)


def _name(t: Any) -> str:
    if isinstance(t, type) and t.__module__ == "builtins":
        return t.__name__
    if isinstance(t, type):
        return f"{t.__module__}.{t.__qualname__}"
    return repr(t).replace("typing.", "")


type_name = _name
