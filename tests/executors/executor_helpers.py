"""Shared pieces of the executor tests: server handles, the container stand-in, templates."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Dict, Optional

from dflow import (
    InputArtifact,
    InputParameter,
    Inputs,
    OutputArtifact,
    OutputParameter,
    Outputs,
    ShellOPTemplate,
)

SSHD = "/usr/sbin/sshd"
_TMP = re.compile(r"(?<![\w./-])/tmp(?=/|\b|$)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, proc: subprocess.Popen, what: str, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited early:\n{log.read_text(errors='replace')}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port}:\n{log.read_text(errors='replace')}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class SSHServer:
    """A running sshd: its port, a user key that it accepts, and its host key line."""

    def __init__(self, root: Path, port: int, key: str, known_hosts: str) -> None:
        self.root = root
        self.port = port
        self.key = key
        self.known_hosts = known_hosts
        self.slurm_conf = root / "slurm" / "slurm.conf"


class Container:
    """A directory standing for a step's container: its ``/tmp`` is ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, container_path: str) -> Path:
        assert container_path.startswith("/tmp/")
        return self.root / container_path[len("/tmp/") :]

    def write(self, container_path: str, text: str) -> None:
        p = self.path(container_path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)

    def start(self, script: str, env: Optional[Dict[str, str]] = None) -> subprocess.Popen:
        """Start the rendered script with ``sh``, its ``/tmp`` mapped to ``root``."""
        text = _TMP.sub(str(self.root), script)
        (self.root / ".script").write_text(text)
        full = dict(os.environ, TMPDIR=str(self.root))
        full.pop("SLURM_CONF", None)
        full.update(env or {})
        return subprocess.Popen(
            ["sh", str(self.root / ".script")],
            env=full,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def run(
        self, script: str, env: Optional[Dict[str, str]] = None, timeout: float = 120
    ) -> subprocess.CompletedProcess:
        proc = self.start(script, env)
        out, err = proc.communicate(timeout=timeout)
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


# quotes, $, backquotes, backslashes, a here-document ending in EOF, and a multi-line string
AWKWARD_SCRIPT = r"""msg='it'"'"'s "quoted" $HOME `x` \n'
multi="line one
line two"
mkdir -p /tmp/outputs/dir
printf '%s|%s' "$msg" "$multi" > /tmp/outputs/msg
cat <<'EOF' > "/tmp/outputs/dir/here doc.txt"
$NOT_EXPANDED \ EOF-ish
EOF
for f in /tmp/inputs/artifacts/data/*; do cat "$f"; done > /tmp/outputs/dir/joined
ls /tmp/inputs/artifacts/data > /tmp/outputs/dir/names
echo "ran in $(pwd)"
"""


def awkward_template() -> ShellOPTemplate:
    return ShellOPTemplate(
        name="awkward",
        script=AWKWARD_SCRIPT,
        inputs=Inputs(artifacts={"data": InputArtifact(path="/tmp/inputs/artifacts/data")}),
        outputs=Outputs(
            parameters={"msg": OutputParameter(value_from_path="/tmp/outputs/msg")},
            artifacts={"dir": OutputArtifact(path="/tmp/outputs/dir")},
        ),
    )


def failing_template(code: int = 7) -> ShellOPTemplate:
    return ShellOPTemplate(name="failing", script=f"echo 'remote says: boom' >&2\nexit {code}\n")


def sleeping_template(seconds: int = 60) -> ShellOPTemplate:
    return ShellOPTemplate(
        name="sleeping",
        script=f"echo started > /tmp/outputs/started; sleep {seconds}\n",
        inputs=Inputs(parameters={"x": InputParameter(value="1")}),
    )
