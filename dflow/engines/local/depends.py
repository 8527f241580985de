"""DAG task dependencies: Argo's ``dependencies`` list and its ``depends`` logic.

``depends`` is a small boolean language: task names, optionally with a result
(``a.Succeeded``, ``a.Failed``, ``a.Errored``, ``a.Skipped``, ``a.Omitted``, ``a.Daemoned``,
``a.AnySucceeded``, ``a.AllFailed``), joined by ``&&``, ``||``, ``!`` and parentheses. A bare name
means the task succeeded, was skipped, or failed under ``continueOn``.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, Mapping, Set

from ...errors import InvalidWorkflowError

__all__ = ["dependency_names", "dependencies_met", "check_depends", "find_cycle", "TaskResult"]

_TOKEN = re.compile(r"\s*(?:(&&|\|\|)|([!()])|([A-Za-z0-9][A-Za-z0-9-]*)(?:\.([A-Za-z]+))?)")
_RESULTS = {
    "Succeeded",
    "Failed",
    "Errored",
    "Skipped",
    "Omitted",
    "Daemoned",
    "AnySucceeded",
    "AllFailed",
}


class TaskResult:
    """What ``depends`` may ask about a finished task."""

    def __init__(self, phase: str, continued: bool, item_phases: List[str]) -> None:
        self.phase = phase
        self.continued = continued  # failed, but its continueOn covers the failure
        self.item_phases = item_phases

    def test(self, result: str) -> bool:
        phase = self.phase
        if result == "":
            return phase in ("Succeeded", "Skipped") or self.continued
        if result == "Errored":
            return phase == "Error"
        if result == "AnySucceeded":
            return "Succeeded" in self.item_phases
        if result == "AllFailed":
            return bool(self.item_phases) and all(
                p in ("Failed", "Error") for p in self.item_phases
            )
        return phase == result


def _tokens(text: str, task: str) -> List[Any]:
    out: List[Any] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise InvalidWorkflowError(f"task {task!r}: cannot parse depends {text!r} at {pos}")
        op, punct, name, result = m.groups()
        if name is not None:
            if result is not None and result not in _RESULTS:
                raise InvalidWorkflowError(
                    f"task {task!r}: depends {text!r}: unknown result {result!r} of {name!r}"
                )
            out.append((name, result or ""))
        else:
            out.append(op or punct)
        pos = m.end()
    return out


def dependency_names(task: Mapping[str, Any]) -> Set[str]:
    """The tasks a task waits for."""
    if "depends" in task:
        return {t[0] for t in _tokens(task["depends"], task["name"]) if isinstance(t, tuple)}
    return {d.split(".")[0] for d in task.get("dependencies") or ()}


def dependencies_met(task: Mapping[str, Any], results: Dict[str, TaskResult]) -> bool:
    """Whether a task whose dependencies have all finished should run."""
    if "depends" not in task:
        return all(results[d].test("") for d in dependency_names(task))
    tokens = _tokens(task["depends"], task["name"])
    pos = 0

    def peek() -> Any:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> Any:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def binary(op: str, lower: Callable[[], bool]) -> Callable[[], bool]:
        def parse() -> bool:
            value = lower()
            while peek() == op:
                take()
                right = lower()
                value = (value and right) if op == "&&" else (value or right)
            return value

        return parse

    def unary() -> bool:
        tok = take() if peek() is not None else None
        if tok == "!":
            return not unary()
        if tok == "(":
            value = disjunction()
            if peek() != ")":
                raise InvalidWorkflowError(f"task {task['name']!r}: unbalanced depends")
            take()
            return value
        if isinstance(tok, tuple):
            name, result = tok
            if name not in results:
                raise InvalidWorkflowError(
                    f"task {task['name']!r} depends on {name!r}, which is not a task of its DAG"
                )
            return results[name].test(result)
        raise InvalidWorkflowError(
            f"task {task['name']!r}: cannot parse depends {task['depends']!r}"
        )

    conjunction = binary("&&", unary)
    disjunction = binary("||", conjunction)
    value = disjunction()
    if pos != len(tokens):
        raise InvalidWorkflowError(
            f"task {task['name']!r}: cannot parse depends {task['depends']!r}"
        )
    return value


def check_depends(task: Mapping[str, Any], names: Set[str]) -> None:
    """Parse a task's ``depends`` in full; raises InvalidWorkflowError naming the task if bad.

    ``names`` are the tasks it waits for, each of which must be a task of its DAG.
    """
    if "depends" in task:
        dependencies_met(task, {n: TaskResult("Succeeded", False, []) for n in names})


def find_cycle(deps: Mapping[str, Set[str]]) -> List[str]:
    """The tasks of a dependency cycle in ``deps`` (task -> tasks it waits for), or ``[]``."""
    state: Dict[str, int] = {}  # 1: on the current path, 2: done
    path: List[str] = []

    def visit(n: str) -> List[str]:
        state[n] = 1
        path.append(n)
        for d in sorted(deps.get(n, ())):
            if state.get(d) == 1:
                return path[path.index(d) :]
            if d not in state:
                found = visit(d)
                if found:
                    return found
        path.pop()
        state[n] = 2
        return []

    for n in sorted(deps):
        if n not in state:
            found = visit(n)
            if found:
                return found
    return []
