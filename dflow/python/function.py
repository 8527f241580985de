"""``@OP.function``: an OP made from a plain annotated function, as an OP instance.

The parameters' annotations are the input signs (a type, ``Parameter``, ``BigParameter`` or
``Artifact``; none is ``Any``); a Python default becomes the sign's default (``None`` makes an
``Artifact`` optional). The return annotation gives the outputs: a dict of signs, a ``TypedDict``
or ``NamedTuple`` class (its fields), ``Tuple[A, B]`` (``dflow_output_0``, ``dflow_output_1``),
any other type (``dflow_output``), or none at all.

Called inside a ``with Steps/DAG/Workflow(...)`` block, the object does not run the function: it
adds a step (a task in a DAG) named ``<function>-<5 random characters>`` running it there, and
gives its outputs by name (references to pass on). ``op.use(**kwargs)`` is a copy whose steps get
those ``Step``/``Task`` keyword arguments (``key=``, ``executor=``, ...).
"""

from __future__ import annotations

import copy
import inspect
import typing
from typing import Any, Callable, Dict, Tuple

from ..context_syntax import innermost_block
from ..names import generated_name
from .errors import SignError
from .signs import OPIO, Artifact, OPIOSign, Parameter, as_sign

__all__ = ["function_op", "get_sign_from_func", "type2opiosign"]


def _input_signs(func: Callable[..., Any]) -> Dict[str, Any]:
    hints: Dict[str, Any] = inspect.get_annotations(func, eval_str=True)
    signs: Dict[str, Any] = {}
    for name, p in inspect.signature(func).parameters.items():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise SignError(f"OP {func.__name__}: *{name} cannot be an input of an OP")
        sign = hints.get(name, Any)
        if p.default is not inspect.Parameter.empty:
            if isinstance(sign, Artifact):
                if p.default is None:
                    sign = copy.copy(sign)
                    sign.optional = True
            elif isinstance(sign, Parameter):
                sign = copy.copy(sign)
                sign.default = p.default
            else:
                sign = Parameter(sign, default=p.default)
        signs[name] = sign
    return signs


def _output_signs(func: Callable[..., Any]) -> Tuple[Dict[str, Any], Callable[[Any], Any]]:
    """The output signs, and how the function's return value becomes the OP's outputs."""
    sign, to_outputs, _ = type2opiosign(inspect.get_annotations(func, eval_str=True).get("return"))
    return dict(sign), to_outputs


def type2opiosign(
    t: Any,
) -> Tuple[OPIOSign, Callable[[Any], Dict[str, Any]], Callable[[Dict[str, Any]], Any]]:
    """The output signs a return annotation gives, with the maps return value -> outputs and back.

    A dict of signs or a ``TypedDict`` class maps as it is, a ``NamedTuple`` class by its fields,
    ``Tuple[A, B]`` to ``dflow_output_0``, ``dflow_output_1``, ``None`` to no outputs, and any
    other annotation to the one output ``dflow_output``.
    """
    if t is None:
        return OPIOSign(), lambda value: {}, lambda outputs: None
    if isinstance(t, dict):
        return OPIOSign(dict(t)), lambda value: value, lambda outputs: outputs
    fields = _fields(t)
    if isinstance(t, type) and fields is not None and issubclass(t, dict):
        return OPIOSign(dict(fields)), lambda value: value, lambda outputs: outputs
    if isinstance(t, type) and fields is not None and issubclass(t, tuple):
        names = list(fields)
        return (
            OPIOSign(dict(fields)),
            lambda value: dict(zip(names, value)),
            lambda outputs: tuple(outputs[n] for n in names),
        )
    if typing.get_origin(t) is tuple:
        args = typing.get_args(t)
        keys = [f"dflow_output_{i}" for i in range(len(args))]
        return (
            OPIOSign(dict(zip(keys, args))),
            lambda value: dict(zip(keys, value)),
            lambda outputs: tuple(outputs[k] for k in keys),
        )
    return (
        OPIOSign({"dflow_output": t}),
        lambda value: {"dflow_output": value},
        lambda outputs: outputs["dflow_output"],
    )


