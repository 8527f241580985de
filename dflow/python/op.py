"""``OP``: the base class of a Python operator, with sign checks, progress and ``@OP.function``."""

from __future__ import annotations

import functools
import os
from typing import Any, Callable, Dict, Optional

from .errors import SignError
from .function import get_sign_from_func, type2opiosign
from .signs import OPIO, Artifact, OPIOSign, as_sign
from .source import get_source_code
from .typecheck import check_artifact, check_value

__all__ = [
    "OP",
    "check_signed",
    "get_sign_from_func",
    "get_source_code",
    "type2opiosign",
    "with_defaults",
]

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

    # -- the running step's artifacts (inside a step only: they read $ARGO_TEMPLATE) -------------

    def get_input_artifact_storage_key(self, name: str) -> str:
        """The store key of input artifact ``name`` of the step running this OP."""
        from .artifact_links import input_artifact_key

        return input_artifact_key(name)

    def get_output_artifact_storage_key(self, name: str) -> str:
        """The store key output artifact ``name`` of the step running this OP is saved to."""
        from .artifact_links import output_artifact_key

        return output_artifact_key(name)

    def get_input_artifact_link(self, name: str) -> str:
        """The store console's page of input artifact ``name``."""
        from .artifact_links import console_link

        return console_link(self.get_input_artifact_storage_key(name))

    def get_output_artifact_link(self, name: str) -> str:
        """The store console's page of output artifact ``name``."""
        from .artifact_links import console_link

        return console_link(self.get_output_artifact_storage_key(name))

    @staticmethod
    def exec_sign_check(func: Callable[[Any, OPIO], OPIO]) -> Callable[[Any, OPIO], OPIO]:
        """Decorate ``execute`` to check its input against the input sign and its output after."""

        @functools.wraps(func)
        def checked(self: OP, op_in: OPIO) -> OPIO:
            op_in = with_defaults(type(self), op_in, "input")
            check_signed(type(self), op_in, "input")
            op_out = with_defaults(type(self), func(self, op_in), "output")
            check_signed(type(self), op_out, "output")
            return op_out

        return checked

    # -- descriptions of the OP ----------------------------------------------------------------

    @classmethod
    def get_opio_info(cls, opio_sign: Any) -> Dict[str, Any]:
        """Each entry of a sign: a sign object as it is, a bare type by its name."""
        from ..graph_format import opio_info

        return opio_info(opio_sign)

    @classmethod
    def get_info(cls) -> Dict[str, Any]:
        """``name`` (module.Class), ``inputs`` and ``outputs`` (signs as text) and ``execute``
        (the source of the code it runs)."""
        import inspect

        target = getattr(cls, "_dflow_function", None) or cls.execute
        return {
            "name": f"{cls.__module__}.{cls.__name__}",
            "inputs": {k: str(v) for k, v in cls.get_opio_info(cls.get_input_sign()).items()},
            "outputs": {k: str(v) for k, v in cls.get_opio_info(cls.get_output_sign()).items()},
            "execute": "".join(inspect.getsourcelines(target)[0]),
        }

    @classmethod
    def convert_to_graph(cls) -> Dict[str, Any]:
        """The OP in a workflow's graph: ``module``, ``name``, its signs and its source."""
        from ..graph_format import op_graph

        return op_graph(cls)

    @staticmethod
    def from_graph(graph: Dict[str, Any]) -> Any:
        """The OP class a ``convert_to_graph`` dict names: imported, or defined by its source."""
        from ..graph_format import op_from_graph

        return op_from_graph(graph)

    @classmethod
    def function(cls, func: Optional[Callable[..., Any]] = None, **options: Any) -> Any:
        """Make an OP from a function whose annotations are its signs (see ``function``).

        As in the original it gives an OP *instance*: ``PythonOPTemplate(f)`` runs it, ``f(...)``
        calls the function through the sign checks. ``options`` are ``PythonOPTemplate``
        arguments its templates take by default (``@OP.function(image="...")``).
        """
        if func is None:
            return lambda f: cls.function(f, **options)
        from .function import function_op

        return function_op(cls, func, options)

    @classmethod
    def superfunction(cls, func: Optional[Callable[..., Any]] = None, **options: Any) -> Any:
        """Make a DAG from a function that calls ``@OP.function`` OPs (see ``superfunction``).

        The function runs once, now, with the DAG's inputs as arguments: each OP it calls adds a
        task, and what it returns becomes the DAG's outputs. Calling the DAG inside a ``with``
        block adds a task (a step in a Steps) running it; ``options`` are ``DAG`` arguments.
        """
        if func is None:
            return lambda f: cls.superfunction(f, **options)
        from .superfunction import superfunction_dag

        return superfunction_dag(func, options)


def with_defaults(op_class: Any, values: Any, what: str) -> Any:
    """``values`` with what the caller may leave out filled in, as the original does: the
    default of a ``Parameter(T, default=v)``, and None for a missing optional input artifact."""
    if not isinstance(values, (dict, OPIO)):
        return values  # check_signed names the mistake
    sign = op_class.get_input_sign() if what == "input" else op_class.get_output_sign()
    missing = [key for key in sign if key not in values]
    if not missing:
        return values
    filled = OPIO(values)
    for key in missing:
        s = as_sign(sign[key])
        if isinstance(s, Artifact):
            if s.optional and what == "input":
                filled[key] = None
        elif s.has_default:
            filled[key] = s.default
    return filled


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
        elif values[key] is not None:  # None passes any parameter's check, as in the original
            check_value(op, key, values[key], s.type, what)


def _write_progress(current: Any, total: Any) -> None:
    path = os.environ.get(PROGRESS_ENV)
    if not path:
        return
    tmp = f"{path}.{os.getpid()}.tmp"  # pool workers of one group share the progress file
    with open(tmp, "w") as f:
        f.write(f"{int(current)}/{int(total)}")
    os.replace(tmp, path)
