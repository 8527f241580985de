"""DispatcherExecutor: its keywords and settings as in the original, and the step it renders."""

from __future__ import annotations

import ast
import inspect
import json
import re
from pathlib import Path
from typing import Any, Dict

import dispatcher_ops
import pytest

from dflow import (
    InputParameter,
    Inputs,
    ShellOPTemplate,
    Step,
    Steps,
    Workflow,
    argo_range,
)
from dflow.errors import InvalidWorkflowError
from dflow.executors import RemoteExecutor, SlurmRemoteExecutor
from dflow.plugins import dispatcher as plugin
from dflow.plugins import dispatcher_runtime
from dflow.plugins.dispatcher import DispatcherArtifact, DispatcherExecutor
from dflow.python import PythonOPTemplate, Slices
from dflow.secrets import Secret

# keyword, default: checked against the original 1.8.134 (inspect.signature)
ORIGINAL_KEYWORDS = [
    ("host", None),
    ("queue_name", None),
    ("port", 22),
    ("username", "root"),
    ("password", None),
    ("private_key_file", None),
    ("image", None),
    ("image_pull_policy", None),
    ("command", "python3"),
    ("remote_command", None),
    ("map_tmp_dir", True),
    ("machine_dict", None),
    ("resources_dict", None),
    ("task_dict", None),
    ("json_file", None),
    ("docker_executable", None),
    ("singularity_executable", None),
    ("container_args", ""),
    ("podman_executable", None),
    ("remote_root", None),
    ("retry_on_submission_error", None),
    ("merge_sliced_step", False),
    ("pre_script", ""),
    ("post_script", ""),
    ("clean", True),
    ("remove_scheduling_strategies", True),
    ("envs", None),
    ("merge_bohrium_job_group", False),
    ("terminate_grace_period", None),
]


def test_keywords_and_defaults_are_the_originals_in_order() -> None:
    params = list(inspect.signature(DispatcherExecutor.__init__).parameters.values())[1:]
    ours = [(p.name, p.default) for p in params[: len(ORIGINAL_KEYWORDS)]]
    assert ours == ORIGINAL_KEYWORDS
    assert set(plugin.__all__) >= {"DispatcherExecutor", "DispatcherArtifact", "update_dict"}


def test_settings_match_the_original_except_the_password() -> None:
    # observed on the original 1.8.134; it also puts the password into machine_dict, we do not
    d = DispatcherExecutor(
        host="login",
        username="alice",
        queue_name="q",
        password="pw",
        resources_dict={"envs": {"A": "1"}},
        machine_dict={"remote_profile": {"timeout": 20}},
    )
    assert d.machine_dict == {
        "batch_type": "Slurm",
        "context_type": "SSHContext",
        "local_root": ".",
        "remote_profile": {"hostname": "login", "username": "alice", "port": 22, "timeout": 20},
        "remote_root": "/home/alice/dflow/workflows",
    }
    assert d.resources_dict == {
        "number_node": 1,
        "cpu_per_node": 1,
        "group_size": 1,
        "envs": {
            "DFLOW_WORKFLOW": "{{workflow.name}}",
            "DFLOW_POD": "{{pod.name}}",
            "PYTHONUNBUFFERED": "true",
            "A": "1",
        },
        "queue_name": "q",
    }
    assert d.task_dict == {"task_work_path": "./", "outlog": "log", "errlog": "log"}
    assert (d.image, d.command, d.image_pull_policy, d.map_tmp_dir) == (
        "dptechnology/dpdispatcher",
        ["python3"],
        None,
        True,
    )
    local = DispatcherExecutor(
        machine_dict={"batch_type": "Shell", "context_type": "LocalContext", "remote_root": "/x"},
        docker_executable="docker",
    )
    assert local.machine_dict["remote_root"] == "/x" and local.map_tmp_dir is False


def test_json_file_is_merged_under_the_dicts(tmp_path: Path) -> None:
    conf = tmp_path / "machine.json"
    conf.write_text(
        json.dumps({"machine": {"batch_type": "PBS"}, "resources": {"cpu_per_node": 4}})
    )
    d = DispatcherExecutor(host="h", json_file=str(conf), resources_dict={"cpu_per_node": 8})
    assert d.machine_dict["batch_type"] == "PBS"
    assert d.resources_dict["cpu_per_node"] == 8


def _envs(template: Dict[str, Any]) -> Dict[str, Any]:
    return {e["name"]: e for e in template["script"].get("env", [])}


