"""Inputs and outputs of templates, and references to them.

The four classes ``InputParameter``, ``InputArtifact``, ``OutputParameter`` and ``OutputArtifact``
declare what a template takes and gives. The same objects, reached through a step
(``step.outputs.parameters["x"]``) or a template's own inputs (``steps.inputs.parameters["z"]``),
are references: ``str(ref)`` is the ``{{...}}`` tag Argo substitutes, ``ref.expr`` the
expression-language form, and comparisons build conditions.
"""

from __future__ import annotations

import copy
import operator
from collections.abc import ItemsView, Iterator, KeysView, ValuesView
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union, cast

from .errors import InvalidWorkflowError
from .expressions import ArgoVar
from .lazy import lazy_attributes
from .names import check_io_name

__all__ = [
    "UNSET",
    "BIG_PREFIX",
    "InputParameter",
    "InputArtifact",
    "OutputParameter",
    "OutputArtifact",
    "Inputs",
    "Outputs",
    "S3Artifact",
    "RawArtifact",
    "PVC",
]


class _Unset:
    """Marks an argument that was not given (``None`` is a legitimate parameter value)."""

    _instance: Optional[_Unset] = None

    def __new__(cls) -> _Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False

    def __copy__(self) -> _Unset:
        return self

    def __deepcopy__(self, memo: Any) -> _Unset:
        return self


UNSET: Any = _Unset()

BIG_PREFIX = "dflow_bigpar_"
"""A big parameter travels as the artifact ``dflow_bigpar_<key>``; users see parameter ``key``."""

_is_big_key = operator.methodcaller("startswith", BIG_PREFIX)


def _key(name: str) -> str:
    return "'" + name.replace("'", "\\'") + "'"


class _IO(ArgoVar):
    """What the four IO classes share: a name, and a scope that makes them references."""

    direction = ""  # "inputs" or "outputs"
    kind = ""  # "parameters" or "artifacts"

    def __init__(self, name: Optional[str] = None) -> None:
        self.name = name
        self._scope: Optional[str] = None  # "steps.<name>", "tasks.<name>" or None
        self._scope_object: Any = None  # the Step or Task behind _scope

    @property
    def argo_path(self) -> str:
        """Argo's dotted path of this value, e.g. ``steps.hello.outputs.parameters.msg``."""
        if self.name is None:
            raise InvalidWorkflowError(
                f"this {type(self).__name__} has no name yet: put it into an Inputs/Outputs dict"
            )
        head = f"{self._scope}." if self._scope else ""
        kind, name = self._wire()
        return f"{head}{self.direction}.{kind}.{name}"

    @property
    def expr(self) -> str:
        if self.name is None:
            raise InvalidWorkflowError(f"this {type(self).__name__} has no name yet")
        if self._scope:
            group, _, owner = self._scope.partition(".")
            head = f"{group}[{_key(owner)}]."
        else:
            head = ""
        kind, name = self._wire()
        return f"{head}{self.direction}.{kind}[{_key(name)}]"

    def _wire(self) -> Tuple[str, str]:
        """The kind and name this value travels under: a big parameter as its artifact."""
        name = cast(str, self.name)
        if self.kind == "parameters" and self.__dict__.get("save_as_artifact"):
            return "artifacts", BIG_PREFIX + name
        return self.kind, name

    def __getstate__(self) -> Dict[str, Any]:
        # where a template's own value lives, and who reads it, are not part of the value
        state = dict(self.__dict__)
        state.pop("_home", None)
        state.pop("_users", None)
        return state

    @property
    def step(self) -> Any:
        """The step or task this reference points into, or None for a template's own IO."""
        return self._scope_object

    def __str__(self) -> str:
        return "{{" + self.argo_path + "}}"

    def bound(self, scope: str, owner: Any) -> _IO:
        """A copy that refers to this value as seen from a step (``scope`` = ``steps.<name>``)."""
        ref = copy.copy(self)
        ref._scope = scope
        ref._scope_object = owner
        return ref

    # dict forms of dflow 1.x: the graph's (``dflow.graph_format``), the manifest's (``from_dict``)
    def convert_to_graph(self) -> Dict[str, Any]:
        """This input or output as the dict of its fields in a workflow's graph."""
        from .graph_format import io_item_graph

        return io_item_graph(self)

    @classmethod
    def from_graph(cls, graph: Dict[str, Any]) -> Any:
        """The input or output a ``convert_to_graph`` dict describes."""
        from .graph_format import io_item_from_graph

        return io_item_from_graph(cls, graph)

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> Any:
        """The input or output an Argo parameter/artifact dict (as in a manifest) describes."""
        from .argo_dicts import one_from_dict

        return one_from_dict(cls.direction, cls.kind, d)


