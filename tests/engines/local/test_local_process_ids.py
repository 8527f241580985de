"""A step names processes by the host's ids: ``ps -p``, ``kill -0`` and ``/proc`` agree with
``$!``, ``$$`` and ``os.getpid()``, and the host's own processes are in sight, as for a plain
subprocess in the original's debug mode (which tools such as DPDispatcher's Shell batch rely on)."""

from __future__ import annotations

import os
import textwrap

import pytest
from helpers import out, python, shell

from dflow import Step, Workflow, config

SHELL = """\
mkdir -p /tmp/outputs
sleep 30 &
child=$!
kill -0 "$child" && echo alive > /tmp/outputs/alive
ps -o args= -p "$child" > /tmp/outputs/child
ps -o pid= -p $$ | tr -d ' ' > /tmp/outputs/own
echo $$ > /tmp/outputs/shell
ps -o pid= -p {{inputs.parameters.host}} | tr -d ' ' > /tmp/outputs/host
"""

PYTHON = textwrap.dedent(
    """
    import os, subprocess
    def ps(pid, field):
        return subprocess.run(["ps", "-o", field + "=", "-p", str(pid)],
                              capture_output=True, text=True).stdout.strip()
    child = subprocess.Popen(["sleep", "30"])
    os.makedirs("/tmp/outputs", exist_ok=True)
    values = {
        "child": ps(child.pid, "args"),
        "own": ps(os.getpid(), "pid"),
        "parent": ps(os.getpid(), "ppid") + " " + str(os.getppid()),
        "proc": os.readlink("/proc/self") + " " + str(os.getpid()),
        "host": ps({{inputs.parameters.host}}, "pid"),
    }
    for name, value in values.items():
        with open("/tmp/outputs/" + name, "w") as fh:
            fh.write(value)
    """
)


@pytest.mark.parametrize("zygote", [True, False])
def test_a_step_finds_its_own_and_the_hosts_processes_by_their_ids(local_root, zygote):
    config["debug_zygote"] = zygote
    host = str(os.getpid())
    sh = shell("sh-ids", SHELL, inputs=["host"], outputs=["alive", "child", "own", "shell", "host"])
    py = python(
        "py-ids", PYTHON, inputs=["host"], outputs=["child", "own", "parent", "proc", "host"]
    )
    wf = Workflow(name="process-ids")
    sh_step = Step("sh", sh, parameters={"host": host})
    py_step = Step("py", py, parameters={"host": host})
    wf.add([sh_step, py_step])
    # WHEN a shell and a Python step start a child and look it, themselves and this process up
    wf.submit()
    assert wf.query_status() == "Succeeded"
    s = wf.query_step(name="sh")[0]
    p = wf.query_step(name="py")[0]
    # THEN ps finds the background child under the id $! / Popen gave
    assert out(s, "alive") == "alive"
    assert out(s, "child") == "sleep 30"
    assert out(p, "child") == "sleep 30"
    # AND the step's own id is the one ps and /proc know it by
    assert out(s, "own") == out(s, "shell")
    link, pid = out(p, "proc").split()
    assert out(p, "own") == pid
    assert link == pid
    ppid_by_ps, ppid = out(p, "parent").split()
    assert ppid_by_ps == ppid
    # AND the host's processes are in sight under their own ids (this test's process)
    assert out(s, "host") == host
    assert out(p, "host") == host
