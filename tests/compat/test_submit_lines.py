"""What ``Workflow.submit`` prints, which scripts and people read the workflow's ID from.

Checked against 1.8.134: in debug mode ``submit()`` printed ``Workflow is running locally (ID:
hello-xxxxx)``; against an Argo server ``Workflow has been submitted (ID: hello-xxxxx, UID: ...)``
then ``Workflow link: <config["host"]>/workflows/<namespace>/hello-xxxxx`` (its source prints
these two lines after the server's answer).
"""

from __future__ import annotations

import pytest
from argo_server import argo_config, argo_server  # noqa: F401 - the fixtures
from local_mode import debug  # noqa: F401 - the fixture

from dflow import ShellOPTemplate, Step, Workflow
from dflow.config import config


def _workflow() -> Workflow:
    wf = Workflow(name="hello")
    wf.add(Step("say", ShellOPTemplate(name="say", image="alpine", script="echo hi")))
    return wf


@pytest.mark.usefixtures("debug")
def test_debug_mode_prints_the_id(capsys: pytest.CaptureFixture) -> None:
    wf = _workflow()
    wf.submit()
    assert capsys.readouterr().out.splitlines() == [f"Workflow is running locally (ID: {wf.id})"]


@pytest.mark.usefixtures("argo_config")
def test_argo_mode_prints_the_id_uid_and_link(capsys: pytest.CaptureFixture) -> None:
    wf = _workflow()
    wf.submit()
    assert wf.id and wf.uid
    assert capsys.readouterr().out.splitlines() == [
        f"Workflow has been submitted (ID: {wf.id}, UID: {wf.uid})",
        f"Workflow link: {config['host']}/workflows/{config['namespace']}/{wf.id}",
    ]
