"""An input artifact given as a PVC nobody has saved to fails its step at once in debug mode.

Checked against 1.8.134 (its ``examples/test_async.py`` in debug mode: step ``echo`` takes
``hello``'s output ``.pvc()`` while both run, and polls for the file): the original failed the
step ``echo`` at once (``RuntimeError: ('Not supported: ', <dflow.io.PVC object>)``, then ``Step
echo failed``), and the workflow ended ``Failed``. Ours names the step, the input artifact and
the claim; a PVC that a finished step saved to is still read (``tests/engines/local``).
"""

from __future__ import annotations

import pytest
from local_mode import debug  # noqa: F401 - the fixture

from dflow import InputArtifact, OutputArtifact, ShellOPTemplate, Step, Workflow


@pytest.mark.usefixtures("debug")
def test_waiting_on_a_pvc_nothing_saved_to_fails_fast():
    # GIVEN the example's two steps, the reader polling (boundedly here) for the writer's file
    hello = ShellOPTemplate(name="hello", image="alpine:latest", script="echo Hello > /tmp/bar.txt")
    hello.outputs.artifacts = {"bar": OutputArtifact(path="/tmp/bar.txt")}
    echo = ShellOPTemplate(
        name="echo",
        image="alpine:latest",
        script="for i in $(seq 100); do if [ -f /tmp/foo.txt ]; then cat /tmp/foo.txt; exit 0; fi;"
        " sleep 0.1; done; exit 3",
    )
    echo.inputs.artifacts = {"foo": InputArtifact(path="/tmp/foo.txt")}
    wf = Workflow(name="async")
    step0 = Step(name="hello", template=hello)
    step1 = Step(
        name="echo", template=echo, artifacts={"foo": step0.outputs.artifacts["bar"].pvc()}
    )
    wf.add([step0, step1])
    # WHEN it runs THEN the workflow fails, and the reader's message names what is unsupported
    wf.submit()
    assert wf.query_status() == "Failed"
    step = wf.query_step(name="echo")[0]
    assert step.phase == "Failed"
    assert "input artifact 'foo' is PVC 'public'" in step.message
    assert "nothing has been saved" in step.message