class InputParameter(_IO):
    """A parameter a template takes; without ``value`` it is required."""

    direction, kind = "inputs", "parameters"

    def __init__(
        self,
        value: Any = UNSET,
        type: Any = None,
        description: Optional[str] = None,
        name: Optional[str] = None,
        enum: Optional[List[Any]] = None,
        save_as_artifact: bool = False,
        path: Optional[str] = None,
        source: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name)
        self.value = value
        self.type = type
        self.description = description
        self.enum = enum
        # passed as a file (a big parameter) at ``path``; ``Inputs`` turns it into that artifact,
        # whose default content is ``source`` (an S3Artifact), as in the original
        self.save_as_artifact = save_as_artifact
        self.path = path
        self.source = source
        if "default" in kwargs:
            self.value = kwargs.pop("default")
        if kwargs:
            raise TypeError(f"InputParameter got unexpected arguments {sorted(kwargs)}")

    @property
    def required(self) -> bool:
        return self.value is UNSET


class InputArtifact(_IO):
    """A file or directory a template takes, placed at ``path`` in its container."""

    direction, kind = "inputs", "artifacts"

    def __init__(
        self,
        path: Optional[str] = None,
        optional: bool = False,
        type: Any = None,
        name: Optional[str] = None,
        source: Any = None,
        mode: Optional[int] = None,
        archive: Optional[str] = "tar",
        sub_path: Optional[str] = None,
        big_parameter: bool = False,
        save_as_parameter: bool = False,
    ) -> None:
        if save_as_parameter:
            raise InvalidWorkflowError(
                "InputArtifact(save_as_parameter=True) is not supported: Argo hands artifacts to "
                "a step as files; give the value as an InputParameter instead"
            )
        super().__init__(name)
        self.path = path
        self.optional = optional
        self.big_parameter = big_parameter  # a parameter passed as a file: steps give it a value
        self.type = type
        self.source = source
        self.mode = mode
        self.archive = archive
        self._sub_path = sub_path

    def sub_path(self, path: str) -> InputArtifact:
        """A reference to a file or directory inside this artifact."""
        ref = copy.copy(self)
        ref._sub_path = _join(self._sub_path, path)
        return ref


class OutputParameter(_IO):
    """A parameter a template gives: read from a file, taken from an inner step, or computed."""

    direction, kind = "outputs", "parameters"

    def __init__(
        self,
        value_from_path: Optional[str] = None,
        value_from_parameter: Any = None,
        value_from_expression: Any = None,
        default: Any = UNSET,
        global_name: Optional[str] = None,
        type: Any = None,
        description: Optional[str] = None,
        name: Optional[str] = None,
        value: Any = UNSET,
        save_as_artifact: bool = False,
        save_both: bool = False,
    ) -> None:
        super().__init__(name)
        # given back as a file (a big parameter), or (save_both) as a parameter and a file too;
        # ``Outputs`` adds that artifact
        self.save_as_artifact = save_as_artifact
        self.save_both = save_both
        self.value_from_path = value_from_path
        self.value_from_parameter = value_from_parameter
        self.value_from_expression = value_from_expression
        self.default = default
        self.global_name = global_name
        self.type = type
        self.description = description
        self.value = value

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if name in _OUTPUT_FIELDS and self.__dict__.get("_home") is not None:
            from .big_params import settle_output

            settle_output(self)  # a big source makes this output big, as in the original


_OUTPUT_FIELDS = frozenset(
    [
        "value_from_path",
        "value_from_parameter",
        "value_from_expression",
        "global_name",
        "type",
        "save_as_artifact",
        "save_both",
    ]
)
_PARAMETER_CLASSES = (InputParameter, OutputParameter)


