"""What the SSH and Slurm executors share: the rendered copy, staging, upload and download.

The rendered template is a shell script that (1) writes the step's script and a runner into
the container's ``/tmp/.dflow``, (2) uploads that and the step's inputs with ``tar | ssh`` to
``<workdir>/tmp`` on the remote host, (3) runs it there (the subclass decides how), and (4)
brings the step's outputs back to the same container paths, so Argo or the local engine
collects them as usual. The exit code is the remote script's.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Dict, List, Optional, Union

from ..errors import InvalidWorkflowError
from ..executor import Executor
from ..op_template import OPTemplate, ScriptOPTemplate, ShellOPTemplate
from ..secrets import Secret
from .paths import rewrite_tmp, tmp_token, transfer_paths
from .shell import heredoc, q, remote_dir, tmp_word, words
from .ssh import SSHSettings

__all__ = ["RemoteBase", "DEFAULT_WORKDIR", "CONTROL"]

DEFAULT_WORKDIR = "~/dflow/workflows/{{workflow.name}}/{{pod.name}}"
CONTROL = ".dflow"  # the control directory, under the container's and the remote tmp
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _check_env_names(template: ScriptOPTemplate, owner: str) -> None:
    """Refuse environment variable names the remote ``export`` lines cannot take."""
    for k, v in template.envs.items():
        if not isinstance(v, dict) and not _ENV_NAME.fullmatch(str(k)):
            raise InvalidWorkflowError(
                f"{owner}: environment variable {k!r} is not a valid name "
                "(letters, digits and '_', not starting with a digit)"
            )


class RemoteBase(Executor):
    """Common settings and script parts of executors that run a step over SSH."""

    kind = "remote"

    def __init__(
        self,
        host: str,
        port: int = 22,
        username: str = "root",
        password: Union[str, Secret, None] = None,
        private_key_file: Optional[str] = None,
        workdir: str = DEFAULT_WORKDIR,
        private_key: Union[str, Secret, None] = None,
        known_hosts: Optional[str] = None,
        image: Optional[str] = None,
        remote_command: Union[str, List[str], None] = None,
        connect_timeout: int = 10,
        command: Union[str, List[str], None] = None,
        image_pull_policy: Optional[str] = None,
        map_tmp_dir: bool = True,
        docker_executable: Optional[str] = None,
        singularity_executable: Optional[str] = None,
        podman_executable: Optional[str] = None,
        action_retries: int = -1,
    ) -> None:
        self.ssh = SSHSettings(
            host,
            port,
            username,
            password,
            private_key_file,
            private_key,
            known_hosts,
            connect_timeout,
        )
        if not workdir or "\n" in workdir:
            raise InvalidWorkflowError(
                f"executor for {host!r}: workdir {workdir!r} must be a path without newlines"
            )
        self.workdir = workdir
        self.image = image
        if isinstance(remote_command, str):
            remote_command = [remote_command]
        self.remote_command = list(remote_command) if remote_command else None
        owner = f"{type(self).__name__} for {host!r}"
        if isinstance(command, str):
            command = [command]
        self.command = list(command) if command else ["sh"]
        self.image_pull_policy = image_pull_policy
        if not map_tmp_dir:
            raise InvalidWorkflowError(
                f"{owner}: map_tmp_dir=False is not supported: a step's files are uploaded "
                "under its remote workdir, and its /tmp paths must point there"
            )
        self.map_tmp_dir = map_tmp_dir
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
                f"{owner}: give one of docker_executable, singularity_executable, podman_executable"
            )
        # run the script on the remote host inside the template's image, with this runtime
        self.container = runtimes[0] if runtimes else None
        if not isinstance(action_retries, int) or action_retries < -1:
            raise InvalidWorkflowError(f"{owner}: action_retries {action_retries!r} must be >= -1")
        # -1: the default, 2 more attempts; uploads and downloads are repeated, not the run
        self.action_retries = 2 if action_retries == -1 else action_retries

    @property
    def secrets(self) -> List[Secret]:
        """The secrets the rendered step reads (``dflow.secrets.create_secrets`` stores them)."""
        return self.ssh.secrets

    # -- rendering ---------------------------------------------------------------------------

    def settings(self) -> str:
        """Everything that changes the rendered script, for the variant's name."""
        return (
            f"{self.ssh.fingerprint()}\0{self.workdir}\0{self.image}\0{self.remote_command}"
            f"\0{self.command}\0{self.image_pull_policy}\0{self.container}\0{self.action_retries}"
        )

    def render(self, template: OPTemplate) -> OPTemplate:
        owner = f"{type(self).__name__} on template {template.name!r}"
        if not isinstance(template, ScriptOPTemplate):
            raise InvalidWorkflowError(
                f"{owner}: only script templates can run remotely, got {type(template).__name__}"
            )
        _check_env_names(template, owner)
        ups, downs = transfer_paths(template, owner)
        token = tmp_token(template)
        digest = hashlib.sha1(
            f"{self.kind}\0{self.settings()}\0{template.script}\0{template.command}".encode()
        ).hexdigest()[:8]
        suffix = f"{self.kind}-{digest}"
        name = f"{template.name[: 56 - len(suffix)].rstrip('-.')}-{suffix}"
        envs: Dict[str, Any] = {k: v for k, v in template.envs.items() if isinstance(v, dict)}
        envs.update(self.ssh.envs())
        script = self.wrapper(template, token, ups, downs)
        changes: Dict[str, Any] = {
            "name": name,
            "script": script,
            "command": list(self.command),
            "envs": envs,
        }
        if self.image is not None:
            changes["image"] = self.image
        if self.image_pull_policy is not None:
            changes["image_pull_policy"] = self.image_pull_policy
        new = template.replace(**changes)
        # The copy is a shell script now: drop the class's own hooks (a Python OP's script
        # writers), keep every shared field (timeout, retries, resources, volumes, ...) and the
        # arguments the step passes (a sliced step's slice index).
        step_arguments = getattr(template, "step_arguments", None)
        new.__class__ = ShellOPTemplate
        if step_arguments is not None:
            new.step_arguments = step_arguments  # type: ignore[attr-defined]
        return new

    def runner(self, template: ScriptOPTemplate, token: str) -> str:
        """The remote runner: rewrite the script's /tmp to ``<workdir>/tmp`` and run it."""
        _check_env_names(template, f"{type(self).__name__} on template {template.name!r}")
        command = self.remote_command or template.command
        exports = "".join(
            f"export {k}={tmp_word(rewrite_tmp(str(v), token), token, 'W')}\n"
            for k, v in template.envs.items()
            if not isinstance(v, dict)
        )
        argv = " ".join(tmp_word(rewrite_tmp(w, token), token, "W") for w in command)
        run = f'exec {argv} "$C/script"'
        if self.container is not None:
            if not template.image:
                raise InvalidWorkflowError(
                    f"{type(self).__name__} on template {template.name!r}: running it in a "
                    f"container with {self.container[0]} needs the template's image"
                )
            from .container import container_run

            # the remote paths of the step ($W/tmp/...) are the same inside the container
            run = container_run(
                self.container[0],
                self.container[1],
                template.image,
                [tmp_word(rewrite_tmp(w, token), token, "W") for w in command],
                '"$C/script"',
                template.image_pull_policy,
                mounts=['"$W":"$W"'],
                quoted_command=True,
                share_tmp=False,
            ).rstrip("\n")
        return f"""\
W=$(pwd -P) || exit 1
case $W in *[!A-Za-z0-9_./+,:@%=-]*)
  echo "dflow: the remote work dir $W has characters (spaces, quotes, ...) that the" \
    "step's script cannot take unquoted in its paths; choose a plain path" >&2
  exit 2;;
esac
C="$W/"tmp/{CONTROL}
sed "s|{token}|$W/""tmp|g" "$C/script.in" > "$C/script" || exit 1
mkdir -p "$W/"tmp/outputs
echo $$ > "$C/pid"
{exports}{run}
"""

    def stage(self, template: ScriptOPTemplate, token: str) -> str:
        """Container-side code writing the control files into ``/tmp/.dflow``."""
        control = f"/tmp/{CONTROL}"  # container paths are double-quoted: they may be remapped
        files = {"script.in": rewrite_tmp(template.script, token)}
        files["run.sh"] = self.runner(template, token)
        files.update(self.extra_files())
        return f'mkdir -p "{control}" || dflow_fail "cannot write {control}" 1\n' + "".join(
            heredoc(f'"{control}/{name}"', body) for name, body in files.items()
        )

    def extra_files(self) -> Dict[str, str]:
        """More control files (e.g. a Slurm job script)."""
        return {}

    def upload(self, ups: List[str]) -> str:
        remote = (
            f"mkdir -p {self.rdir} && cd {self.rdir} && rm -rf tmp && mkdir tmp && tar -C tmp -xf -"
        )
        return f"""\
set --
for dflow_p in {words([CONTROL] + ups)}; do
  if [ -e "/tmp/$dflow_p" ]; then set -- "$@" "$dflow_p"; fi
done
dflow_n=0
while :; do
  tar -C "/tmp" -cf - "$@" | dflow_ssh {q(remote)}
  dflow_rc=$?
  [ "$dflow_rc" -eq 0 ] || [ "$dflow_n" -ge {self.action_retries} ] && break
  dflow_n=$((dflow_n + 1)); sleep 1
done
[ "$dflow_rc" -eq 0 ] ||
  dflow_fail "cannot upload the step's inputs to $dflow_where (exit code $dflow_rc)" "$dflow_rc"
"""

    def download(self, downs: List[str]) -> str:
        remote = (
            f"cd {self.rdir} && cd tmp && set -- && for p in {words(downs)}; do "
            'if [ -e "$p" ]; then set -- "$@" "$p"; fi; done && '
            'if [ $# -gt 0 ]; then tar -cf - "$@"; fi'
        )
        return f"""\
dflow_n=0
while :; do
  dflow_ssh {q(remote)} < /dev/null > "$dflow_t/outputs.tar"
  dflow_got=$?
  [ "$dflow_got" -eq 0 ] || [ "$dflow_n" -ge {self.action_retries} ] && break
  dflow_n=$((dflow_n + 1)); sleep 1
done
if [ "$dflow_got" -eq 0 ]; then
  if [ -s "$dflow_t/outputs.tar" ]; then
    tar -C "/tmp" -xf "$dflow_t/outputs.tar" || dflow_fail "cannot unpack the step's outputs" 1
  fi
elif [ "$dflow_rc" -eq 0 ]; then
  dflow_fail "cannot bring the step's outputs back from $dflow_where" 255
fi
"""

    @property
    def rdir(self) -> str:
        return remote_dir(self.workdir)

    def wrapper(
        self, template: ScriptOPTemplate, token: str, ups: List[str], downs: List[str]
    ) -> str:
        return "\n".join(
            [
                self.ssh.preamble(),
                self.stage(template, token),
                self.upload(ups),
                self.run_section(template),
                self.download(downs),
                # on success fall through, so code appended to the script (a success tag) runs
                '[ "$dflow_rc" -eq 0 ] || exit "$dflow_rc"\n',
            ]
        )

    def run_section(self, template: ScriptOPTemplate) -> str:
        """Code that runs the staged step remotely and sets ``dflow_rc``."""
        raise NotImplementedError
