"""``ContainerExecutor``: run a step's script inside its image with docker, podman or singularity.

For machines where steps run on the host (the local engine, a login node): the rendered copy is
a shell script that writes the original script to a file and runs it with the template's
``command`` in a container of the template's ``image``, with ``/tmp`` (where dflow keeps a
step's inputs and outputs) shared with the container.
"""

from __future__ import annotations

import hashlib
from typing import List, Optional

from ..errors import InvalidWorkflowError
from ..executor import Executor
from ..op_template import OPTemplate, ScriptOPTemplate
from .shell import heredoc, q, words

__all__ = ["ContainerExecutor", "container_run"]

PULL_POLICIES = ("Always", "IfNotPresent", "Never")


def container_run(
    runtime: str,
    executable: str,
    image: str,
    command: List[str],
    script_path: str,
    image_pull_policy: Optional[str] = None,
    mounts: Optional[List[str]] = None,
    quoted_command: bool = False,
    share_tmp: bool = True,
) -> str:
    """Shell lines running ``command <script>`` in ``image`` with the container ``runtime``
    (``docker``, ``podman`` or ``singularity``, started as ``executable``). ``script_path`` is a
    shell expression (it may use variables); ``mounts`` are more ``host:container`` binds as
    shell words; ``share_tmp`` shares ``/tmp`` too; ``quoted_command``: ``command`` is shell
    words already."""
    if image_pull_policy is not None and image_pull_policy not in PULL_POLICIES:
        raise InvalidWorkflowError(
            f"image_pull_policy {image_pull_policy!r} is not one of {', '.join(PULL_POLICIES)}"
        )
    binds = [q("/tmp:/tmp")] if share_tmp else []
    binds += [f"{script_path}:/dflow-script", *(mounts or [])]
    argv = " ".join(command) if quoted_command else words(command)
    exe = q(executable)
    lines: List[str] = []
    if runtime == "singularity":
        source = image if "://" in image else f"docker://{image}"
        sif = "dflow-image-" + hashlib.sha1(image.encode()).hexdigest()[:12] + ".sif"
        if image_pull_policy == "Always":
            lines.append(f"rm -f /tmp/{sif}")
        if image_pull_policy != "Never":
            lines.append(f"[ -f /tmp/{sif} ] || {exe} pull /tmp/{sif} {q(source)}")
        bind = " ".join(f"--bind {b}" for b in binds)
        lines.append(f"{exe} exec {bind} /tmp/{sif} {argv} /dflow-script")
        return "\n".join(lines) + "\n"
    if runtime not in ("docker", "podman"):
        raise InvalidWorkflowError(f"unknown container runtime {runtime!r}")
    if image_pull_policy == "Always":
        lines.append(f"{exe} pull {q(image)}")
    elif image_pull_policy != "Never":
        lines.append(f"{exe} image inspect {q(image)} >/dev/null 2>&1 || {exe} pull {q(image)}")
    volumes = " ".join(f"-v {b}" for b in binds)
    lines.append(f"{exe} run --rm {volumes} {q(image)} {argv} /dflow-script")
    return "\n".join(lines) + "\n"


class ContainerExecutor(Executor):
    """Runs a script template's script in a container of its image (give one runtime).

    Args:
        docker / singularity / podman: the executable of the container runtime to use.
        image_pull_policy: ``Always``, ``IfNotPresent`` (pull when missing, the default) or
            ``Never``.
    """

    def __init__(
        self,
        docker: Optional[str] = None,
        singularity: Optional[str] = None,
        podman: Optional[str] = None,
        image_pull_policy: Optional[str] = None,
    ) -> None:
        given = [
            (k, v)
            for k, v in (("docker", docker), ("singularity", singularity), ("podman", podman))
            if v
        ]
        if len(given) != 1:
            raise InvalidWorkflowError(
                "ContainerExecutor needs exactly one of docker=, singularity=, podman= "
                "(the runtime's executable)"
            )
        self.runtime, self.executable = given[0]
        if image_pull_policy is not None and image_pull_policy not in PULL_POLICIES:
            raise InvalidWorkflowError(
                f"ContainerExecutor: image_pull_policy {image_pull_policy!r} is not one of "
                f"{', '.join(PULL_POLICIES)}"
            )
        self.image_pull_policy = image_pull_policy

    def render(self, template: OPTemplate) -> OPTemplate:
        if not isinstance(template, ScriptOPTemplate) or not template.image:
            raise InvalidWorkflowError(
                f"ContainerExecutor on template {template.name!r}: only script templates with an "
                "image can run in a container"
            )
        script_path = '"$DFLOW_CT_DIR"/script'
        script = (
            'DFLOW_CT_DIR="$(mktemp -d)"\n'
            + heredoc(script_path, template.script)
            + container_run(
                self.runtime,
                self.executable,
                template.image,
                template.command,
                script_path,
                self.image_pull_policy,
            )
        )
        digest = hashlib.sha1(
            f"{self.runtime}\0{self.executable}\0{self.image_pull_policy}".encode()
        ).hexdigest()[:8]
        suffix = f"{self.runtime}-{digest}"
        name = f"{template.name[: 56 - len(suffix)].rstrip('-.')}-{suffix}"
        return template.replace(name=name, script=script, command=["sh"])
