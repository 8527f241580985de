"""Steps on the local engine: sequence, real parallelism, conditions, loops, failures."""

from __future__ import annotations

import json
import os
import shutil
import tempfile

import pytest
from helpers import out, python, shell

from dflow import Step, Steps, Workflow, argo_range, argo_sequence

ADD = shell(
    "add",
    "mkdir -p /tmp/outputs && echo $(( {{inputs.parameters.a}} + {{inputs.parameters.b}} )) "
    "> /tmp/outputs/sum",
    inputs=["a", "b"],
    outputs=["sum"],
)


def test_chain_passes_parameters_and_results(local_root):
    # GIVEN a chain of three additions WHEN it runs THEN each step sees the previous sum
    wf = Workflow(name="chain")
    s1 = Step("s1", ADD, parameters={"a": 1, "b": 2})
    s2 = Step("s2", ADD, parameters={"a": s1.outputs.parameters["sum"], "b": 10})
    s3 = Step("s3", ADD, parameters={"a": s2.outputs.parameters["sum"], "b": 100})
    for s in (s1, s2, s3):
        wf.add(s)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert out(wf.query_step(name="s3")[0], "sum") == "113"
    (s2n,) = wf.query_step(name="s2")
    assert s2n.inputs.parameters["a"].value == "3"
    assert s2n.type == "Pod" and s2n.phase == "Succeeded"
    groups = wf.query_step(type="StepGroup")
    assert [g.displayName for g in groups] == ["[0]", "[1]", "[2]"]
    assert wf.query().status.progress == "3/3"


