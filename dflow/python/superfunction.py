"""``@OP.superfunction``: a DAG made from a function whose body calls ``@OP.function`` OPs.

The function's annotations are the DAG's input and output signs, as for ``@OP.function``. It
runs once, when decorated, inside ``with dag:`` with the DAG's own inputs as arguments, so every
OP it calls becomes a task; what it returns (references to those tasks' outputs) becomes the
DAG's outputs. The DAG is a template like any other; called inside a ``with Steps/DAG(...)``
block it adds a task (a step in a Steps) running itself, named ``<dag>-<5 random characters>``.
"""

from __future__ import annotations

import copy
from typing import Any, Callable, Dict

from ..dag import DAG
from ..errors import InvalidWorkflowError
from ..io import BIG_PREFIX, InputArtifact, InputParameter, Inputs, OutputArtifact, OutputParameter
from .function import get_sign_from_func
from .signs import Artifact, BigParameter, as_sign

__all__ = ["SuperfunctionDAG", "superfunction_dag"]


class SuperfunctionDAG(DAG):
    """The DAG of a superfunction: callable in a ``with`` block like an ``@OP.function`` OP."""

    task_kwargs: Dict[str, Any] = {}
    input_names: list = []
    from_outputs: Callable[[Dict[str, Any]], Any] = staticmethod(lambda outputs: outputs)  # type: ignore[assignment]

    def use(self, **kwargs: Any) -> SuperfunctionDAG:
        """The same DAG, whose tasks get these ``Task``/``Step`` keyword arguments."""
        clone = copy.copy(self)
        clone.task_kwargs = dict(self.task_kwargs, **kwargs)
        return clone

    def __call__(self, *args: Any, **op_in: Any) -> Any:
        from ..context_syntax import innermost_block
        from ..names import generated_name
        from ..step import Step
        from ..task import Task

        if len(args) > len(self.input_names):
            raise TypeError(
                f"{self.name}() takes {len(self.input_names)} arguments, got {len(args)}"
            )
        for key, value in zip(self.input_names, args):
            if key in op_in:
                raise TypeError(f"{self.name}() got multiple values for argument {key!r}")
            op_in[key] = value
        block = innermost_block()
        if block is None:
            raise InvalidWorkflowError(
                f"superfunction {self.name!r} can only be called inside a 'with' block of a "
                "Workflow, Steps or DAG"
            )
        artifacts = {k: v for k, v in op_in.items() if k in self.inputs.artifacts}
        parameters = {k: v for k, v in op_in.items() if k not in artifacts}
        node_type = Task if isinstance(block, DAG) else Step
        node = node_type(
            generated_name(self.name),
            self,
            parameters=parameters,
            artifacts=artifacts,
            **self.task_kwargs,
        )
        return self.from_outputs({**node.outputs.parameters, **node.outputs.artifacts})


def superfunction_dag(func: Callable[..., Any], options: Dict[str, Any]) -> SuperfunctionDAG:
    """The DAG ``func`` builds (see the module's docstring); ``options`` are ``DAG`` arguments."""
    input_sign, output_sign, to_outputs, from_outputs = get_sign_from_func(func)
    inputs = Inputs()
    for key in input_sign:
        s = as_sign(input_sign[key])
        if isinstance(s, Artifact):
            inputs.artifacts[key] = InputArtifact(type=s.type, optional=s.optional)
        elif isinstance(s, BigParameter):
            inputs.artifacts[BIG_PREFIX + key] = InputArtifact(
                path=f"/tmp/inputs/parameters/{key}", type=s.type, big_parameter=True
            )
        else:
            inputs.parameters[key] = InputParameter(
                type=s.type, **({"value": s.default} if s.has_default else {})
            )
    dag = SuperfunctionDAG(name=func.__name__.lower().replace("_", "-"), inputs=inputs, **options)
    dag.input_names = list(input_sign)
    dag.from_outputs = from_outputs  # type: ignore[method-assign]
    with dag:
        arguments = {
            key: inputs.artifacts.get(BIG_PREFIX + key) or inputs.artifacts.get(key)
            if not dict.__contains__(inputs.parameters, key)
            else inputs.parameters[key]
            for key in input_sign
        }
        returned = func(**arguments)
    outputs = to_outputs(returned) if returned is not None else {}
    for key in output_sign:
        s = as_sign(output_sign[key])
        source = outputs.get(key)
        if isinstance(s, Artifact):
            dag.outputs.artifacts[key] = OutputArtifact(type=s.type, _from=source)
        elif isinstance(s, BigParameter):
            dag.outputs.artifacts[BIG_PREFIX + key] = OutputArtifact(
                type=s.type, _from=source, big_parameter=True
            )
        else:
            extra = {"default": s.default} if s.has_default else {}
            dag.outputs.parameters[key] = OutputParameter(
                type=s.type, value_from_parameter=source, **extra
            )
    return dag
