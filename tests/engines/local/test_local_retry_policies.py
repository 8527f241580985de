"""Retry strategies as Argo reads them: expressions with inputs, and OnTransientError."""

from __future__ import annotations

from helpers import out, shell

from dflow import Step, Workflow


def test_retry_expression_in_tag_form_with_an_input(local_root):
    # GIVEN a step retried while its exit code is below an input parameter's value
    script = (
        "mkdir -p /tmp/outputs; echo {{retries}} > /tmp/outputs/attempt; exit $(({{retries}} + 1))"
    )
    climbing = shell(
        "climbing",
        script,
        inputs=["stop_at"],
        outputs=["attempt"],
        retry_strategy={
            "limit": 5,
            "retryPolicy": "Always",
            "expression": "{{=asInt(lastRetry.exitCode) < asInt(inputs.parameters.stop_at)}}",
        },
    )
    wf = Workflow(name="retry-expr")
    wf.add(Step("climb", climbing, parameters={"stop_at": 3}))
    # WHEN it runs THEN attempts exit 1, 2, 3 and the third is the last one
    wf.submit()
    assert wf.query_status() == "Failed"
    (node,) = wf.query_step(name="climb$", type="Retry")
    assert len(node.children) == 3
    assert out(node, "attempt") == "2"


def test_on_transient_error_retries_only_matching_messages(local_root, monkeypatch):
    monkeypatch.setenv("TRANSIENT_ERROR_PATTERN", r"exit code 75")
    policy = {"limit": 2, "retryPolicy": "OnTransientError"}
    transient = shell("transient", "exit 75", retry_strategy=policy)
    permanent = shell("permanent", "exit 4", retry_strategy=policy)
    wf = Workflow(name="policies")
    wf.add(
        [
            Step("a", transient, continue_on_failed=True),
            Step("b", permanent, continue_on_failed=True),
        ]
    )
    wf.submit()
    (a,) = wf.query_step(name="a$", type="Retry")
    (b,) = wf.query_step(name="b$", type="Retry")
    assert len(a.children) == 3  # the first try and two retries
    assert len(b.children) == 1
