"""The container options of the SSH executors (dflow 1.x keywords): the remote script runs in
the template's image through a container runtime; the executor's own container settings."""

from __future__ import annotations

import stat
import sys
import tempfile
from pathlib import Path

import pytest
from executor_helpers import Container, SSHServer, awkward_template

from dflow import InvalidWorkflowError
from dflow.executors import RemoteExecutor, SlurmJobTemplate, SlurmRemoteExecutor
from dflow.secrets import Secret

KEY = Secret(name="ssh-key", key="ssh-privatekey")

# a stand-in for docker on the remote host: runs `run`'s command here, /dflow-script mapped
FAKE_DOCKER = """#!{python}
import subprocess, sys
args = sys.argv[1:]
with open({log!r}, "a") as log:
    log.write(" ".join(args) + "\\n")
if args[:2] == ["image", "inspect"]:
    sys.exit(0)
assert args[0] == "run", args
args, volumes = args[1:], {{}}
while args[0].startswith("-"):
    if args[0] == "-v":
        host, _, inside = args[1].partition(":")
        volumes[inside] = host
        args = args[2:]
    else:
        args = args[1:]
sys.exit(subprocess.call([volumes.get(a, a) for a in args[1:]]))
"""


@pytest.fixture
def fake_docker():
    root = Path(tempfile.mkdtemp(prefix="dflow-fake-docker-", dir="/var/tmp"))
    exe, log = root / "docker", root / "calls.log"
    exe.write_text(FAKE_DOCKER.format(python=sys.executable, log=str(log)))
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    yield exe, log


def test_docker_executable_runs_the_script_in_the_image(
    sshd: SSHServer, container: Container, remote_dir: Path, fake_docker
) -> None:
    exe, log = fake_docker
    container.write("/tmp/inputs/artifacts/data/one", "1\n")
    template = awkward_template().replace(image="alpine:3", image_pull_policy="IfNotPresent")
    executor = RemoteExecutor(
        host="127.0.0.1",
        port=sshd.port,
        private_key=KEY,
        workdir=str(remote_dir),
        known_hosts=sshd.known_hosts,
        docker_executable=str(exe),
    )
    done = container.run(executor.render(template).script, {"DFLOW_SSH_KEY": sshd.key})
    assert done.returncode == 0, done.stderr
    # the step ran (through the runtime) and its outputs came back
    assert container.path("/tmp/outputs/dir/joined").read_text() == "1\n"
    calls = log.read_text().splitlines()
    assert calls[0] == "image inspect alpine:3"
    assert calls[1].startswith("run --rm -v ") and " alpine:3 sh " in calls[1]
    assert f"-v {remote_dir}:{remote_dir}" in calls[1]


def test_executor_container_settings_and_retries(sshd: SSHServer, remote_dir: Path) -> None:
    executor = RemoteExecutor(
        host="127.0.0.1",
        workdir=str(remote_dir),
        command=["bash"],
        image="ssh-image",
        image_pull_policy="Always",
        action_retries=0,
    )
    rendered = executor.render(awkward_template())
    assert rendered.command == ["bash"] and rendered.image == "ssh-image"
    assert rendered.image_pull_policy == "Always"
    assert '[ "$dflow_n" -ge 0 ] && break' in rendered.script
    # the default repeats an upload or a download twice more
    default = RemoteExecutor(host="h", workdir=str(remote_dir)).render(awkward_template())
    assert '[ "$dflow_n" -ge 2 ] && break' in default.script


def test_refused_options_name_themselves() -> None:
    with pytest.raises(InvalidWorkflowError, match="map_tmp_dir"):
        RemoteExecutor(host="h", map_tmp_dir=False)
    with pytest.raises(InvalidWorkflowError, match="docker_executable"):
        RemoteExecutor(host="h", docker_executable="docker", podman_executable="podman")
    with pytest.raises(InvalidWorkflowError, match="pvc"):
        SlurmRemoteExecutor(host="h", pvc=object())
    for keyword in ("prepare_image", "collect_image", "workdir", "docker_executable"):
        with pytest.raises(InvalidWorkflowError, match=keyword):
            SlurmJobTemplate(**{keyword: "x"})
