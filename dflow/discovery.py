"""Finding code by name or by base class: ``import_func("pkg.mod.func")``, ``find_subclass``."""

from __future__ import annotations

import importlib
import inspect
import logging
import pkgutil
from types import ModuleType
from typing import Any, List, Optional

__all__ = ["import_func", "subclass_or_none", "find_subclass"]


def import_func(s: str) -> Any:
    """The object named by a dotted path, ``"package.module.attribute"`` (or a module path)."""
    module_name, _, attribute = s.rpartition(".")
    if not module_name:
        return importlib.import_module(s)
    module = importlib.import_module(module_name)
    try:
        return getattr(module, attribute)
    except AttributeError:
        return importlib.import_module(s)


def subclass_or_none(m: Any, cls: type) -> Optional[type]:
    """``m`` when it is a proper subclass of ``cls``, else None."""
    if inspect.isclass(m) and issubclass(m, cls) and m is not cls:
        return m
    return None


def find_subclass(pkg: ModuleType, cls: type) -> List[type]:
    """The proper subclasses of ``cls`` defined in the module ``pkg`` or, for a package, in any of
    its submodules (a submodule that fails to import is logged and skipped)."""
    found: List[type] = []

    def collect(module: ModuleType) -> None:
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if (
                obj.__module__ == module.__name__
                and subclass_or_none(obj, cls)
                and obj not in found
            ):
                found.append(obj)

    collect(pkg)
    for info in pkgutil.walk_packages(getattr(pkg, "__path__", []), pkg.__name__ + "."):
        try:
            collect(importlib.import_module(info.name))
        except Exception as error:  # a plugin whose dependency is missing
            logging.warning("cannot inspect submodule %s: %s", info.name, error)
    return found
