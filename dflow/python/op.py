"""``OP``: the base class of a Python operator, with sign checks, progress and ``@OP.function``."""

from __future__ import annotations

import functools
import os
from typing import Any, Callable, Dict, Optional, cast

from .errors import SignError
from .signs import OPIO, Artifact, OPIOSign, as_sign
from .typecheck import check_artifact, check_value

__all__ = ["OP", "check_signed"]

PROGRESS_ENV = "ARGO_PROGRESS_FILE"


class OP:
    """A Python operator: declare its signs, implement ``execute``.

    Set ``self.progress_total`` and then ``self.progress_current`` inside ``execute`` to report
    progress; each assignment writes ``current/total`` to ``$ARGO_PROGRESS_FILE``.
    """

    progress_total: int = 1
    progress_current: int = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    @classmethod
    def get_input_sign(cls) -> OPIOSign:
        return OPIOSign()

    @classmethod
    def get_output_sign(cls) -> OPIOSign:
        return OPIOSign()

    def execute(self, op_in: OPIO) -> OPIO:
        raise NotImplementedError(f"OP {type(self).__name__} does not implement execute")

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if name == "progress_current":
            _write_progress(value, self.progress_total)

    @staticmethod
    def exec_sign_check(execute: Callable[[Any, OPIO], OPIO]) -> Callable[[Any, OPIO], OPIO]:
        """Decorate ``execute`` to check its input against the input sign and its output after."""

        @functools.wraps(execute)
        def checked(self: OP, op_in: OPIO) -> OPIO:
            check_signed(type(self), op_in, "input")
            op_out = execute(self, op_in)
            check_signed(type(self), op_out, "output")
            return op_out

        return checked

    @classmethod
    def function(cls, func: Optional[Callable[..., Any]] = None, **options: Any) -> Any:
        """Make an OP class from a function whose annotations are its signs.

        Parameters annotate the inputs (a type, ``Parameter``, ``BigParameter`` or ``Artifact``);
        the return annotation is a dict of output signs, and the function returns a dict.
        """
        if func is None:
            return lambda f: cls.function(f, **options)
        return _op_from_function(cls, func)


def check_signed(op_class: Any, values: Any, what: str) -> None:
    """Check ``values`` (an ``OPIO``) against the OP's input or output sign."""
    op = op_class.__name__
    sign = op_class.get_input_sign() if what == "input" else op_class.get_output_sign()
    if not isinstance(values, (dict, OPIO)):
        raise SignError(f"OP {op}: {what} should be an OPIO, got {type(values).__name__}")
    for key in sign:
        s = as_sign(sign[key])
        if key not in values:
            if isinstance(s, Artifact) and s.optional:
                continue
            if what == "input" and getattr(s, "has_default", False):
                continue
            raise SignError(f"OP {op}: {what} {key!r} is missing")
        if isinstance(s, Artifact):
            check_artifact(op, key, values[key], s, what)
        else:
            check_value(op, key, values[key], s.type, what)


def _write_progress(current: Any, total: Any) -> None:
    path = os.environ.get(PROGRESS_ENV)
    if not path:
        return
    tmp = f"{path}.{os.getpid()}.tmp"  # pool workers of one group share the progress file
    with open(tmp, "w") as f:
        f.write(f"{int(current)}/{int(total)}")
    os.replace(tmp, path)


def _op_from_function(base: type, func: Callable[..., Any]) -> type:
    import inspect

    hints: Dict[str, Any] = inspect.get_annotations(func, eval_str=True)
    returns = hints.pop("return", {})
    if not isinstance(returns, dict):
        raise SignError(
            f"OP {func.__name__}: the return annotation must be a dict of output signs, "
            f"got {returns!r}"
        )
    params = inspect.signature(func).parameters
    inputs: Dict[str, Any] = {}
    for name, p in params.items():
        if name not in hints:
            raise SignError(f"OP {func.__name__}: parameter {name!r} has no type annotation")
        sign = hints[name]
        if p.default is not inspect.Parameter.empty and not isinstance(sign, Artifact):
            sign = as_sign(sign)
            sign = cast(Any, type(sign))(sign.type, default=p.default, global_name=sign.global_name)
        inputs[name] = sign
    outputs = dict(returns)

    def get_input_sign(cls: type) -> OPIOSign:
        return OPIOSign(inputs)

    def get_output_sign(cls: type) -> OPIOSign:
        return OPIOSign(outputs)

    def execute(self: OP, op_in: OPIO) -> OPIO:
        result = func(**dict(op_in))
        return OPIO(result if result is not None else {})

    namespace = {
        "get_input_sign": classmethod(get_input_sign),
        "get_output_sign": classmethod(get_output_sign),
        "execute": execute,
        "__module__": func.__module__,
        "__qualname__": func.__qualname__,
        "__doc__": func.__doc__,
        "_dflow_function": func,
    }
    return type(func.__name__, (base,), namespace)