class OutputArtifact(_IO):
    """A file or directory a template gives, from ``path`` or from an inner step (``_from``)."""

    direction, kind = "outputs", "artifacts"

    def __init__(
        self,
        path: Optional[str] = None,
        _from: Any = None,
        from_expression: Any = None,
        save: Optional[List[Any]] = None,
        archive: Optional[str] = "tar",
        global_name: Optional[str] = None,
        type: Any = None,
        optional: bool = False,
        name: Optional[str] = None,
        big_parameter: bool = False,
    ) -> None:
        super().__init__(name)
        self.path = path
        self.big_parameter = big_parameter  # a parameter passed as a file
        self._from = _from
        self.from_expression = from_expression
        self.save = list(save) if save else []
        self.archive = archive
        self.global_name = global_name
        self.type = type
        self.optional = optional
        self._sub_path: Optional[str] = None

    def pvc(
        self,
        size: str = "1Gi",
        storage_class: Optional[str] = None,
        access_modes: Optional[List[str]] = None,
    ) -> PVC:
        """Also save this artifact into a new sub-path of the workflow's claim ``public``
        (created with the workflow); returns that claim and sub-path."""
        from .filesystem import randstr

        claim = PVC("public", randstr(), size, storage_class, access_modes)
        self.save = [*self.save, claim]
        return claim

    def sub_path(self, path: str) -> OutputArtifact:
        """A reference to a file or directory inside this artifact."""
        ref = copy.copy(self)
        ref._sub_path = _join(self._sub_path, path)
        return ref


def _join(base: Optional[str], tail: str) -> str:
    tail = tail.strip("/")
    return f"{base.rstrip('/')}/{tail}" if base else tail


class _NamedDict(dict):
    """A dict that gives each value the name it is stored under, and checks its type."""

    def __init__(self, cls: type, what: str, items: Optional[Dict[str, Any]] = None) -> None:
        super().__init__()
        self._cls = cls
        self._what = what
        for key, value in (items or {}).items():
            self[key] = value

    def __setitem__(self, key: str, value: Any) -> None:
        check_io_name(key, self._what)
        if not isinstance(value, self._cls):
            raise InvalidWorkflowError(
                f"{self._what} {key!r} must be a {self._cls.__name__}, got {type(value).__name__}"
            )
        cast(Any, value).name = key
        super().__setitem__(key, value)
        self._place(key)
        owner = self.__dict__.get("_owner")
        big = key.startswith(BIG_PREFIX) and bool(getattr(value, "big_parameter", False))
        if owner is not None and big:
            owner.parameters._place(key[len(BIG_PREFIX) :])  # its place among the parameters
        if isinstance(value, (InputParameter, OutputParameter)):
            value.__dict__["_home"] = self  # a template's own parameter knows where it lives
            if isinstance(value, OutputParameter) and self.__dict__.get("_owner") is not None:
                from .big_params import settle_output

                settle_output(value)

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def _place(self, key: str) -> None:
        """Remember where ``key`` was first given (a parameter that turns big keeps its place)."""
        self.__dict__.setdefault("_order", {}).setdefault(key, None)

    def _names(self) -> List[str]:
        """The names a user sees: the entries, and a template's big parameters (kept among its
        artifacts), in the order they were given, as the original lists them; the artifacts
        leave out those big parameters (``dflow_bigpar_<name>``)."""
        keys = list(dict.keys(self))
        if self._cls not in _PARAMETER_CLASSES:  # artifacts: big parameters are not among them
            return [k for k in keys if not _is_big_key(k)] if any(map(_is_big_key, keys)) else keys
        owner = self.__dict__.get("_owner")
        artifacts = getattr(owner, "_artifacts", None)  # as stored: reading it rebinds the owner
        if artifacts is None or not any(map(_is_big_key, dict.keys(artifacts))):
            return keys  # the common case, kept cheap: listing parameters is frequent
        big = [
            k[len(BIG_PREFIX) :]
            for k, a in dict.items(artifacts)
            if _is_big_key(k) and getattr(a, "big_parameter", False)
        ]
        big = [k for k in big if not dict.__contains__(self, k)]
        if not big:
            return keys
        order = self.__dict__.get("_order", {})
        given = [k for k in order if k in big or dict.__contains__(self, k)]
        rest = [k for k in dict.keys(self) if k not in order]
        return given + rest + [k for k in big if k not in order]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def keys(self) -> KeysView[str]:  # type: ignore[override]
        return KeysView(self)

    def values(self) -> ValuesView[Any]:  # type: ignore[override]
        return ValuesView(self)

    def items(self) -> ItemsView[str, Any]:  # type: ignore[override]
        return ItemsView(self)

    def __repr__(self) -> str:
        return repr({k: self[k] for k in self._names()})

    def __delitem__(self, key: str) -> None:
        if dict.__contains__(self, key):
            dict.__delitem__(self, key)
        elif self._big(key) is not None:  # a big parameter: the artifact it travels as goes
            del self.__dict__["_owner"].artifacts[BIG_PREFIX + key]
        else:
            raise KeyError(key)
        self.__dict__.get("_order", {}).pop(key, None)

    def pop(self, key: str, *default: Any) -> Any:  # type: ignore[override]
        if key not in self:
            if default:
                return default[0]
            raise KeyError(key)
        value = self[key]
        del self[key]
        return value

    def _big(self, key: str) -> Any:
        """The artifact a big parameter ``key`` of these parameters travels as, or None."""
        owner = self.__dict__.get("_owner")
        if owner is None or not isinstance(key, str) or self._cls not in _PARAMETER_CLASSES:
            return None
        art = dict.get(owner.artifacts, BIG_PREFIX + key)
        return art if getattr(art, "big_parameter", False) else None

    def __missing__(self, key: str) -> Any:
        # a template's big parameter lives among its artifacts; reading it by its parameter
        # name gives that parameter (an output: a view of its artifact), as in the original
        art = self._big(key)
        if art is None:
            raise KeyError(key)
        param = art.__dict__.get("_parameter")
        if param is not None:
            return param
        if self._cls is InputParameter:
            param = InputParameter(type=art.type, save_as_artifact=True, path=art.path, name=key)
            art.__dict__["_parameter"] = param
            return param
        return BigOutputParameterView(key, art)

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or self._big(cast(str, key)) is not None

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self else default

    def __deepcopy__(self, memo: Dict[int, Any]) -> _NamedDict:
        copied = _NamedDict(self._cls, self._what)
        memo[id(self)] = copied  # an entry's ``_home`` is then the copy
        for key, value in dict.items(self):
            value = copy.deepcopy(value, memo)
            if isinstance(value, self._cls):
                copied[key] = value
            else:  # a step's view of a big output parameter: its artifact's reference
                dict.__setitem__(copied, key, value)
        return copied

    def __reduce__(self) -> Any:
        return (_NamedDict, (self._cls, self._what, own_entries(self)))

    def convert_to_graph(self) -> Dict[str, Any]:
        """Each entry's graph dict by name, less the ``dflow_`` entries dflow adds itself."""
        return {k: v.convert_to_graph() for k, v in dict.items(self) if not k.startswith("dflow_")}


