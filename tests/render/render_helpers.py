"""Small templates shared by the rendering tests."""

from __future__ import annotations

from dflow import (
    InputArtifact,
    InputParameter,
    Inputs,
    OutputArtifact,
    OutputParameter,
    Outputs,
    ShellOPTemplate,
)


def echo_template(name: str = "echo") -> ShellOPTemplate:
    """Takes ``msg`` and an optional artifact ``data``; gives ``out`` and the file ``f``."""
    return ShellOPTemplate(
        name=name,
        image="alpine:3",
        script="echo {{inputs.parameters.msg}} > /tmp/out.txt",
        inputs=Inputs(
            parameters={"msg": InputParameter()},
            artifacts={"data": InputArtifact(path="/tmp/data", optional=True)},
        ),
        outputs=Outputs(
            parameters={"out": OutputParameter(value_from_path="/tmp/out.txt")},
            artifacts={"f": OutputArtifact(path="/tmp/out.txt")},
        ),
    )


def by_name(manifest: dict) -> dict:
    """The manifest's templates by name."""
    return {t["name"]: t for t in manifest["spec"]["templates"]}
