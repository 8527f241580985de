"""Big parameters: parameters that travel as files, the artifact ``dflow_bigpar_<name>``.

A template's own parameter becomes big when a big value flows through it, as in dflow 1.x: an
input given to a step's big input, or given a big value by a step running its Steps/DAG; an
output taking its value (``value_from_parameter``, either branch of an ``if_expression``) from a
big one. The parameter object is marked ``save_as_artifact``, so every reference already made
to it reads the artifact from then on, and its template's IO dicts keep it among their artifacts.
"""

from __future__ import annotations

from typing import Any, List, Optional

from .errors import InvalidWorkflowError
from .expressions import IfExpression
from .io import (
    BIG_PREFIX,
    UNSET,
    InputArtifact,
    InputParameter,
    OutputArtifact,
    OutputParameter,
    RawArtifact,
)

__all__ = ["is_big", "make_big", "add_user", "move_input", "settle_output", "big_value_error"]


def is_big(value: Any) -> bool:
    """Whether ``value`` is a reference to a big parameter (a value that travels as a file)."""
    if isinstance(value, (InputArtifact, OutputArtifact)):
        return bool(value.big_parameter)
    if isinstance(value, (InputParameter, OutputParameter)):
        return bool(value.__dict__.get("save_as_artifact"))
    return False


def make_big(param: Any) -> None:
    """Make ``param`` big: a template's own parameter moves to its template's artifacts; a
    reference through a step is only marked (it then reads the step's artifact)."""
    if not isinstance(param, (InputParameter, OutputParameter)) or is_big(param):
        return
    if isinstance(param, InputParameter):
        object.__setattr__(param, "save_as_artifact", True)
        move_input(param)
    else:
        param.save_as_artifact = True  # settles the output if it belongs to a template
    for user in param.__dict__.pop("_users", []):
        if isinstance(user, OutputParameter):
            settle_output(user)
        else:
            step, name = user
            if step.parameters.get(name) is param:
                del step.parameters[name]
                step.set_parameters({name: param})  # a nested Steps/DAG input follows


def add_user(param: Any, user: Any) -> None:
    """Remember that ``user`` (an output, or a ``(step, name)`` pair) reads the template's own
    input ``param``, so that it follows if ``param`` turns big later."""
    if not isinstance(param, InputParameter) or param._scope is not None or is_big(param):
        return
    users = param.__dict__.setdefault("_users", [])
    if not any(_same(u, user) for u in users):
        users.append(user)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, tuple) and isinstance(b, tuple):
        return a[0] is b[0] and a[1] == b[1]
    return a is b


def move_input(param: InputParameter, default_path: Optional[str] = None) -> None:
    """Put a template's big input parameter among its template's artifacts."""
    home: Any = param.__dict__.get("_home")
    owner = None if home is None else home.__dict__.get("_owner")
    key = param.name
    if owner is None or key is None or dict.get(home, key) is not param:
        return  # not (or no longer) a template's own parameter
    dict.__delitem__(home, key)
    source = getattr(param, "source", None)
    art = InputArtifact(
        path=param.path or default_path, type=param.type, big_parameter=True, source=source
    )
    if source is None and param.value is not UNSET:
        art.source = RawArtifact(param.value)  # the default travels inline
    art.__dict__["_parameter"] = param
    owner.artifacts[BIG_PREFIX + key] = art


def _sources(param: OutputParameter) -> List[Any]:
    expr = param.value_from_expression
    if isinstance(expr, IfExpression):
        return [param.value_from_parameter, expr.then, expr.otherwise]
    return [param.value_from_parameter]


def settle_output(param: OutputParameter) -> None:
    """Make a template's output big if its value comes from a big one (and then the parameters
    it comes from, as in the original), and keep the artifact it travels as up to date."""
    home: Any = param.__dict__.get("_home")
    owner = None if home is None else home.__dict__.get("_owner")
    key = param.name
    if owner is None or key is None or "value" not in param.__dict__:
        return  # not a template's own output, or still being built
    sources: List[Any] = [
        s for s in _sources(param) if isinstance(s, (InputParameter, OutputParameter))
    ]
    sources += [s for s in _sources(param) if isinstance(s, (InputArtifact, OutputArtifact))]
    big = param.save_as_artifact or any(is_big(s) for s in sources)
    for source in sources:
        add_user(source, param)
    if not big and not param.save_both:
        return
    if big and not param.save_as_artifact:
        object.__setattr__(param, "save_as_artifact", True)
    if param.save_as_artifact:
        for source in sources:
            if isinstance(source, (InputParameter, OutputParameter)) and not is_big(source):
                _follow(source)
    if all(x is None for x in (param.value_from_path, param.value_from_parameter)) and (
        param.value_from_expression is None
    ):
        return  # no source yet: the artifact comes when one is set
    art = OutputArtifact(
        path=param.value_from_path,
        _from=None if param.value_from_path else param.value_from_parameter,
        from_expression=None
        if param.value_from_path or param.value_from_parameter is not None
        else param.value_from_expression,
        type=param.type or _source_type(param),
        global_name=param.global_name,
        big_parameter=True,
    )
    art.__dict__["_parameter"] = param
    owner.artifacts[BIG_PREFIX + key] = art
    if param.save_as_artifact and dict.get(home, key) is param:
        dict.__delitem__(home, key)


def _follow(source: Any) -> None:
    """A parameter a big output takes its value from becomes big too."""
    if source._scope is None:
        make_big(source)
    else:
        object.__setattr__(source, "save_as_artifact", True)


def _source_type(param: OutputParameter) -> Any:
    for source in _sources(param):
        t = getattr(source, "type", None)
        if t is not None:
            return t
    return None


def big_value_error(where: str, value: Any) -> InvalidWorkflowError:
    """The error for a big value given where only a plain parameter can go."""
    return InvalidWorkflowError(
        f"{where} is given the big parameter {value} (a value that travels as a file); give it "
        "to a big parameter, or to a Steps/DAG input"
    )