def own_entries(named: Dict[str, Any]) -> Dict[str, Any]:
    """The entries ``named`` holds itself: a template's parameters less its big ones, its
    artifacts with the ``dflow_bigpar_<name>`` ones they travel as (iterating the parameters
    lists the big ones; iterating the artifacts leaves them out)."""
    return dict(dict.items(named))


class BigOutputParameterView:
    """A template's big output parameter seen by its parameter name: its fields are those of
    the artifact ``dflow_bigpar_<name>`` it travels as."""

    save_as_artifact = True
    name: str
    _artifact: Any

    def __init__(self, name: str, artifact: Any) -> None:
        self.__dict__["name"] = name
        self.__dict__["_artifact"] = artifact

    @property
    def global_name(self) -> Optional[str]:
        return cast(Optional[str], self._artifact.global_name)

    @global_name.setter
    def global_name(self, value: Optional[str]) -> None:
        self._artifact.global_name = value

    @property
    def type(self) -> Any:
        return self._artifact.type

    def __repr__(self) -> str:  # the reference it stands for, as the original shows it
        return repr(self._artifact)

    __str__ = __repr__

    def __setattr__(self, name: str, value: Any) -> None:
        if not hasattr(type(self), name) or name == "save_as_artifact":
            raise InvalidWorkflowError(
                f"big output parameter {self.name!r}: only global_name can be set on it here"
            )
        object.__setattr__(self, name, value)


class _NamedField:
    """An ``Inputs``/``Outputs`` field: a dict assigned to it names its entries by key too."""

    def __init__(self, cls: type, what: str) -> None:
        self.cls = cls
        self.what = what

    def __set_name__(self, owner: type, name: str) -> None:
        self.attr = f"_{name}"

    def __get__(self, obj: Any, owner: Optional[type] = None) -> Any:
        if obj is None:
            return self
        named = getattr(obj, self.attr)
        named.__dict__["_owner"] = obj
        return named

    def __set__(self, obj: Any, value: Optional[Dict[str, Any]]) -> None:
        if value is not None and not isinstance(value, dict):
            raise InvalidWorkflowError(
                f"{self.what}s must be a dict keyed by name, got {type(value).__name__}"
            )
        named = _NamedDict(self.cls, self.what, value)
        named.__dict__["_owner"] = obj
        setattr(obj, self.attr, named)


