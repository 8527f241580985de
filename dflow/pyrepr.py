"""Python source for a value: ``evalable_repr`` writes what ``eval`` turns back into the value."""

from __future__ import annotations

from typing import Any, Optional, Set, Tuple

__all__ = ["Variable", "evalable_repr"]

Imports = Set[Tuple[Optional[str], str]]


class Variable:
    """A name in generated code: written as the bare expression ``expr``, not as a string."""

    def __init__(self, expr: str) -> None:
        self.expr = expr

    def evalable_repr(self, imports: Imports) -> str:
        """The expression itself."""
        return self.expr

    def __repr__(self) -> str:
        return f"Variable({self.expr!r})"


def evalable_repr(obj: Any, imports: Imports) -> str:
    """Source that evaluates to ``obj``; ``imports`` collects ``(module, name)`` pairs it needs
    (``(None, "jsonpickle")`` for ``import jsonpickle``).

    Plain values are written as literals, containers item by item, objects with an
    ``evalable_repr(imports)`` method by that method, anything else through jsonpickle.
    """
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return repr(obj)
    if hasattr(obj, "evalable_repr") and not isinstance(obj, type):
        return str(obj.evalable_repr(imports))
    if type(obj) is list:
        return "[" + ", ".join(evalable_repr(item, imports) for item in obj) + "]"
    if type(obj) is dict:
        pairs = (
            f"{evalable_repr(k, imports)}: {evalable_repr(v, imports)}" for k, v in obj.items()
        )
        return "{" + ", ".join(pairs) + "}"
    if type(obj) is set and obj:
        return "{" + ", ".join(evalable_repr(item, imports) for item in obj) + "}"
    import jsonpickle

    imports.add((None, "jsonpickle"))
    return f"jsonpickle.loads({jsonpickle.dumps(obj)!r})"