def test_the_rendered_step_runs_the_runtime_and_carries_no_secret(render: Any) -> None:
    # GIVEN passwords and keys given every way the executor takes them
    pw, key = "hunter2-pw", "-----BEGIN OPENSSH PRIVATE KEY-----\nkeybytes\n"
    executors = [
        DispatcherExecutor(host="h1", password=pw),
        DispatcherExecutor(host="h2", private_key=key),
        DispatcherExecutor(host="h3", machine_dict={"remote_profile": {"password": pw}}),
        DispatcherExecutor(host="h4", password=Secret(name="cred", key="pw")),
    ]
    hello = ShellOPTemplate(
        name="hello",
        script="echo {{inputs.parameters.x}} > /tmp/outputs/x",
        inputs=Inputs(parameters={"x": InputParameter(value="1")}),
        node_selector={"gpu": "yes"},
        memory_limits="4Gi",
        envs={"MODE": "/tmp/fast"},
    )
    wf = Workflow(name="disp")
    for i, ex in enumerate(executors):
        wf.add(Step(f"s{i}", hello, executor=ex))
    # WHEN it is rendered
    manifest = render(wf)
    text = json.dumps(manifest)
    # THEN no secret value is in it; each container reads them from Secrets
    assert pw not in text and "keybytes" not in text
    leaves = [t for t in manifest["spec"]["templates"] if "script" in t]
    assert len(leaves) == 4
    refs = [
        (name, e["valueFrom"]["secretKeyRef"]["key"])
        for t in leaves
        for name, e in _envs(t).items()
        if "valueFrom" in e
    ]
    assert ("DFLOW_SSH_PASSWORD", "password") in refs
    assert ("DFLOW_SSH_KEY", "ssh-privatekey") in refs
    assert ("DFLOW_SSH_PASSWORD", "pw") in refs  # the Secret named by the user
    for t in leaves:
        # the dispatcher's container runs the runtime program with python3
        assert t["script"]["image"] == "dptechnology/dpdispatcher"
        assert t["script"]["command"] == ["python3"]
        assert t["script"]["source"] == Path(dispatcher_runtime.__file__).read_text()
        assert "nodeSelector" not in t and "resources" not in t["script"]
        envs = _envs(t)
        spec = json.loads(envs["DFLOW_DISPATCHER_SPEC"]["value"])
        assert spec["envs"] == ["MODE"]
        token = spec["token"]
        assert envs["MODE"]["value"] == f"{token}/fast"  # /tmp points into the task
        assert envs["DFLOW_DISPATCHER_SCRIPT"]["value"] == (
            "echo {{inputs.parameters.x}} > " + token + "/outputs/x"
        )
    assert len({t["name"] for t in leaves}) == 4


def test_scheduling_strategies_can_be_kept(render: Any) -> None:
    hello = ShellOPTemplate(name="hello", script="true", node_selector={"gpu": "yes"})
    wf = Workflow(name="keep")
    wf.add(
        Step("s", hello, executor=DispatcherExecutor(host="h", remove_scheduling_strategies=False))
    )
    leaf = [t for t in render(wf)["spec"]["templates"] if "script" in t][0]
    assert leaf["nodeSelector"] == {"gpu": "yes"}


def test_merged_sliced_step_renders_one_step_over_the_items(render: Any) -> None:
    executor = DispatcherExecutor(host="h", merge_sliced_step=True)
    square = Step(
        "square",
        PythonOPTemplate(dispatcher_ops.Square),
        parameters={"x": [1, 2], "tag": "t"},
        with_items=[0, 1],
        slices=Slices(input_parameter=["x"], output_parameter=["y"]),
        executor=executor,
    )
    wf = Workflow(name="merge", steps=Steps("merge"))
    wf.add(square)
    manifest = render(wf)
    step = manifest["spec"]["templates"][0]["steps"][0][0]
    assert "withItems" not in step
    args = {p["name"]: p["value"] for p in step["arguments"]["parameters"]}
    assert json.loads(args["dflow_items"]) == [0, 1] and "dflow_slice" not in args
    leaf = [t for t in manifest["spec"]["templates"] if t["name"] == step["template"]][0]
    envs = _envs(leaf)
    assert envs["DFLOW_ITEMS"]["value"] == "{{inputs.parameters.dflow_items}}"
    assert "DFLOW_SLICE" not in envs
    spec = json.loads(envs["DFLOW_DISPATCHER_SPEC"]["value"])
    # every output parameter comes back as the list of the items' values, as from a fan-out
    assert spec["merge"] == {"parameters": ["outputs/parameters/pid", "outputs/parameters/y"]}


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"host": "h", "task_dict": {"command": "x"}}, r"task_dict\['command'\] is set by"),
        ({"host": "h", "merge_bohrium_job_group": True}, "merge_bohrium_job_group"),
        ({"host": "h", "port": 0}, "port 0 is invalid"),
        ({"host": "h", "check_interval": 0}, "check_interval 0 must be > 0"),
        (
            {"host": "h", "docker_executable": "docker", "podman_executable": "podman"},
            "at most one of docker_executable",
        ),
        (
            {"machine_dict": {"context_type": "LocalContext"}, "password": "x"},
            "needs the SSH context",
        ),
        ({"machine_dict": {"context_type": "Bohrium"}}, "cloud platform"),
    ],
)
def test_bad_settings_are_clear_errors(kwargs: Dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidWorkflowError, match=message):
        DispatcherExecutor(**kwargs)


