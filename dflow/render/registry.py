"""The templates of one workflow by name; two different templates under one name is an error."""

from __future__ import annotations

from typing import Any, Dict, List, NoReturn

from ..errors import InvalidWorkflowError
from ..names import suffixed_name

KEY_PARAMETER = "dflow_key"
KEY_MEMO = "{{inputs.parameters.dflow_key}}"


def _without_key(body: Dict[str, Any]) -> Dict[str, Any]:
    params = body.get("inputs", {}).get("parameters", [])
    if not any(p["name"] == KEY_PARAMETER for p in params):
        return body
    inputs = dict(body["inputs"])
    inputs["parameters"] = [p for p in params if p["name"] != KEY_PARAMETER]
    if not inputs["parameters"]:
        del inputs["parameters"]
    stripped = dict(body, inputs=inputs)
    if not inputs:
        del stripped["inputs"]
    if stripped.get("memoize", {}).get("key") == KEY_MEMO:
        del stripped["memoize"]
    return stripped


def _same_but_key(a: Dict[str, Any], b: Dict[str, Any]) -> bool:
    return bool(a) and _without_key(a) == _without_key(b)


class TemplateRegistry:
    """Collects rendered templates in first-use order and checks that names are unique."""

    def __init__(self) -> None:
        self.bodies: Dict[str, Dict[str, Any]] = {}
        self.users: Dict[str, str] = {}
        self.cache: Dict[Any, str] = {}  # (id(template), variant) -> name, to render once

    def reserve(self, name: str, user: str) -> bool:
        """Claim ``name`` before rendering a composite template (which may contain itself)."""
        if name in self.bodies:
            return False
        self.bodies[name] = {}
        self.users[name] = user
        return True

    def add(self, body: Dict[str, Any], user: str, renamable: bool = False) -> str:
        """Register ``body``; returns the name it goes by. A ``renamable`` template (its name was
        made from its OP, not given) that differs from another of that name takes the next free
        ``<name>-<n>`` instead of clashing (the original names such templates at random)."""
        if not renamable:
            return self._add(body, user)
        name = body["name"]
        for n in range(1, 1000):
            candidate = name if n == 1 else suffixed_name(name, str(n))
            existing = self.bodies.get(candidate)
            renamed = body if candidate == name else dict(body, name=candidate)
            if existing is None or existing == renamed or _same_but_key(existing, renamed):
                return self._add(renamed, user)
        return self._add(body, user)

    def _add(self, body: Dict[str, Any], user: str) -> str:
        name = body["name"]
        existing = self.bodies.get(name)
        composite = "steps" in body or "dag" in body
        if existing is None or (existing == {} and composite):
            self.bodies[name] = body
            self.users.setdefault(name, user)
            return name
        if existing == {}:  # a Steps/DAG being rendered holds the name
            self._clash(name, f"{user} (a leaf template)")
        if existing == body:
            return name
        # The same template used with and without a key: keep the keyed form.
        if _same_but_key(existing, body):
            if len(str(body)) > len(str(existing)):
                self.bodies[name] = body
            return name
        self._clash(name, user)

    def _clash(self, name: str, user: str) -> NoReturn:
        raise InvalidWorkflowError(
            f"two different templates are named {name!r}: one used by {self.users[name]}, "
            f"another by {user}; give one of them another name"
        )

    def templates(self) -> List[Dict[str, Any]]:
        return list(self.bodies.values())
