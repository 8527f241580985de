"""Small templates shared by the local engine tests."""

from __future__ import annotations

from dflow import (
    InputParameter,
    Inputs,
    OutputParameter,
    Outputs,
    PythonScriptOPTemplate,
    ShellOPTemplate,
)


def shell(name: str, script: str, inputs=(), outputs=(), **kw) -> ShellOPTemplate:
    """A shell template whose outputs are read from /tmp/outputs/<name>."""
    return ShellOPTemplate(
        name=name,
        image="alpine:3",
        script=script,
        inputs=Inputs(parameters={p: InputParameter() for p in inputs}),
        outputs=Outputs(
            parameters={p: OutputParameter(value_from_path=f"/tmp/outputs/{p}") for p in outputs}
        ),
        **kw,
    )


def python(name: str, script: str, inputs=(), outputs=(), **kw) -> PythonScriptOPTemplate:
    return PythonScriptOPTemplate(
        name=name,
        image="python:3.11",
        script=script,
        inputs=Inputs(parameters={p: InputParameter() for p in inputs}),
        outputs=Outputs(
            parameters={p: OutputParameter(value_from_path=f"/tmp/outputs/{p}") for p in outputs}
        ),
        **kw,
    )


def out(step, name: str):
    """An output parameter value of a queried step."""
    return step.outputs.parameters[name].value
