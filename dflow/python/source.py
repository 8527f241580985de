"""How the container finds an OP class: an import by module path, or its source shipped inline.

A class defined in ``__main__`` or inside a function cannot be imported in the container; its
source is shipped instead. A top-level one comes with all of its file above it (the helpers,
classes and constants it uses, as dflow 1.x ships it); one defined inside a function or class
comes with the ``import`` statements at the top of its module.
"""

from __future__ import annotations

from typing import Any, Tuple

__all__ = ["get_source_code", "locate"]


def locate(op_class: type) -> Tuple[str, str]:
    """``(code, name)``: code that makes the class available under ``name`` in the script."""
    module = op_class.__module__
    qualname = op_class.__qualname__
    if "<locals>" not in qualname and _importable(module, op_class):
        top, _, rest = qualname.partition(".")
        return f"from {module} import {top}", qualname if rest else top
    return _shipped(op_class), op_class.__name__


def _importable(module: str, op_class: type) -> bool:
    """True when ``import module`` on the import path finds the file the class was defined in.

    Not so for ``__main__``, nor for a script loaded under another name (``runpy``, a loader),
    whose file is not on the import path as that module.
    """
    import importlib.machinery
    import inspect
    import os

    if module == "__main__":
        return False
    if "." in module:
        return True  # a module of a package: importable where the package is installed
    try:
        spec = importlib.machinery.PathFinder.find_spec(module)
        source = inspect.getsourcefile(op_class)
    except (ImportError, ValueError, TypeError):
        return False
    if spec is None or not spec.origin or not source:
        return False
    return os.path.realpath(spec.origin) == os.path.realpath(source)


def _shipped(op_class: type) -> str:
    import inspect
    import textwrap

    given = op_class.__dict__.get("_source")
    if given:  # defined from a workflow's graph by running this source
        return _without_future(str(given)).rstrip()
    target = getattr(op_class, "_dflow_function", op_class)
    if "." not in target.__qualname__ and _at_top_level(target):
        try:
            return _without_future(get_source_code(target)).rstrip()
        except (OSError, TypeError):
            pass
    try:
        body = textwrap.dedent(inspect.getsource(target))
    except (OSError, TypeError) as e:
        from .errors import SignError

        raise SignError(
            f"OP {op_class.__name__}: it is defined where it cannot be imported "
            f"({op_class.__module__}) and its source is not available to ship: {e}"
        ) from None
    imports = _module_imports(op_class)
    if target is not op_class and "from dflow.python import OP" not in imports:
        imports.append("from dflow.python import OP")
    return "\n".join(imports + ["", body.rstrip()])


def _at_top_level(target: Any) -> bool:
    """Whether ``target`` is defined at the top level of its file (not indented, e.g. under an
    ``if __name__ == "__main__":``), where the file above it can run before it."""
    import inspect

    try:
        first = inspect.getsourcelines(target)[0][0]
    except (OSError, TypeError, IndexError):
        return False
    return not first[:1].isspace()


def _module_imports(op_class: type) -> list:
    """The top-level imports of the file defining ``op_class`` (``__future__`` left out)."""
    import ast
    import inspect

    try:
        source_file = inspect.getsourcefile(op_class)
        with open(source_file or "", encoding="utf-8") as f:
            text = f.read()
    except (OSError, TypeError):
        return []
    lines = []
    for node in ast.parse(text).body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            lines.append(ast.unparse(node))
    return lines


def _without_future(text: str) -> str:
    """``text`` without its ``from __future__`` imports (they cannot follow the bootstrap)."""
    import ast

    try:
        tree = ast.parse(text)
    except SyntaxError:
        return text
    lines = text.splitlines(keepends=True)
    for node in reversed(tree.body):
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            end = node.end_lineno or node.lineno
            lines[node.lineno - 1 : end] = ["\n"] * (end - node.lineno + 1)
    return "".join(lines)


def get_source_code(o: Any) -> str:
    """The text of the file defining ``o`` up to the end of its definition (its imports and
    everything above it included), as a script that defines ``o``."""
    import inspect

    lines, start = inspect.getsourcelines(o)
    with open(inspect.getsourcefile(o) or "", encoding="utf-8") as f:
        above = f.readlines()[: max(start - 1, 0)]
    return "".join(above + lines) + "\n"