class Inputs:
    """The input parameters and artifacts of a template, each dict keyed by name."""

    parameters = _NamedField(InputParameter, "input parameter")
    artifacts = _NamedField(InputArtifact, "input artifact")

    def __init__(
        self,
        parameters: Optional[Dict[str, InputParameter]] = None,
        artifacts: Optional[Dict[str, InputArtifact]] = None,
    ) -> None:
        self.parameters = parameters  # type: ignore[assignment]
        self.artifacts = artifacts  # type: ignore[assignment]
        for key, p in list(dict.items(cast(Dict[str, InputParameter], self.parameters))):
            if p.save_as_artifact:
                if p.value is not UNSET:
                    raise InvalidWorkflowError(
                        f"input parameter {key!r}: a default value and save_as_artifact=True "
                        "cannot go together (the value travels as a file)"
                    )
                from .big_params import move_input

                move_input(p, default_path=f"/tmp/inputs/parameters/{key}")

    def bound(self, scope: str, owner: Any) -> Inputs:
        """The same inputs seen from a step, as references."""
        return _bound(Inputs(), self, scope, owner)

    def convert_to_graph(self) -> Dict[str, Any]:
        """``{"parameters": ..., "artifacts": ...}``, each entry's graph dict by name."""
        from .graph_format import io_graph

        return io_graph(self)

    @classmethod
    def from_graph(cls, graph: Dict[str, Any]) -> Inputs:
        from .graph_format import inputs_from_graph

        return inputs_from_graph(graph)

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> Inputs:
        """The inputs an Argo ``inputs`` dict (as in a manifest) describes."""
        from .argo_dicts import io_from_dict

        return io_from_dict("inputs", d)  # type: ignore[no-any-return]


class Outputs:
    """The output parameters and artifacts of a template, each dict keyed by name."""

    parameters = _NamedField(OutputParameter, "output parameter")
    artifacts = _NamedField(OutputArtifact, "output artifact")

    def __init__(
        self,
        parameters: Optional[Dict[str, OutputParameter]] = None,
        artifacts: Optional[Dict[str, OutputArtifact]] = None,
    ) -> None:
        self.parameters = parameters  # type: ignore[assignment]
        self.artifacts = artifacts  # type: ignore[assignment]
        for key, p in list(dict.items(cast(Dict[str, OutputParameter], self.parameters))):
            sources = (p.value_from_path, p.value_from_parameter, p.value_from_expression)
            if (p.save_as_artifact or p.save_both) and all(x is None for x in sources):
                raise InvalidWorkflowError(
                    f"output parameter {key!r}: save_as_artifact/save_both need "
                    "value_from_path (the file that becomes the artifact), value_from_parameter "
                    "or value_from_expression"
                )
            from .big_params import settle_output

            settle_output(p)

    def bound(self, scope: str, owner: Any) -> Outputs:
        """The same outputs seen from a step, as references."""
        return _bound(Outputs(), self, scope, owner)

    def convert_to_graph(self) -> Dict[str, Any]:
        """``{"parameters": ..., "artifacts": ...}``, each entry's graph dict by name."""
        from .graph_format import io_graph

        return io_graph(self)

    @classmethod
    def from_graph(cls, graph: Dict[str, Any]) -> Outputs:
        from .graph_format import outputs_from_graph

        return outputs_from_graph(graph)

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> Outputs:
        """The outputs an Argo ``outputs`` dict (as in a manifest) describes."""
        from .argo_dicts import io_from_dict

        return io_from_dict("outputs", d)  # type: ignore[no-any-return]


def _bound(target: Any, source: Any, scope: str, owner: Any) -> Any:
    for key, value in own_entries(source.parameters).items():
        dict.__setitem__(target.parameters, key, value.bound(scope, owner))
    for key, value in own_entries(source.artifacts).items():
        ref = value.bound(scope, owner)
        dict.__setitem__(target.artifacts, key, ref)
        plain = key[len(BIG_PREFIX) :]
        big = getattr(value, "big_parameter", False) and key.startswith(BIG_PREFIX)
        if big and not dict.__contains__(target.parameters, plain):
            # seen from a step, a big parameter is a parameter (passed on as its artifact);
            # saved both ways, the parameter stays the parameter
            dict.__setitem__(target.parameters, plain, ref)
    return target