def _fields(t: Any) -> Any:
    """The annotated fields of a ``TypedDict``/``NamedTuple`` class, string annotations resolved."""
    if getattr(t, "__annotations__", None) is None:
        return None
    try:
        return typing.get_type_hints(t)
    except (NameError, TypeError):
        return dict(t.__annotations__)


def get_sign_from_func(
    func: Callable[..., Any],
) -> Tuple[OPIOSign, OPIOSign, Callable[[Any], Dict[str, Any]], Callable[[Dict[str, Any]], Any]]:
    """The input and output signs of an annotated function, with ``type2opiosign``'s two maps."""
    output_sign, to_outputs, from_outputs = type2opiosign(
        inspect.get_annotations(func, eval_str=True).get("return")
    )
    return OPIOSign(_input_signs(func)), output_sign, to_outputs, from_outputs


def function_op(base: type, func: Callable[..., Any], options: Dict[str, Any]) -> Any:
    """An instance of a new ``base`` subclass that runs ``func``; calling it runs ``func``."""
    inputs = _input_signs(func)
    outputs, to_outputs = _output_signs(func)

    def get_input_sign(cls: type) -> OPIOSign:
        return OPIOSign(copy.deepcopy(inputs))

    def get_output_sign(cls: type) -> OPIOSign:
        return OPIOSign(copy.deepcopy(outputs))

    def execute(self: Any, op_in: OPIO) -> OPIO:
        result = func(**dict(op_in))
        return OPIO(to_outputs(result) if result is not None else {})

    def call(self: Any, *args: Any, **op_in: Any) -> Any:
        names = list(inputs)
        if len(args) > len(names):
            raise TypeError(f"{func.__name__}() takes {len(names)} arguments, got {len(args)}")
        for name, value in zip(names, args):
            if name in op_in:
                raise TypeError(f"{func.__name__}() got multiple values for argument {name!r}")
            op_in[name] = value
        block = innermost_block()
        if block is not None:
            return _add_to_block(self, block, op_in)
        return self.execute(OPIO(op_in))

    def use(self: Any, **kwargs: Any) -> Any:
        clone = copy.copy(self)
        clone.task_kwargs = dict(self.task_kwargs, **kwargs)
        return clone

    namespace = {
        "get_input_sign": classmethod(get_input_sign),
        "get_output_sign": classmethod(get_output_sign),
        "execute": base.exec_sign_check(execute),  # type: ignore[attr-defined]
        "__call__": call,
        "use": use,
        "task_kwargs": {},
        "__module__": func.__module__,
        "__qualname__": func.__qualname__,
        "__doc__": func.__doc__,
        "_dflow_function": func,
        "func": staticmethod(func),
        "template_options": dict(options),
    }
    return type(func.__name__, (base,), namespace)()


def _is_artifact(sign: Any) -> bool:
    return isinstance(as_sign(sign), Artifact)


def _add_to_block(op: Any, block: Any, op_in: Dict[str, Any]) -> Dict[str, Any]:
    """Add a step (a task in a DAG) running ``op`` to ``block``; its outputs by name."""
    from ..dag import DAG
    from ..step import Step
    from ..task import Task
    from .template import PythonOPTemplate

    inputs = type(op).get_input_sign()
    unknown = [k for k in op_in if k not in inputs]
    if unknown:
        raise TypeError(f"{type(op).__name__}() got unexpected arguments {unknown}")
    node_type = Task if isinstance(block, DAG) else Step
    name = generated_name(type(op).__name__.lower().replace("_", "-").strip("-") or "op")
    node = node_type(
        name,
        PythonOPTemplate(op),
        parameters={k: v for k, v in op_in.items() if not _is_artifact(inputs[k])},
        artifacts={k: v for k, v in op_in.items() if _is_artifact(inputs[k])},
        **op.task_kwargs,
    )
    outputs: Dict[str, Any] = {}
    for key, sign in type(op).get_output_sign().items():
        kind = node.outputs.artifacts if _is_artifact(sign) else node.outputs.parameters
        outputs[key] = kind[key]
    return outputs
