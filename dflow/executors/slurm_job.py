"""``SlurmJob``: run a step as a wlm-operator ``SlurmJob`` custom resource
(``Step(use_resource=SlurmJob(...))``): the step's script becomes the job's batch script."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Union

from ..errors import InvalidWorkflowError
from ..op_template import OPTemplate, ScriptOPTemplate
from ..resource import Resource
from .paths import rewrite_tmp, tmp_token
from .shell import heredoc, q, words
from .slurm import check_header

__all__ = ["SlurmJob"]


class SlurmJob(Resource):
    """Creates a ``SlurmJob`` (``wlm.sylabs.io/v1alpha1``) running the step's script on a Slurm
    cluster behind the wlm-operator, and waits until its ``status.status`` is ``Succeeded``.

    Args:
        header: ``#SBATCH`` lines of the job (a ``#!`` first line picks its interpreter).
        node_selector: the virtual node of the partition, e.g.
            ``{"kubernetes.io/hostname": "slurm-minikube-v100"}``.
        prepare / results: the job's ``spec.prepare`` / ``spec.results`` (data staging by the
            operator: a volume ``mount`` and a path ``to`` / ``from``), passed as given.
        map_tmp_dir: the script's ``/tmp`` paths point into ``<workdir>/tmp`` on the cluster.
        workdir: the directory of the job on the cluster (relative to the submit directory).
        remote_command: the interpreter of the script on the cluster, instead of the
            template's command.
        docker_executable / singularity_executable / podman_executable: run the script in the
            template's image with this container runtime on the cluster.
    """

    def __init__(
        self,
        header: str = "",
        node_selector: Optional[Dict[str, str]] = None,
        prepare: Optional[Dict[str, Any]] = None,
        results: Optional[Dict[str, Any]] = None,
        map_tmp_dir: bool = True,
        workdir: str = ".",
        remote_command: Union[str, List[str], None] = None,
        docker_executable: Optional[str] = None,
        singularity_executable: Optional[str] = None,
        podman_executable: Optional[str] = None,
    ) -> None:
        super().__init__(
            action="create",
            success_condition="status.status == Succeeded",
            failure_condition="status.status == Failed",
        )
        self.header_lines = check_header(header, "SlurmJob")
        self.header = header
        self.node_selector = dict(node_selector or {})
        self.prepare = prepare
        self.results = results
        self.map_tmp_dir = map_tmp_dir
        if not workdir or "\n" in workdir:
            raise InvalidWorkflowError(f"SlurmJob: workdir {workdir!r} must be a path")
        self.workdir = workdir
        if isinstance(remote_command, str):
            remote_command = [remote_command]
        self.remote_command = list(remote_command) if remote_command else None
        runtimes = [
            (kind, exe)
            for kind, exe in (
                ("docker", docker_executable),
                ("singularity", singularity_executable),
                ("podman", podman_executable),
            )
            if exe
        ]
        if len(runtimes) > 1:
            raise InvalidWorkflowError(
                "SlurmJob: give one of docker_executable, singularity_executable, podman_executable"
            )
        self.container = runtimes[0] if runtimes else None

    def get_manifest(self, template: OPTemplate) -> Dict[str, Any]:
        """The ``SlurmJob`` object whose batch script runs ``template``'s script."""
        if not isinstance(template, ScriptOPTemplate):
            raise InvalidWorkflowError(
                f"SlurmJob on template {template.name!r}: only script templates can run as "
                f"Slurm jobs, got {type(template).__name__}"
            )
        script = template.script
        if self.map_tmp_dir:
            token = tmp_token(template)
            # the batch script runs the step from inside the workdir
            script = rewrite_tmp(script, token).replace(token, "./tmp")
        lines: List[str] = list(self.header_lines)
        shebang = lines.pop(0) if lines and lines[0].startswith("#!") else "#!/bin/sh"
        command = self.remote_command or template.command
        if self.container is not None:
            if not template.image:
                raise InvalidWorkflowError(
                    f"SlurmJob on template {template.name!r}: a container runtime needs the "
                    "template's image"
                )
            from .container import container_run

            run = container_run(
                self.container[0],
                self.container[1],
                template.image,
                command,
                '"$(pwd)"/script',
                template.image_pull_policy,
                mounts=['"$(pwd)":"$(pwd)"'],
                share_tmp=False,
            ).rstrip("\n")
        else:
            run = f"{words(command)} script"
        batch = "\n".join(
            [
                shebang,
                *lines,
                f"mkdir -p {q(self.workdir)} && cd {q(self.workdir)} || exit 1",
                heredoc("script", script).rstrip("\n"),
                run,
            ]
        )
        spec: Dict[str, Any] = {"batch": batch + "\n"}
        if self.node_selector:
            spec["nodeSelector"] = dict(self.node_selector)
        if self.prepare is not None:
            spec["prepare"] = self.prepare
        if self.results is not None:
            spec["results"] = self.results
        return {
            "apiVersion": "wlm.sylabs.io/v1alpha1",
            "kind": "SlurmJob",
            "metadata": {"name": "{{pod.name}}"},
            "spec": spec,
        }
