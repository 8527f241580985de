"""RemoteExecutor: the rendered script really runs the step over SSH against a real sshd."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from executor_helpers import (
    AWKWARD_SCRIPT,
    Container,
    SSHServer,
    awkward_template,
    failing_template,
    free_port,
    sleeping_template,
)

from dflow import InvalidWorkflowError, ShellOPTemplate
from dflow.executors import RemoteExecutor
from dflow.secrets import Secret

KEY = Secret(name="ssh-key", key="ssh-privatekey")
OTHER_HOST_KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIGLlW0dBw1c1a8aW1NLxfmnXbsRvnUsq5yfXNrgGsqk2"


def _executor(sshd: SSHServer, workdir: Path, **kw: object) -> RemoteExecutor:
    kw.setdefault("known_hosts", sshd.known_hosts)
    return RemoteExecutor(
        host="127.0.0.1",
        port=sshd.port,
        private_key=KEY,
        workdir=str(workdir),
        **kw,  # type: ignore[arg-type]
    )


def _fill_inputs(container: Container) -> None:
    container.write("/tmp/inputs/artifacts/data/a file 'one'", "A$1\n")
    container.write("/tmp/inputs/artifacts/data/two\nlines", "B`x`\n")


def test_runs_remotely_with_awkward_script_and_paths(
    sshd: SSHServer, container: Container, remote_dir: Path
) -> None:
    # GIVEN a script full of quotes, $, here-documents, and inputs with odd names
    _fill_inputs(container)
    rendered = _executor(sshd, remote_dir).render(awkward_template())
    # WHEN the rendered template runs in the "container"
    done = container.run(rendered.script, {"DFLOW_SSH_KEY": sshd.key})
    # THEN it ran on the remote host and its outputs came back to the container paths
    assert done.returncode == 0, done.stderr
    assert f"ran in {remote_dir}" in done.stdout
    msg = container.path("/tmp/outputs/msg").read_text()
    assert msg == 'it\'s "quoted" $HOME `x` \\n|line one\nline two'
    here = container.path("/tmp/outputs/dir/here doc.txt").read_text()
    assert here == "$NOT_EXPANDED \\ EOF-ish\n"
    assert container.path("/tmp/outputs/dir/joined").read_text() == "A$1\nB`x`\n"
    assert container.path("/tmp/outputs/dir/names").read_text() == "a file 'one'\ntwo\nlines\n"
    # the remote copy of the script has /tmp mapped into the work dir
    remote_script = (remote_dir / "tmp" / ".dflow" / "script").read_text()
    assert f"{remote_dir}/tmp/outputs/msg" in remote_script
    assert "/tmp/outputs" not in remote_script.replace(f"{remote_dir}/tmp/outputs", "")


def test_template_is_not_mutated_and_copy_is_renamed(sshd: SSHServer, remote_dir: Path) -> None:
    template = awkward_template()
    executor = _executor(sshd, remote_dir)
    rendered = executor.render(template)
    assert template.script == AWKWARD_SCRIPT and template.envs == {}
    assert rendered is not template and rendered.name.startswith("awkward-ssh-")
    assert rendered.name == executor.render(template).name
    assert rendered.command == ["sh"]
    assert rendered.envs == {"DFLOW_SSH_KEY": KEY.ref()}


def test_remote_failure_gives_message_and_exit_code(
    sshd: SSHServer, container: Container, remote_dir: Path
) -> None:
    rendered = _executor(sshd, remote_dir).render(failing_template(7))
    done = container.run(rendered.script, {"DFLOW_SSH_KEY": sshd.key})
    assert done.returncode == 7
    assert "remote says: boom" in done.stderr
    assert "failed on root@127.0.0.1" in done.stderr and "exit code 7" in done.stderr


def test_ssh_refused_fails_with_ssh_message(container: Container, remote_dir: Path) -> None:
    port = free_port()  # nothing listens there
    executor = RemoteExecutor(host="127.0.0.1", port=port, private_key=KEY, workdir=str(remote_dir))
    done = container.run(executor.render(failing_template()).script, {"DFLOW_SSH_KEY": "x"})
    assert done.returncode == 255
    assert "Connection refused" in done.stderr
    assert f"root@127.0.0.1:{port}" in done.stderr


def test_wrong_key_is_refused_and_key_never_printed(
    sshd: SSHServer, container: Container, remote_dir: Path, tmp_path: Path
) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "other")], check=True
    )
    other = (tmp_path / "other").read_text()
    rendered = _executor(sshd, remote_dir).render(failing_template())
    done = container.run(rendered.script, {"DFLOW_SSH_KEY": other})
    assert done.returncode == 255
    assert "Permission denied" in done.stderr
    assert other.splitlines()[1] not in done.stderr + done.stdout
    # the key was written to a private temporary directory, removed on exit
    assert [p.name for p in container.root.iterdir() if p.name.startswith("tmp.")] == []


def test_unknown_host_key_is_rejected(
    sshd: SSHServer, container: Container, remote_dir: Path
) -> None:
    wrong = sshd.known_hosts.rsplit(" ", 1)[0] + " " + OTHER_HOST_KEY
    rendered = _executor(sshd, remote_dir, known_hosts=wrong).render(failing_template())
    done = container.run(rendered.script, {"DFLOW_SSH_KEY": sshd.key})
    assert done.returncode == 255
    assert "host key" in done.stderr.lower()


def test_stopping_the_step_kills_the_remote_process(
    sshd: SSHServer, container: Container, remote_dir: Path
) -> None:
    rendered = _executor(sshd, remote_dir).render(sleeping_template(120))
    proc = container.start(rendered.script, {"DFLOW_SSH_KEY": sshd.key})
    started = remote_dir / "tmp" / "outputs" / "started"
    deadline = time.monotonic() + 30
    while not started.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the remote step did not start"
        time.sleep(0.05)
    remote_pid = int((remote_dir / "tmp" / ".dflow" / "pid").read_text())
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 143
    assert "remote process on root@127.0.0.1" in err
    deadline = time.monotonic() + 10
    while Path(f"/proc/{remote_pid}").exists():
        assert time.monotonic() < deadline, "the remote process survived"
        time.sleep(0.05)


def test_plain_envs_reach_the_remote_script(
    sshd: SSHServer, container: Container, remote_dir: Path
) -> None:
    template = ShellOPTemplate(
        name="envs",
        script='printf "%s" "$GREETING|$WHERE" > /tmp/outputs/env\n',
        envs={"GREETING": "hi 'there' $USER", "WHERE": "/tmp/outputs"},
    )
    rendered = _executor(sshd, remote_dir).render(template)
    done = container.run(rendered.script, {"DFLOW_SSH_KEY": sshd.key})
    assert done.returncode == 0, done.stderr
    text = container.path("/tmp/outputs/env").read_text()
    assert text == f"hi 'there' $USER|{remote_dir}/tmp/outputs"


@pytest.mark.parametrize("workdir", ["~/dflow-test-{}/x_y", "dflow-rel-{}/d"])
def test_home_relative_work_dirs(sshd: SSHServer, container: Container, workdir: str) -> None:
    workdir = workdir.format(uuid.uuid4().hex[:8])
    relative = workdir.removeprefix("~/")
    template = ShellOPTemplate(name="pwd", script="pwd > /tmp/outputs/pwd\n")
    executor = RemoteExecutor(
        host="127.0.0.1",
        port=sshd.port,
        private_key=KEY,
        workdir=workdir,
        known_hosts=sshd.known_hosts,
    )
    try:
        done = container.run(executor.render(template).script, {"DFLOW_SSH_KEY": sshd.key})
        assert done.returncode == 0, done.stderr
        pwd = container.path("/tmp/outputs/pwd").read_text().strip()
        assert pwd == str(Path.home() / relative)
    finally:
        shutil.rmtree(Path.home() / relative.split("/")[0], ignore_errors=True)


def test_awkward_remote_work_dir_fails_clearly(
    sshd: SSHServer, container: Container, remote_dir: Path
) -> None:
    # the step's own script names /tmp unquoted, so a work dir it cannot take is refused
    odd = remote_dir.parent / "it's a $dir with spaces"
    rendered = _executor(sshd, odd).render(failing_template())
    done = container.run(rendered.script, {"DFLOW_SSH_KEY": sshd.key})
    assert done.returncode == 2
    assert "choose a plain path" in done.stderr and "boom" not in done.stderr
    assert (odd / "tmp" / ".dflow" / "script.in").exists()  # the quoting itself held


def test_work_dir_with_newline_is_refused_when_built() -> None:
    with pytest.raises(InvalidWorkflowError, match="workdir .* without newlines"):
        RemoteExecutor(host="h", workdir="a\nb")
