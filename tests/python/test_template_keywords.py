"""PythonOPTemplate's dflow 1.x keywords: retries, resources, scripts around the OP, success tag,
skip_slice_input, upload_dflow; each checked on the manifest and, where it runs, locally."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from ops_keywords import Double, Total

from dflow import Step, Workflow
from dflow.config import config, s3_config
from dflow.errors import InvalidWorkflowError
from dflow.python import PythonOPTemplate, Slices


def _leaf(manifest, prefix):
    (leaf,) = [t for t in manifest["spec"]["templates"] if t["name"].startswith(prefix)]
    return leaf


def _one_step(template, **step_kw):
    wf = Workflow(name="kw")
    wf.add(Step("s", template, **step_kw))
    return wf


@pytest.mark.parametrize(
    ("keyword", "policy"),
    [
        ("retry_on_failure", "OnFailure"),
        ("retry_on_error", "OnError"),
        ("retry_on_failure_and_error", "Always"),
    ],
)
def test_retry_keywords_render_argo_retry_policies(keyword, policy, render):
    # checked against pydflow 1.8.134: {"retry_policy": "OnFailure", "limit": 2}
    t = PythonOPTemplate(Double, image="img", **{keyword: 2})
    leaf = _leaf(render(_one_step(t, parameters={"x": 1})), "double")
    assert leaf["retryStrategy"] == {"limit": "2", "retryPolicy": policy}


def test_retry_keywords_exclude_each_other():
    with pytest.raises(InvalidWorkflowError, match="retry_on_failure, retry_on_error"):
        PythonOPTemplate(Double, retry_on_failure=1, retry_on_error=1)
    with pytest.raises(InvalidWorkflowError, match="exclude"):
        PythonOPTemplate(Double, retry_on_transient_error=1, retry_on_failure=1)
    with pytest.raises(InvalidWorkflowError, match="count"):
        PythonOPTemplate(Double, retry_on_error=-1)


def test_requests_and_limits_dicts(render):
    t = PythonOPTemplate(
        Double, image="img", requests={"cpu": "1", "nvidia.com/gpu": 1}, limits={"memory": "1Gi"}
    )
    leaf = _leaf(render(_one_step(t, parameters={"x": 1})), "double")
    # checked against pydflow 1.8.134: the dicts as given
    assert leaf["script"]["resources"] == {
        "requests": {"cpu": "1", "nvidia.com/gpu": "1"},
        "limits": {"memory": "1Gi"},
    }


def test_refused_keywords_name_themselves():
    with pytest.raises(InvalidWorkflowError, match="input_artifact_prefix"):
        PythonOPTemplate(Double, input_artifact_prefix={"a": "/data"})
    with pytest.raises(InvalidWorkflowError, match="tmp_root"):
        PythonOPTemplate(Double, tmp_root="/scratch")
    PythonOPTemplate(Double, tmp_root="/tmp")


@pytest.fixture
def debug_mode(tmp_path, monkeypatch):
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "root"))
    monkeypatch.setitem(config, "detach", False)
    monkeypatch.setitem(s3_config, "storage_client", None)


@pytest.fixture
def host_dir():
    """A directory outside /tmp (a step's /tmp is its own): scripts write marks there."""
    path = Path(tempfile.mkdtemp(dir=Path.home(), prefix=".dflow-test-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_pre_and_post_script_run_around_the_op(debug_mode, host_dir, render):
    marks = host_dir / "marks.txt"
    t = PythonOPTemplate(
        Double,
        image="img",
        pre_script=f"open({str(marks)!r}, 'a').write('pre ')",
        post_script=f"open({str(marks)!r}, 'a').write('post')",
    )
    wf = _one_step(t, parameters={"x": 4})
    script = _leaf(render(wf), "double")["script"]["source"]
    assert script.startswith("open(") and script.rstrip().endswith("write('post')")
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert wf.query_step(name="s")[0].outputs.parameters["y"].value == 8
    assert marks.read_text() == "pre post"


def test_success_tag_is_reported(debug_mode, render):
    t = PythonOPTemplate(Double, image="img", success_tag=True)
    wf = _one_step(t, parameters={"x": 1})
    outputs = _leaf(render(wf), "double")["outputs"]["parameters"]
    assert {
        "name": "dflow_success_tag",
        "valueFrom": {"path": "/tmp/outputs/success_tag", "default": "0"},
    } in outputs
    wf.submit()
    assert wf.query_step(name="s")[0].outputs.parameters["dflow_success_tag"].value in (1, "1")


def test_skip_slice_input_takes_each_item_as_given(debug_mode):
    # GIVEN items that are already slices WHEN each is passed as {{item}} THEN it is not sliced
    t = PythonOPTemplate(Total, image="img", skip_slice_input=True)
    wf = Workflow(name="skip")
    wf.add(
        Step(
            "sum",
            t,
            parameters={"xs": "{{item}}"},
            with_param=[[1, 2], [3, 4, 5]],
            slices=Slices(input_parameter=["xs"], output_parameter=["total"]),
        )
    )
    wf.submit()
    assert wf.query_status() == "Succeeded"
    items = wf.query_step(name=r"sum\(.*")
    assert sorted(s.outputs.parameters["total"].value for s in items) == [3, 12]


def test_upload_dflow_false_ships_only_the_user_packages(tmp_path):
    from dflow import Steps
    from dflow.submission import _package_lists, runtime_package

    pkg = tmp_path / "mypkg"
    pkg.mkdir()
    with_dflow = PythonOPTemplate(Double, image="img", python_packages=[str(pkg)])
    without = PythonOPTemplate(
        Double, name="double-own", image="img", python_packages=[str(pkg)], upload_dflow=False
    )
    steps = Steps("main")
    steps.add([Step("a", with_dflow, parameters={"x": 1}), Step("b", without, parameters={"x": 1})])
    lists = _package_lists(steps, (runtime_package(),))
    assert sorted(lists) == sorted([(str(pkg), runtime_package()), (str(pkg),)])
