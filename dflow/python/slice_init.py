"""``InitArtifactForSlices``: the step that prepares a sliced step, as dflow 1.x builds it.

It runs ``dflow.python.slice_init_program`` (see there for what it writes): empty list
artifacts for the sliced step's stacked outputs (saved under ``{{workflow.name}}/<pod or group
key>/<name>``, or with ``stack=True`` under the stack key its step passes), the per-position
paths of sliced input artifacts (or their groups), the sum or concatenation of a list
parameter, and the length of looped artifacts. Its inputs and outputs
are named as the original's, so a workflow written for it wires the same way.
"""

from __future__ import annotations

import functools
import inspect
import json
from typing import Any, List, Optional

from ..config import config
from ..io import (
    InputArtifact,
    InputParameter,
    OutputArtifact,
    OutputParameter,
    S3Artifact,
    own_entries,
)
from ..names import suffixed_name
from ..op_template import PythonScriptOPTemplate
from .template import STACK_PARAMETER

__all__ = ["InitArtifactForSlices"]


class InitArtifactForSlices(PythonScriptOPTemplate):
    """The set-up step of a sliced ``template`` (a ``PythonOPTemplate``), named
    ``<template>-init-artifact``.

    Args:
        template: the sliced template (its ``inputs.artifacts`` say which inputs are optional).
        image / command / image_pull_policy: where the script runs (a util image).
        key: the sliced step's key; its outputs are then saved under the group key
            ``{{inputs.parameters.dflow_group_key}}`` instead of the pod name, so a reused
            sliced step finds them.
        sliced_output_artifact / sliced_input_artifact: the artifacts to prepare.
        sum_var / concat_var: a list parameter (its ``name`` is used) to sum / concatenate.
        auto_loop_artifacts: artifacts whose length the step reports as ``dflow_nslices``.
        group_size: slice the input artifacts into groups of this many positions.
        format: how a position is written (``"%03d"``), as the fan-out's sequence format.
        post_script: Python run after, formatted with ``tmp_root``.
        stack: save the empty outputs under ``{{inputs.parameters.dflow_stack_key}}``, the key
            a sliced step's items stack under, so that a fan-out with no items still gives its
            (empty) stacked artifacts (see ``dflow.python.stack_init``).
        name: the template's name, instead of ``<template>-init-artifact``.
    """

    def __init__(
        self,
        template: Any,
        image: Optional[str],
        command: Any,
        image_pull_policy: Optional[str],
        key: Optional[str],
        sliced_output_artifact: Optional[List[str]] = None,
        sliced_input_artifact: Optional[List[str]] = None,
        sum_var: Any = None,
        concat_var: Any = None,
        auto_loop_artifacts: Optional[List[str]] = None,
        group_size: Optional[int] = None,
        format: Optional[str] = None,
        post_script: str = "",
        tmp_root: str = "/tmp",
        stack: bool = False,
        name: Optional[str] = None,
    ) -> None:
        super().__init__(
            name=name or suffixed_name(template.name, "init-artifact"),
            image=image,
            command=command or ["python3"],
            image_pull_policy=image_pull_policy,
        )
        self.origin = self.template = template
        self.key = key
        self.sliced_output_artifact = list(sliced_output_artifact or [])
        self.sliced_input_artifact = list(sliced_input_artifact or [])
        self.sum_var = sum_var
        self.concat_var = concat_var
        self.auto_loop_artifacts = list(auto_loop_artifacts or [])
        self.group_size = group_size
        self.format = format
        self.post_script = post_script
        self.tmp_root = tmp_root
        self.stack = stack
        self._declare()
        self.render_script()

    def _declare(self) -> None:
        """The inputs and outputs, named as the original's."""
        root = self.tmp_root
        prefix = "{{workflow.name}}/{{pod.name}}"
        if self.stack:
            self.inputs.parameters[STACK_PARAMETER] = InputParameter()
            prefix = "{{inputs.parameters.%s}}" % STACK_PARAMETER
        elif self.key is not None:
            self.inputs.parameters["dflow_group_key"] = InputParameter()
            prefix = "{{workflow.name}}/{{inputs.parameters.dflow_group_key}}"
        self.outputs.parameters["dflow_artifact_key"] = OutputParameter(value=prefix)
        for name in self.sliced_output_artifact:
            self.outputs.artifacts[name] = OutputArtifact(
                path=f"{root}/outputs/artifacts/{name}",
                save=[S3Artifact(key=f"{prefix}/{name}")],
                archive=None,
            )
        if self.sliced_input_artifact and self.key is not None:
            self.inputs.parameters["dflow_key"] = InputParameter()
        for name in self.sliced_input_artifact:
            self.inputs.artifacts[name] = InputArtifact(
                path=f"{root}/inputs/artifacts/{name}", optional=True
            )
            if self.group_size is not None:
                self.outputs.artifacts[name] = OutputArtifact(
                    path=f"{root}/outputs/artifacts/{name}", archive=None, optional=True
                )
        if self.sliced_input_artifact and self.group_size is not None:
            self.outputs.parameters["dflow_ngroups"] = OutputParameter(
                value_from_path=f"{root}/outputs/parameters/dflow_ngroups", type=int
            )
        elif self.sliced_input_artifact:
            self.outputs.parameters["dflow_slices_path"] = OutputParameter(
                value_from_path=f"{root}/outputs/parameters/dflow_slices_path", type=dict
            )
        for var, prefix, kind, env in (
            (self.sum_var, "sum", int, "DFLOW_SUM_VAR"),
            (self.concat_var, "concat", list, "DFLOW_CONCAT_VAR"),
        ):
            if var is not None:
                self.inputs.parameters[var.name] = InputParameter()
                self.outputs.parameters[f"{prefix}_{var.name}"] = OutputParameter(
                    value_from_path=f"{root}/outputs/parameters/{prefix}_{var.name}", type=kind
                )
                self.envs[env] = "{{inputs.parameters.%s}}" % var.name
        if self.auto_loop_artifacts:
            for name in own_entries(self.origin.inputs.artifacts):
                if name in self.auto_loop_artifacts:
                    self.inputs.artifacts[name] = InputArtifact(
                        path=f"{root}/inputs/artifacts/{name}", optional=True
                    )
            self.outputs.parameters["dflow_nslices"] = OutputParameter(
                value_from_path=f"{root}/outputs/parameters/dflow_nslices", type=int
            )

    def _optional(self, name: str) -> bool:
        art = self.origin.inputs.artifacts.get(name)
        return bool(getattr(art, "optional", False))

    def render_script(self) -> None:
        """The script: the program of ``slice_init_program``, its settings, then ``main``; when
        there are only empty outputs to write, the one function of it that writes them."""
        settings = {
            "tmp_root": self.tmp_root,
            "catalog_dir": config.get("catalog_dir_name") or ".dflow",
            "sliced_output_artifact": self.sliced_output_artifact,
            "sliced_input_artifact": self.sliced_input_artifact,
            "required": [n for n in self.sliced_input_artifact if not self._optional(n)],
            "group_size": self.group_size,
            "format": self.format,
            "sum_var": self.sum_var.name if self.sum_var is not None else None,
            "concat_var": self.concat_var.name if self.concat_var is not None else None,
            "auto_loop_artifacts": self.auto_loop_artifacts,
            "auto_loop_required": [n for n in self.auto_loop_artifacts if not self._optional(n)],
        }
        only_outputs = not (
            self.sliced_input_artifact
            or self.auto_loop_artifacts
            or self.sum_var is not None
            or self.concat_var is not None
        )
        entry = "_init_outputs" if only_outputs else "main"
        program = _program(entry)
        self.script = (
            f"{program}\n"
            f"SETTINGS = {json.dumps(settings)!r}\n"
            f"{entry}(json.loads(SETTINGS))\n"
            f"{self.post_script.format(tmp_root=self.tmp_root)}"
        )


@functools.cache
def _program(entry: str) -> str:
    """The text of ``slice_init_program`` (read once): all of it to run ``main``, or the one
    function ``entry`` with the imports it needs."""
    from . import slice_init_program

    if entry == "main":
        return inspect.getsource(slice_init_program)
    preamble = "import json\nimport os\nfrom typing import Any, Dict\n\n\n"
    return preamble + inspect.getsource(getattr(slice_init_program, entry))
