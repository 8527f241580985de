"""Names of a package imported on first use (PEP 562), so that importing the package stays cheap."""

from __future__ import annotations

import importlib
from typing import Any, Callable, Dict

__all__ = ["lazy_attributes"]


def lazy_attributes(
    package: str, table: Dict[str, str], namespace: Dict[str, Any]
) -> Callable[[str], Any]:
    """A module ``__getattr__`` importing each name of ``table`` (name -> module) when first read
    and keeping it in ``namespace`` (the package's globals) from then on."""

    def __getattr__(name: str) -> Any:
        module = table.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    return __getattr__
