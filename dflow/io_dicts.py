"""The named dicts of dflow 1.x's ``dflow.io``: dicts that name their values after their keys."""

from __future__ import annotations

from typing import Any, Dict, Optional

from .io import InputArtifact, InputParameter, OutputArtifact, OutputParameter, _NamedDict

__all__ = [
    "AutonamedDict",
    "InputParameters",
    "InputArtifacts",
    "OutputParameters",
    "OutputArtifacts",
    "ObjectDict",
]


class AutonamedDict(_NamedDict):
    """A dict that gives each value with a ``name`` attribute the key it is stored under
    (``d["x"] = InputParameter()`` makes the parameter's name ``"x"``)."""

    item_type: type = object
    what = "item"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(self.item_type, self.what, dict(*args, **kwargs))

    def __setitem__(self, key: str, value: Any) -> None:
        if self.item_type is not object:
            super().__setitem__(key, value)
            return
        if hasattr(value, "name"):
            value.name = key
        dict.__setitem__(self, key, value)

    def __deepcopy__(self, memo: Dict[int, Any]) -> AutonamedDict:
        import copy

        return type(self)({k: copy.deepcopy(v, memo) for k, v in dict.items(self)})

    def __reduce__(self) -> Any:
        return (type(self), (dict(self),))


class InputParameters(AutonamedDict):
    """Input parameters by name."""

    item_type = InputParameter
    what = "input parameter"


class InputArtifacts(AutonamedDict):
    """Input artifacts by name."""

    item_type = InputArtifact
    what = "input artifact"


class OutputParameters(AutonamedDict):
    """Output parameters by name."""

    item_type = OutputParameter
    what = "output parameter"


class OutputArtifacts(AutonamedDict):
    """Output artifacts by name."""

    item_type = OutputArtifact
    what = "output artifact"


class ObjectDict(dict):  # type: ignore[type-arg]
    """A dict whose keys read as attributes too (``d.a`` is ``d["a"]``)."""

    def __init__(self, dict: Optional[Dict[str, Any]] = None, /, **kwargs: Any) -> None:
        super().__init__(dict or {}, **kwargs)

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value
