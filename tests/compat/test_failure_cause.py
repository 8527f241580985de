"""A failed workflow is reported by the step that failed it, not by a failure it tolerated.

Checked against 1.8.134: the script below logged ``RuntimeError: Step fatal failed`` and
``query_status()`` printed ``Failed``.
"""

from __future__ import annotations

import pytest
from local_mode import debug  # noqa: F401 - the fixture

from dflow import ShellOPTemplate, Step, Workflow


@pytest.mark.usefixtures("debug")
def test_message_names_the_step_that_failed_the_workflow() -> None:
    # GIVEN a tolerated failure followed by one that is not
    fails = ShellOPTemplate(name="fails", image="alpine", script="exit 3")
    wf = Workflow(name="which-failed")
    wf.add(Step(name="tolerated", template=fails, continue_on_failed=True))
    wf.add(Step(name="fatal", template=fails))

    # WHEN it runs
    wf.submit()

    # THEN the workflow failed, and its message names the second step
    assert wf.query_status() == "Failed"
    message = wf.query()["status"]["message"]
    assert message.startswith("step 'fatal (template fails)' failed with exit code 3"), message
