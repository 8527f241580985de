"""Write the public names and signatures of an installed dflow as JSON (the parity test's data).

Run with the interpreter of an environment holding the reference release (PyPI ``pydflow``):

    /path/to/venv/bin/python scripts/enumerate_reference_api.py > tests/compat/reference_api.json

A module's public names are its ``__all__`` when it has one, else the classes and functions it
defines itself (``obj.__module__`` is the module) whose names do not start with ``_``. For each
callable the parameters are recorded (name, kind, whether it has a default); for each class also
its public methods, properties and plain attributes defined in the package's own classes.
Plugins, the vendored typeguard copy and ``__main__`` are left out.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import sys
import warnings
from typing import Any

SKIP_PREFIXES = ("dflow.plugins", "dflow.python.vendor", "dflow.__main__")


def _params(obj: Any, skip_first: bool = False) -> list[str] | None:
    """The parameters as in a ``def`` line: ``a``, ``b=`` (with a default), ``*``, ``**kw``."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    out: list[str] = []
    star = False
    for p in list(sig.parameters.values())[1 if skip_first else 0 :]:
        if p.kind is p.VAR_POSITIONAL:
            out.append(f"*{p.name}")
            star = True
            continue
        if p.kind is p.VAR_KEYWORD:
            out.append(f"**{p.name}")
            continue
        if p.kind is p.KEYWORD_ONLY and not star:
            out.append("*")
            star = True
        suffix = "=" if p.default is not inspect.Parameter.empty else ""
        out.append(f"{p.name}{suffix}" + ("/" if p.kind is p.POSITIONAL_ONLY else ""))
    return out


def _own_classes(cls: type) -> list[type]:
    return [c for c in cls.__mro__ if c.__module__.split(".")[0] == "dflow"]


def _describe_class(cls: type) -> dict[str, Any]:
    members: dict[str, Any] = {}
    for base in reversed(_own_classes(cls)):
        for name, raw in vars(base).items():
            if name.startswith("_"):
                continue
            if isinstance(raw, property):
                members[name] = {"kind": "property"}
            elif isinstance(raw, staticmethod):
                members[name] = {"kind": "method", "params": _params(raw.__func__)}
            elif isinstance(raw, classmethod):
                members[name] = {"kind": "method", "params": _params(raw.__func__, True)}
            elif inspect.isfunction(raw):
                members[name] = {"kind": "method", "params": _params(raw, True)}
    init = cls.__init__ if "__init__" in vars(cls) or _own_classes(cls) else None
    return {"kind": "class", "params": _params(cls) if init else None, "members": members}


def _describe(obj: Any) -> dict[str, Any]:
    if inspect.isclass(obj):
        return _describe_class(obj)
    if callable(obj):
        return {"kind": "function", "params": _params(obj)}
    if inspect.ismodule(obj):
        return {"kind": "module"}
    return {"kind": "value", "type": type(obj).__name__}


def _public_names(mod: Any) -> list[str]:
    if hasattr(mod, "__all__"):
        return list(mod.__all__)
    return [
        name
        for name, obj in vars(mod).items()
        if not name.startswith("_")
        and (inspect.isclass(obj) or inspect.isfunction(obj))
        and getattr(obj, "__module__", None) == mod.__name__
    ]


def main() -> None:
    warnings.simplefilter("ignore")
    import dflow

    names = ["dflow"] + sorted(
        m.name
        for m in pkgutil.walk_packages(dflow.__path__, "dflow.")
        if not m.name.startswith(SKIP_PREFIXES)
    )
    modules: dict[str, Any] = {}
    for modname in names:
        mod = importlib.import_module(modname)
        modules[modname] = {name: _describe(getattr(mod, name)) for name in _public_names(mod)}
    version = getattr(dflow, "__version__", None)
    if version is None:
        from importlib.metadata import version as dist_version

        version = dist_version("pydflow")
    # one line per public name, so a diff of this file reads name by name
    lines = [
        f'{{"reference": "pydflow {version}", "python": "{sys.version.split()[0]}", "modules": {{'
    ]
    for i, (modname, entries) in enumerate(modules.items()):
        lines.append(f"{json.dumps(modname)}: {{")
        for j, (name, desc) in enumerate(sorted(entries.items())):
            comma = "," if j < len(entries) - 1 else ""
            lines.append(f"  {json.dumps(name)}: {json.dumps(desc, sort_keys=True)}{comma}")
        lines.append("}," if i < len(modules) - 1 else "}")
    lines.append("}}")
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