class S3Artifact:
    """An artifact already in the store, named by its key (what ``upload_artifact`` returns)."""

    def __init__(
        self,
        key: str,
        path_list: Optional[Iterable[str]] = None,
        urn: str = "",
        debug_s3: bool = False,
        **extra: Any,
    ) -> None:
        if not key:
            raise InvalidWorkflowError("S3Artifact needs a non-empty key")
        self.key = key
        self.path_list = list(path_list) if path_list is not None else None
        #: the artifact's name in a lineage service (``upload_artifact(namespace=...)``)
        self.urn = urn
        #: in debug mode too, the key names an object in S3 (not in the local engine's store)
        self.debug_s3 = debug_s3
        self.extra = extra

    def sub_path(self, path: str) -> S3Artifact:
        """The file or directory at ``path`` inside this artifact (for ``archive=None`` uploads)."""
        return S3Artifact(self.key.rstrip("/") + "/" + path.strip("/"), debug_s3=self.debug_s3)

    def download(self, **kwargs: Any) -> None:
        """Download the artifact: ``download_artifact(self, **kwargs)`` (``path=`` and the rest);
        with ``debug_s3`` from S3 even in debug mode."""
        from .config import s3_config
        from .storage.api import download_artifact

        if self.debug_s3 and "storage_client" not in kwargs:
            kwargs.setdefault("endpoint", s3_config["endpoint"])  # names S3, not the local store
        download_artifact(self, **kwargs)

    def oss(self) -> Any:
        """The artifact as Argo's OSS artifact model (key behind ``s3_config["repo_prefix"]``)."""
        from argo_workflows.model.io_argoproj_workflow_v1alpha1_oss_artifact import (
            IoArgoprojWorkflowV1alpha1OSSArtifact,
        )

        from .config import s3_config

        return IoArgoprojWorkflowV1alpha1OSSArtifact(key=s3_config["repo_prefix"] + self.key)

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> S3Artifact:
        """The artifact of a ``to_dict`` answer (``key``, and ``urn`` when it has one)."""
        return cls(d["key"], urn=d.get("urn") or "")

    def evalable_repr(self, imports: Any) -> str:
        """Python source that makes this artifact again (``imports`` gets what it needs)."""
        imports.add(("dflow", "S3Artifact"))
        urn = f", urn={self.urn!r}" if self.urn else ""
        return f"S3Artifact(key={self.key!r}{urn})"

    def to_dict(self) -> Dict[str, Any]:
        return {"key": self.key, "path_list": self.path_list}

    def __repr__(self) -> str:
        return f"S3Artifact(key={self.key!r})"

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, S3Artifact) and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)


class RawArtifact:
    """An artifact whose content is given inline (Argo's ``raw``): a value for a big parameter."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"RawArtifact({self.value!r})"


class PVC:
    """A persistent volume claim of the workflow (created with it) that steps mount.

    As a template's ``pvcs`` it is mounted at ``mount_path`` (default ``/tmp/pvc/<name>``); as a
    step's input artifact its ``subpath`` is mounted at the artifact's path; in an output
    artifact's ``save`` list the artifact is copied into ``subpath`` when the step succeeds.
    """

    def __init__(
        self,
        name: str,
        subpath: str = "",
        size: str = "1Gi",
        storage_class: Optional[str] = None,
        access_modes: Optional[List[str]] = None,
        mount_path: Optional[str] = None,
    ) -> None:
        check_io_name(name, "PVC")
        self.name = name
        self.subpath = subpath
        self.size = size
        self.storage_class = storage_class
        self.access_modes = access_modes or ["ReadWriteOnce"]
        self.mount_path = mount_path

    @property
    def path(self) -> str:
        """Where the claim is mounted in the container."""
        return self.mount_path or f"/tmp/pvc/{self.name}"

    def mounted_at(self, path: str) -> PVC:
        """The same claim and sub-path, mounted at ``path``."""
        return PVC(self.name, self.subpath, self.size, self.storage_class, self.access_modes, path)


ArtifactSource = Union[InputArtifact, OutputArtifact, S3Artifact, RawArtifact, PVC, str]


# dflow 1.x names of this module, defined where they belong and imported on first use
__getattr__ = lazy_attributes(
    __name__,
    {
        **dict.fromkeys(
            [
                "AutonamedDict",
                "InputArtifacts",
                "InputParameters",
                "ObjectDict",
                "OutputArtifacts",
                "OutputParameters",
            ],
            "dflow.io_dicts",
        ),
        **dict.fromkeys(["IfExpression", "if_expression"], "dflow.expressions"),
        "Expression": "dflow.scope_expression",
        "to_expr": "dflow.compat_names",
        "type_to_str": "dflow.compat_names",
        "convert_value_to_str": "dflow.compat_names",
    },
    globals(),
)