def test_parallel_group_really_runs_in_parallel(local_root):
    # GIVEN two steps in one group that each wait (bounded) for the other to have started
    barrier = tempfile.mkdtemp(dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    try:
        meet = python(
            "meet",
            "import os, sys, time\n"
            "bar, me = {{inputs.parameters.bar!r}}, '{{inputs.parameters.me}}'\n"
            "start = time.time()\n"
            "open(os.path.join(bar, me), 'w').close()\n"
            "deadline = time.time() + 60\n"
            "while len(os.listdir(bar)) < 2 and time.time() < deadline:\n"
            "    time.sleep(0.01)\n"
            "met = len(os.listdir(bar)) == 2\n"
            "os.makedirs('/tmp/outputs', exist_ok=True)\n"
            "open('/tmp/outputs/span', 'w').write(f'{start} {time.time()} {met}')\n",
            inputs=["bar", "me"],
            outputs=["span"],
        )
        meet.script = meet.script.replace(
            "{{inputs.parameters.bar!r}}", "'{{inputs.parameters.bar}}'"
        )
        wf = Workflow(name="par")
        wf.add([Step(f"p{i}", meet, parameters={"bar": barrier, "me": f"p{i}"}) for i in range(2)])
        wf.submit()
        assert wf.query_status() == "Succeeded"
        spans = []
        for i in range(2):
            start, end, met = out(wf.query_step(name=f"p{i}")[0], "span").split()
            assert met == "True"
            spans.append((float(start), float(end)))
        # THEN the two intervals overlap: each started before the other ended
        (a0, a1), (b0, b1) = spans
        assert a0 < b1 and b0 < a1
    finally:
        shutil.rmtree(barrier)


def test_tmp_is_private_to_each_step(local_root):
    # GIVEN parallel steps writing the same /tmp path THEN each reads back its own value
    writer = shell(
        "writer",
        "echo {{inputs.parameters.v}} > /tmp/shared.txt; mkdir -p /tmp/outputs; "
        "cp /tmp/shared.txt /tmp/outputs/v",
        inputs=["v"],
        outputs=["v"],
    )
    wf = Workflow(name="private")
    wf.add([Step(f"w{i}", writer, parameters={"v": f"value-{i}"}) for i in range(4)])
    wf.submit()
    for i in range(4):
        assert out(wf.query_step(name=f"w{i}")[0], "v") == f"value-{i}"


def test_when_skips_and_runs(local_root):
    wf = Workflow(name="when")
    s1 = Step("s1", ADD, parameters={"a": 2, "b": 3})
    yes = Step("yes", ADD, parameters={"a": 1, "b": 1}, when=s1.outputs.parameters["sum"] > 4)
    no = Step("no", ADD, parameters={"a": 1, "b": 1}, when=s1.outputs.parameters["sum"] < 4)
    wf.add(s1)
    wf.add([yes, no])
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert wf.query_step(name="yes")[0].phase == "Succeeded"
    (skipped,) = wf.query_step(name="no")
    assert skipped.phase == "Skipped" and skipped.type == "Skipped"


def test_fan_out_aggregates_outputs_in_item_order(local_root):
    square = shell(
        "square",
        "mkdir -p /tmp/outputs && echo $(( {{inputs.parameters.x}} * {{inputs.parameters.x}} ))"
        " > /tmp/outputs/y",
        inputs=["x"],
        outputs=["y"],
    )
    total = python(
        "total",
        "import json, os\nos.makedirs('/tmp/outputs', exist_ok=True)\n"
        "open('/tmp/outputs/s', 'w').write(str(sum(json.loads('{{inputs.parameters.ys}}'))))\n",
        inputs=["ys"],
        outputs=["s"],
    )
    wf = Workflow(name="fan")
    items = Step("items", square, parameters={"x": "{{item}}"}, with_items=[1, 2, 3, 4])
    param = Step("param", square, parameters={"x": "{{item}}"}, with_param=argo_range(5))
    seq = Step("seq", square, parameters={"x": "{{item}}"}, with_sequence=argo_sequence(3, 2))
    wf.add([items, param, seq])
    wf.add(Step("sum", total, parameters={"ys": param.outputs.parameters["y"]}))
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert out(wf.query_step(name="sum")[0], "s") == "30"
    names = sorted(s.displayName for s in wf.query_step(name="items"))
    assert names == ["items(0:1)", "items(1:2)", "items(2:3)", "items(3:4)"]
    assert sorted(int(out(s, "y")) for s in wf.query_step(name="seq")) == [4, 9, 16]


def test_failure_names_step_and_shows_log_tail(local_root):
    bad = shell("bad", "echo about to fail >&2; exit 3")
    wf = Workflow(name="fails")
    wf.add(Step("first", ADD, parameters={"a": 1, "b": 1}))
    wf.add(Step("boom", bad))
    wf.add(Step("never", ADD, parameters={"a": 1, "b": 1}))
    wf.submit()
    wf_status = wf.query()
    assert wf_status.phase == "Failed"
    message = wf_status.status.message
    assert "boom" in message and "exit code 3" in message and "about to fail" in message
    assert wf.query_step(name="first")[0].phase == "Succeeded"
    assert wf.query_step(name="boom")[0].outputs.exitCode == "3"
    assert wf.query_step(name="never") == []


def test_continue_on_failed_and_num_success(local_root):
    flaky = shell(
        "flaky",
        "mkdir -p /tmp/outputs; echo {{inputs.parameters.x}} > /tmp/outputs/x; "
        "test {{inputs.parameters.x}} -lt 3",  # its exit code decides
        inputs=["x"],
        outputs=["x"],
    )
    wf = Workflow(name="cont")
    s = Step(
        "many",
        flaky,
        parameters={"x": "{{item}}"},
        with_items=[0, 1, 2, 3, 4],
        continue_on_num_success=3,
    )
    after = Step("after", ADD, parameters={"a": 1, "b": 1})
    wf.add(s)
    wf.add(after)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    phases = sorted(n.phase for n in wf.query_step(name="many"))
    assert phases == ["Failed", "Failed", "Succeeded", "Succeeded", "Succeeded"]
    assert wf.query_step(name="after")[0].phase == "Succeeded"

    wf2 = Workflow(name="cont2")
    wf2.add(
        Step(
            "many",
            flaky,
            parameters={"x": "{{item}}"},
            with_items=[0, 3, 4, 5],
            continue_on_num_success=3,
        )
    )
    wf2.submit()
    assert wf2.query_status() == "Failed"
    (check,) = wf2.query_step(name="many-check-success")
    assert check.phase == "Failed"

    wf3 = Workflow(name="cont3")
    wf3.add(Step("one", flaky, parameters={"x": 7}, continue_on_failed=True))
    wf3.add(Step("two", ADD, parameters={"a": 2, "b": 2}))
    wf3.submit()
    assert wf3.query_status() == "Succeeded"
    assert out(wf3.query_step(name="two")[0], "sum") == "4"


def test_retry_until_success_by_exit_code(local_root):
    # GIVEN a script failing with exit 1 on its first two attempts
    script = (
        "mkdir -p /tmp/outputs; n={{retries}}; echo $n > /tmp/outputs/attempt; "
        "test $n -ge 2 || exit 1"
    )
    flaky = shell(
        "flaky",
        script,
        outputs=["attempt"],
        retry_strategy={
            "limit": 3,
            "retryPolicy": "Always",
            "expression": "asInt(lastRetry.exitCode) == 1",
        },
    )
    fatal = shell(
        "fatal2",
        "exit 2",
        retry_strategy={
            "limit": 3,
            "retryPolicy": "Always",
            "expression": "asInt(lastRetry.exitCode) == 1",
        },
    )
    wf = Workflow(name="retry")
    wf.add(Step("flaky", flaky))
    wf.submit()
    assert wf.query_status() == "Succeeded"
    (node,) = wf.query_step(name="flaky$", type="Retry")
    assert out(node, "attempt") == "2"
    assert len(node.children) == 3
    # a non-transient exit code is not retried
    wf2 = Workflow(name="fatal")
    wf2.add(Step("fatal", fatal))
    wf2.submit()
    assert wf2.query_status() == "Failed"
    assert len(wf2.query_step(name="fatal", type="Pod")) == 1


def test_timeout_kills_the_process_group(local_root):
    slow = shell("slow", "sleep 30 & sleep 30", timeout=1)
    wf = Workflow(name="timeout")
    wf.add(Step("slow", slow))
    wf.submit()
    assert wf.query_status() == "Failed"
    (node,) = wf.query_step(name="slow")
    assert "deadline" in node.message


def test_recursive_steps_loop(local_root):
    # GIVEN a Steps that calls itself while a counter is below 4
    inc = shell(
        "inc",
        "mkdir -p /tmp/outputs; echo $(( {{inputs.parameters.i}} + 1 )) > /tmp/outputs/i",
        inputs=["i"],
        outputs=["i"],
    )
    from dflow import InputParameter, Inputs, OutputParameter, Outputs

    loop = Steps(
        "loop",
        inputs=Inputs(parameters={"i": InputParameter()}),
        outputs=Outputs(parameters={"i": OutputParameter()}),
    )
    step = Step("inc", inc, parameters={"i": loop.inputs.parameters["i"]})
    loop.add(step)
    again = Step(
        "again",
        loop,
        parameters={"i": step.outputs.parameters["i"]},
        when=step.outputs.parameters["i"] < 4,
    )
    loop.add(again)
    loop.outputs.parameters["i"].value_from_parameter = step.outputs.parameters["i"]
    wf = Workflow(name="recurse", steps=Steps("main"))
    wf.add(Step("start", loop, parameters={"i": 0}))
    wf.submit()
    assert wf.query_status() == "Succeeded"
    counts = sorted(int(out(s, "i")) for s in wf.query_step(name="inc"))
    assert counts == [1, 2, 3, 4]
    assert out(wf.query_step(name="start")[0], "i") == "1"
    assert json.loads(json.dumps(wf.query().recover()))  # plain JSON throughout


@pytest.mark.parametrize("isolation", ["rewrite"])
def test_rewrite_isolation_maps_tmp(local_root, isolation):
    from dflow.config import config

    config["debug_isolation"] = isolation
    wf = Workflow(name="rewrite")
    s1 = Step("s1", ADD, parameters={"a": 20, "b": 22})
    wf.add(s1)
    wf.submit()
    assert out(wf.query_step(name="s1")[0], "sum") == "42"