def test_an_ssh_executor_without_a_host_is_built_but_refused_at_use() -> None:
    # checked against dflow 1.8.134: DispatcherExecutor(username="foo") is built (dpgen2 does so)
    executor = DispatcherExecutor(username="foo")
    with pytest.raises(InvalidWorkflowError, match="the SSH context needs a host"):
        executor.render(ShellOPTemplate(name="hello", script="true"))


def test_templates_that_cannot_run_remotely_are_refused() -> None:
    executor = DispatcherExecutor(host="h")
    with pytest.raises(InvalidWorkflowError, match="only script templates"):
        executor.render(Steps("inner"))  # type: ignore[arg-type]
    merged = DispatcherExecutor(host="h", merge_sliced_step=True)
    step = Step(
        "sq",
        PythonOPTemplate(dispatcher_ops.Square),
        parameters={"x": [1], "tag": "t"},
        with_param=argo_range(1),
        slices=Slices("{{item.i}}", input_parameter=["x"]),
        executor=merged,
    )
    wf = Workflow(name="bad", steps=Steps("bad"))
    wf.add(step)
    with pytest.raises(InvalidWorkflowError, match="merge_sliced_step needs Slices"):
        wf.to_dict()


def test_dispatcher_artifact_is_abstract() -> None:
    with pytest.raises(TypeError):
        DispatcherArtifact()  # type: ignore[abstract]
    methods = {"modify_config", "remote_download", "bohrium_download"}
    assert methods <= set(DispatcherArtifact.__abstractmethods__)


def test_runtime_imports_nothing_from_dflow() -> None:
    # the dispatcher image has Python and dpdispatcher only
    tree = ast.parse(Path(dispatcher_runtime.__file__).read_text())
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0
            modules.add((node.module or "").split(".")[0])
    assert "dflow" not in modules and "dpdispatcher" in modules


def test_runtime_names_the_step_tmp_only_as_its_root() -> None:
    # the local engine may map the step's /tmp by rewriting the word in the script's text: the
    # runtime spells any other /tmp (a task's, a remote container's) so that it is not touched
    pattern = re.compile(r"(?<![\w./-])/tmp(?=/|\b|$)")
    code = [
        line
        for line in Path(dispatcher_runtime.__file__).read_text().splitlines()
        if pattern.search(line) and not line.lstrip().startswith(("#", '"""')) and "``" not in line
    ]
    assert code == ['ROOT = "/tmp"  # the step\'s container /tmp (the local engine maps it)']


@pytest.mark.parametrize(
    "executor",
    [
        DispatcherExecutor(host="h"),
        RemoteExecutor(host="h"),
        SlurmRemoteExecutor(host="h", header="#SBATCH -N 1"),
    ],
    ids=["dispatcher", "ssh", "slurm"],
)
def test_a_sliced_fan_out_through_an_executor_still_passes_each_slice(
    render: Any, executor: Any
) -> None:
    step = Step(
        "square",
        PythonOPTemplate(dispatcher_ops.Square),
        parameters={"x": [1, 2], "tag": "t"},
        with_param=argo_range(2),
        slices=Slices(input_parameter=["x"], output_parameter=["y"]),
        executor=executor,
    )
    wf = Workflow(name="sliced", steps=Steps("sliced"))
    wf.add(step)
    rendered = render(wf)["spec"]["templates"][0]["steps"][0][0]
    assert "withParam" in rendered
    args = {p["name"]: p["value"] for p in rendered["arguments"]["parameters"]}
    assert args["dflow_slice"] == "{{item}}"


def test_container_runtimes_run_the_script_in_the_templates_image() -> None:
    spec: Dict[str, Any] = {
        "remote_command": ["python3"],
        "downloads": ["outputs"],
        "envs": ["MODE"],
        "token": None,
        "container": {
            "kind": "docker",
            "executable": "/usr/bin/docker",
            "args": "--network host",
            "image": "python:3.11",
            "pull": "IfNotPresent",
        },
    }
    run = dispatcher_runtime.run_sh(spec)
    assert (
        '/usr/bin/docker run --rm --pull=missing -v "$W/"tmp:/tmp -w /tmp -e MODE -e DFLOW_SLICE '
        "--network host python:3.11 python3 /tmp/.dflow/script"
    ) in run
    spec["container"] = dict(spec["container"], kind="singularity", executable="singularity")
    run = dispatcher_runtime.run_sh(spec)
    assert 'singularity exec -B "$W/"tmp:/tmp --network host' in run
    assert "docker://python:3.11" in run


def test_executor_envs_go_to_the_dispatcher_container_only(render: Any) -> None:
    executor = DispatcherExecutor(host="h", envs={"HTTPS_PROXY": "http://proxy:3128"})
    wf = Workflow(name="envs")
    wf.add(Step("s", ShellOPTemplate(name="hello", script="true"), executor=executor))
    leaf = [t for t in render(wf)["spec"]["templates"] if "script" in t][0]
    envs = _envs(leaf)
    assert envs["HTTPS_PROXY"]["value"] == "http://proxy:3128"
    assert json.loads(envs["DFLOW_DISPATCHER_SPEC"]["value"])["envs"] == []
