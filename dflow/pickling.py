"""Objects as JSON through jsonpickle, for classes that write themselves with ``to_dict``."""

from __future__ import annotations

from typing import Any, Dict

import jsonpickle
from jsonpickle.handlers import BaseHandler

from .discovery import import_func

__all__ = ["CustomHandler", "CustomPickler"]


class CustomHandler(BaseHandler):  # type: ignore[misc]
    """A jsonpickle handler for classes with ``to_dict()`` and ``from_dict(d)``: the JSON holds
    the class path (``py/object``) and the fields ``to_dict`` gives.

    Register a class with ``CustomHandler.handles(cls)`` (usable as a class decorator).
    """

    def flatten(self, obj: Any, data: Dict[str, Any]) -> Dict[str, Any]:
        data.update(obj.to_dict())
        return data

    def restore(self, obj: Dict[str, Any]) -> Any:
        fields = dict(obj)
        cls = import_func(fields.pop("py/object"))
        return cls.from_dict(fields)


class CustomPickler:
    """``dumps``/``loads`` as ``pickle`` spells them, writing JSON through jsonpickle."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return str(jsonpickle.dumps(obj, **kwargs))

    def loads(self, s: str, **kwargs: Any) -> Any:
        return jsonpickle.loads(s, **kwargs)
