"""``SlurmJobTemplate``: run a step as a Slurm job on a wlm-operator virtual node.

The wlm-operator shows each Slurm partition as a virtual Kubernetes node; a pod scheduled there
is submitted to Slurm with its script as the batch script. So the rendered copy is the same
script template with the ``#SBATCH`` header on top, a node selector choosing the partition's
node, and the toleration of the virtual node's taint. See ``manifests/wlm-operator/``.
"""

from __future__ import annotations

import hashlib
import os
from typing import Dict, List, Optional

from ..errors import InvalidWorkflowError
from ..executor import Executor
from ..op_template import OPTemplate, ScriptOPTemplate
from .slurm import check_header

__all__ = ["SlurmJobTemplate", "VIRTUAL_NODE_TOLERATION"]

VIRTUAL_NODE_TOLERATION = {
    "key": "virtual-kubelet.io/provider",
    "operator": "Equal",
    "value": "slurm-agent",
    "effect": "NoSchedule",
}


class SlurmJobTemplate(Executor):
    """Runs the step as a Slurm job through the wlm-operator.

    Args:
        header: ``#SBATCH`` lines of the job (a ``#!`` first line picks the interpreter line).
        node_selector: labels of the virtual node of the partition, e.g.
            ``{"kubernetes.io/hostname": "slurm-minikube-v100"}``.
    """

    def __init__(
        self,
        header: str = "",
        node_selector: Optional[Dict[str, str]] = None,
        prepare_image: Optional[str] = None,
        prepare_image_pull_policy: Optional[str] = None,
        collect_image: Optional[str] = None,
        collect_image_pull_policy: Optional[str] = None,
        workdir: Optional[str] = None,
        remote_command: Optional[str] = None,
        docker_executable: Optional[str] = None,
        singularity_executable: Optional[str] = None,
        podman_executable: Optional[str] = None,
    ) -> None:
        staged = {
            "prepare_image": prepare_image,
            "prepare_image_pull_policy": prepare_image_pull_policy,
            "collect_image": collect_image,
            "collect_image_pull_policy": collect_image_pull_policy,
            "workdir": workdir,
            "remote_command": remote_command,
            "docker_executable": docker_executable,
            "singularity_executable": singularity_executable,
            "podman_executable": podman_executable,
        }
        given = [k for k, v in staged.items() if v is not None]
        if given:
            raise InvalidWorkflowError(
                f"SlurmJobTemplate: {', '.join(given)} not supported: the step's pod itself runs "
                "as the Slurm job on the wlm-operator's virtual node, with no data staging steps "
                "around it; use SlurmRemoteExecutor to run on a cluster over SSH"
            )
        self.header_lines = check_header(header, "SlurmJobTemplate")
        self.header = header
        self.node_selector = dict(node_selector or {})

    def render(self, template: OPTemplate) -> OPTemplate:
        if not isinstance(template, ScriptOPTemplate):
            raise InvalidWorkflowError(
                f"SlurmJobTemplate on template {template.name!r}: only script templates can run "
                f"as Slurm jobs, got {type(template).__name__}"
            )
        lines: List[str] = list(self.header_lines)
        if lines and lines[0].startswith("#!"):
            shebang = lines.pop(0)
        elif template.command and os.path.basename(template.command[0]) not in ("sh",):
            shebang = f"#!/usr/bin/env {os.path.basename(template.command[0])}"
        else:
            shebang = "#!/bin/sh"
        script = "\n".join([shebang, *lines, template.script])
        digest = hashlib.sha1(
            f"{self.header_lines}\0{sorted(self.node_selector.items())}".encode()
        ).hexdigest()[:8]
        suffix = f"slurm-job-{digest}"
        name = f"{template.name[: 56 - len(suffix)].rstrip('-.')}-{suffix}"
        selector = dict(template.node_selector or {})
        selector.update(self.node_selector)
        tolerations = list(template.tolerations or [])
        if VIRTUAL_NODE_TOLERATION not in tolerations:
            tolerations.append(dict(VIRTUAL_NODE_TOLERATION))
        return template.replace(
            name=name, script=script, node_selector=selector or None, tolerations=tolerations
        )
