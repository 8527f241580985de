"""RayClusterExecutor: the rendered copy (init container, shared volume, connection lines)."""

from __future__ import annotations

import inspect
import json

import pytest
from argo_schema import validate_manifest

from dflow import (
    InvalidWorkflowError,
    PythonScriptOPTemplate,
    ShellOPTemplate,
    Step,
    Workflow,
)
from dflow.plugins.ray import RayClusterExecutor
from dflow.python import OP, OPIO, OPIOSign, PythonOPTemplate


class Plus(OP):
    @classmethod
    def get_input_sign(cls) -> OPIOSign:
        return OPIOSign({"x": int})

    @classmethod
    def get_output_sign(cls) -> OPIOSign:
        return OPIOSign({"y": int})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"y": op_in["x"] + 1})


def _ray_template(manifest: dict) -> dict:
    return next(t for t in manifest["spec"]["templates"] if "-ray-" in t["name"])


def test_keywords_are_the_originals() -> None:
    # checked against the original 1.8.134 (inspect.signature of RayClusterExecutor.__init__)
    params = inspect.signature(RayClusterExecutor.__init__).parameters
    assert list(params) == [
        "self",
        "ray_host",
        "ray_remote_path",
        "workdir",
        "ray_install_mirror",
        "ray_dependencies",
    ]
    assert params["ray_remote_path"].default == "/tmp/ray"
    assert params["workdir"].default == "~/dflow/workflows/{{workflow.name}}/{{pod.name}}"
    assert params["ray_install_mirror"].default is None


def test_python_op_step_gets_init_container_volume_and_connection() -> None:
    # GIVEN a Python OP step sent to a Ray cluster
    executor = RayClusterExecutor(
        "ray://10.0.0.1:10001",
        ray_install_mirror="https://mirror.example/simple",
        ray_dependencies=[json],
    )
    template = PythonOPTemplate(Plus, image="python:3.10")
    wf = Workflow(name="ray")
    wf.add(Step("plus", template, parameters={"x": 1}, executor=executor))
    # WHEN it is rendered
    manifest = wf.to_dict()
    validate_manifest(manifest)
    body = _ray_template(manifest)
    # THEN, as in the original 1.8.134: an init container "ray-init" in the step's image that
    # installs ray into an emptyDir "ray-python-packages" mounted at ray_remote_path in both
    assert body["volumes"] == [{"name": "ray-python-packages", "emptyDir": {}}]
    mount = {"name": "ray-python-packages", "mountPath": "/tmp/ray"}
    assert body["script"]["volumeMounts"] == [mount]
    [init] = body["initContainers"]
    assert init["name"] == "ray-init" and init["image"] == "python:3.10"
    assert init["command"] == ["sh"] and init["volumeMounts"] == [mount]
    # (the original installs plain "ray", which cannot reach a "ray://" address: Ray Client
    # needs the "client" extra)
    assert init["args"] == [
        "-c",
        "python3 -c 'import ray, grpc' >/dev/null 2>&1 || { python3 -m pip install "
        "'ray[client]' --target=/tmp/ray -i https://mirror.example/simple; }",
    ]
    source = body["script"]["source"]
    # the address is the default of RAY_ADDRESS; ray.init comes after the package set-up and
    # before the OP, with the dependencies as py_modules
    assert "_dflow_sys.path.append('/tmp/ray')" in source
    assert "_dflow_os.environ['RAY_ADDRESS'] = 'ray://10.0.0.1:10001'" in source
    connect = (
        "import ray\nimport json\n"
        "ray.init(_dflow_os.environ['RAY_ADDRESS'], runtime_env={'py_modules': [json]})\n"
    )
    assert source.index("use_packages(") < source.index(connect) < source.index("dflow_run(")
    compile(source, "step", "exec")
    # the template given to the step is unchanged
    assert template.init_containers == [] and "ray.init" not in template.script


def test_plain_python_script_connects_first_and_keeps_its_own_init_containers() -> None:
    own = {"name": "fetch", "image": "busybox", "command": ["true"]}
    template = PythonScriptOPTemplate(
        name="driver", image="py", script="print('hi')\n", init_containers=[own]
    )
    copy = RayClusterExecutor("127.0.0.1:6379", ray_remote_path="/opt/ray").render(template)
    assert copy.init_containers[0] == own
    assert copy.init_containers[1]["args"][1] == (
        "python3 -c 'import ray' >/dev/null 2>&1 || "
        "{ python3 -m pip install ray --target=/opt/ray; }"
    )
    assert copy.init_containers[1]["volumeMounts"] == [
        {"name": "ray-python-packages", "mountPath": "/opt/ray"}
    ]
    assert copy.script.endswith(
        # without dependencies no runtime_env: Ray rejects an empty py_modules list
        "import ray\nray.init(_dflow_os.environ['RAY_ADDRESS'])\nprint('hi')\n"
    )
    wf = Workflow(name="w")
    wf.add(Step("s", copy))
    manifest = wf.to_dict()
    validate_manifest(manifest)
    # a manifest read back keeps both init containers
    again = Workflow.from_dict(manifest).to_dict()
    assert again["spec"]["templates"] == manifest["spec"]["templates"]


def test_success_tag_rebuild_keeps_the_connection() -> None:
    template = PythonOPTemplate(Plus, image="python:3.10")
    wf = Workflow(name="counted")
    wf.add(
        Step(
            "plus",
            template,
            parameters={"x": "{{item}}"},
            with_param=[1, 2],
            continue_on_num_success=1,
            executor=RayClusterExecutor("127.0.0.1:6379"),
        )
    )
    manifest = wf.to_dict()
    validate_manifest(manifest)
    body = _ray_template(manifest)
    assert "ray.init(" in body["script"]["source"]
    assert "success_tag=" in body["script"]["source"]


def test_settings_name_the_copy_deterministically() -> None:
    template = PythonScriptOPTemplate(name="driver", script="print(1)\n")
    a = RayClusterExecutor("h:1").render(template)
    assert a.name == RayClusterExecutor("h:1").render(template).name
    assert a.name != RayClusterExecutor("h:2").render(template).name
    assert a.name.startswith("driver-ray-")


def test_errors_name_what_is_wrong() -> None:
    shell = ShellOPTemplate(name="sh", script="echo hi")
    with pytest.raises(InvalidWorkflowError, match="template 'sh': only Python templates"):
        RayClusterExecutor("h:1").render(shell)
    with pytest.raises(InvalidWorkflowError, match="workdir '/w' cannot apply"):
        RayClusterExecutor("h:1", workdir="/w")
    with pytest.raises(InvalidWorkflowError, match="ray_dependencies takes modules"):
        RayClusterExecutor("h:1", ray_dependencies=["os; import evil"])
    with pytest.raises(
        InvalidWorkflowError, match="ray_remote_path 'rel' must be an absolute path"
    ):
        RayClusterExecutor("h:1", ray_remote_path="rel")
