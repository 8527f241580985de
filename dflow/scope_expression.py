"""``Expression``: a Python-syntax expression over the values a Steps or DAG already knows.

dflow 1.x's debug runner evaluates ``when`` conditions and loop lists this way; the class stays
for scripts that evaluate such text themselves: ``Expression("inputs.parameters['n'] + 1")
.eval(steps)`` reads the template's input values and its steps' (or tasks') known outputs.
"""

from __future__ import annotations

from typing import Any, Dict

from .io import UNSET
from .io_dicts import ObjectDict

__all__ = ["Expression"]


class Expression:
    """An expression text; ``eval(scope)`` computes it over what ``scope`` knows."""

    def __init__(self, expr: str) -> None:
        self.expr = expr

    def __repr__(self) -> str:
        return self.expr

    def eval(self, scope: Any) -> Any:
        """The value of the expression, with ``inputs``, ``steps`` and ``tasks`` as names.

        ``inputs.parameters`` are the input values of ``scope`` (a Steps or DAG); ``steps`` /
        ``tasks`` map each inner step / task to the output parameters that carry a value and
        the output artifacts that have a local path.
        """
        from .dag import DAG
        from .steps import Steps

        names: Dict[str, Any] = {
            "inputs": ObjectDict(parameters=_values(scope.inputs.parameters)),
            "steps": ObjectDict(),
            "tasks": ObjectDict(),
        }
        if isinstance(scope, Steps):
            names["steps"] = _outputs_of(step for group in scope.steps for step in group)
        if isinstance(scope, DAG):
            names["tasks"] = _outputs_of(scope.tasks)
        try:
            return eval(self.expr, names)  # noqa: S307 - the workflow author's own expression
        except Exception as e:  # noqa: BLE001 - any failure is a bad expression
            raise RuntimeError(
                f"Failed to evaluate expression {self.expr} with variables {names}"
            ) from e


def _values(parameters: Dict[str, Any]) -> ObjectDict:
    return ObjectDict(
        {k: p.value for k, p in parameters.items() if getattr(p, "value", UNSET) is not UNSET}
    )


def _outputs_of(steps: Any) -> ObjectDict:
    known = ObjectDict()
    for step in steps:
        outputs = step.outputs
        artifacts = {
            k: a.local_path for k, a in outputs.artifacts.items() if hasattr(a, "local_path")
        }
        known[step.name] = ObjectDict(
            outputs=ObjectDict(
                parameters=_values(outputs.parameters), artifacts=ObjectDict(artifacts)
            )
        )
    return known
