"""``RemoteExecutor``: run a step's script on another host over SSH."""

from __future__ import annotations

from ..op_template import ScriptOPTemplate
from .base import CONTROL, DEFAULT_WORKDIR, RemoteBase
from .shell import q

__all__ = ["RemoteExecutor", "DEFAULT_WORKDIR"]


class RemoteExecutor(RemoteBase):
    """Runs the step's script on ``host`` over SSH, with its inputs uploaded and outputs fetched.

    Args:
        host / port / username: where to log in.
        password / private_key: a str (stored in a generated Kubernetes Secret by
            ``dflow.secrets.create_secrets(executor)``) or a ``dflow.secrets.Secret``.
        private_key_file: a key file on this machine, read when the secret is created.
        workdir: the remote directory of the step (``~/`` is the remote home); Argo tags such as
            ``{{pod.name}}`` keep steps apart.
        known_hosts: ``known_hosts`` lines of the host; without them any host key is accepted.
        image: the image of the executor's container (needs ``ssh`` and ``tar``).
        remote_command: the interpreter on the remote host, instead of the template's command.
    """

    kind = "ssh"

    def run_section(self, template: ScriptOPTemplate) -> str:
        run = f"cd {self.rdir} && exec sh tmp/{CONTROL}/run.sh"
        pid = f"$(cat tmp/{CONTROL}/pid)"
        # the remote script leads its process group (sshd starts each command in a session)
        cancel = f"cd {self.rdir} && {{ kill -TERM -- -{pid} || kill -TERM {pid}; }} 2>/dev/null"
        return f"""\
dflow_cancel() {{
  kill "$dflow_pid" 2>/dev/null
  dflow_ssh {q(cancel)} < /dev/null
  dflow_fail "the step was stopped; its remote process on $dflow_where was killed" 143
}}
(dflow_exec=1; dflow_ssh {q(run)} < /dev/null) &
dflow_pid=$!
trap dflow_cancel TERM INT HUP
wait "$dflow_pid"
dflow_rc=$?
trap - TERM INT HUP
if [ "$dflow_rc" -eq 255 ]; then
  echo "dflow: ssh to $dflow_where failed (exit code 255)" >&2
elif [ "$dflow_rc" -ne 0 ]; then
  echo "dflow: the step failed on $dflow_where with exit code $dflow_rc" >&2
fi
"""
