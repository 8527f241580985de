"""DatasetsArtifact: URNs, rclone settings and the rendered sidecar, as in the original (without
its password in the manifest)."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest
from argo_schema import validate_manifest

from dflow import InputArtifact, Inputs, ShellOPTemplate, Step, Workflow, config
from dflow.plugins.datasets import DatasetsArtifact
from dflow.python import OP, OPIO, Artifact, OPIOSign, PythonOPTemplate
from dflow.secrets import Secret

FTP = "uftp.mlops-passthrough.dp.tech"


def test_keywords_are_the_originals() -> None:
    # checked against the original 1.8.134 (inspect.signature)
    assert list(inspect.signature(DatasetsArtifact).parameters) == [
        "element", "version", "type", "rclone_image", "rclone_image_pull_policy", "rclone_type",
        "ftp_host", "webdav_host", "user", "password", "rclone_kwargs", "sub_path",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("urn", "fields", "bohrium"),
    [  # checked against the original 1.8.134
        ("launching+datasets://water@v2", ("water", "v2", "datasets", None),
         "launching://datasets/water@v2?alias=ds&action=ro"),
        ("launching+datasets://water@v2/sub/dir", ("water", "v2", "datasets", "sub/dir"),
         "launching://datasets/water@v2?alias=ds&action=ro"),
        ("launching+models://m@draft", ("m", "draft", "models", None),
         "launching://models/m@draft?alias=ds&action=rw"),
    ],
)  # fmt: skip
def test_urns(urn: str, fields: tuple, bohrium: str) -> None:
    a = DatasetsArtifact.from_urn(urn)
    assert (a.element, a.version, a.type, a._sub_path) == fields
    assert a.get_urn() == urn and a.get_bohrium_urn("ds") == bohrium
    assert a.rclone_kwargs["host"] == FTP


def test_bad_urn_is_an_error() -> None:
    with pytest.raises(ValueError, match="Invalid URN: launching\\+data://x"):
        DatasetsArtifact.from_urn("launching+data://x@1")


def test_sub_paths_and_rclone_settings() -> None:
    a = DatasetsArtifact("water", "v2", user="u", password="p")
    assert a.sub_path("x").sub_path("y").get_urn() == "launching+datasets://water@v2/x/y"
    # the original renders "pass p" here; the password comes from the environment instead
    assert a.get_mount_script("/launching/ds") == (
        f'rclone config create water@v2 ftp host {FTP} user u pass "$DFLOW_RCLONE_PASS" '
        "explicit_tls true disable_tls13 true concurrency 3 && mkdir -p /launching/ds && "
        "rclone mount water@v2: /launching/ds"
    )
    b = DatasetsArtifact("water", "v2", rclone_type="webdav", user="u", password="p")
    assert b.rclone_kwargs == {  # checked against the original 1.8.134
        "url": "https://webdav.mlops.dp.tech/datasets~water@v2", "user": "u", "pass": "p",
        "vendor": "other", "concurrency": 100,
    }  # fmt: skip
    c = DatasetsArtifact.from_rclone_config("[water@v2]\ntype = ftp\nhost = h\nuser = u\n")
    assert (c.element, c.version, c.rclone_type) == ("water", "v2", "ftp")
    assert c.rclone_kwargs == {  # checked against the original 1.8.134
        "host": "h", "user": "u", "pass": None, "explicit_tls": True, "disable_tls13": True,
        "concurrency": 3,
    }  # fmt: skip
    # an unset password is left out rather than passed as the word None
    assert " pass " not in c.get_mount_script("/m")
    # values are quoted for the shell
    d = DatasetsArtifact("w", "1", user="a b;rm -rf /", password="p")
    assert "user 'a b;rm -rf /'" in d.get_mount_script("/m")
    with pytest.raises(ValueError, match="Invalid RClone key-value pair"):
        DatasetsArtifact.from_rclone_config("[w@1]\nbroken line\n")


class Reads(OP):
    @classmethod
    def get_input_sign(cls) -> OPIOSign:
        return OPIOSign({"ds": Artifact(Path)})

    @classmethod
    def get_output_sign(cls) -> OPIOSign:
        return OPIOSign({})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({})


def test_step_input_gets_the_sidecar_and_keeps_the_password_secret() -> None:
    # GIVEN a launching dataset as a Python OP step's input artifact
    artifact = DatasetsArtifact("water", "v2", user="u", password="hunter2")
    wf = Workflow(name="datasets")
    wf.add(Step("read", PythonOPTemplate(Reads, image="python:3.10"), artifacts={"ds": artifact}))
    # WHEN the workflow is rendered
    manifest = wf.to_dict()
    validate_manifest(manifest)
    body = next(t for t in manifest["spec"]["templates"] if "script" in t)
    # THEN, as in the original 1.8.134: volumes, the mount and the sidecar's shape
    assert body["volumes"] == [
        {"name": "launching", "emptyDir": {}},
        {"name": "dev-fuse", "hostPath": {"path": "/dev/fuse"}},
    ]
    assert {"mountPath": "/launching", "mountPropagation": "HostToContainer",
            "name": "launching"} in body["script"]["volumeMounts"]  # fmt: skip
    [sidecar] = body["sidecars"]
    assert sidecar["name"] == "rclone-ds" and sidecar["image"] == "rclone/rclone:1.62.2"
    assert sidecar["command"] == ["sh", "-c"]
    assert sidecar["securityContext"] == {"privileged": True}
    assert sidecar["volumeMounts"] == [
        {"mountPath": "/launching", "mountPropagation": "Bidirectional", "name": "launching"},
        {"mountPath": "/dev/fuse", "name": "dev-fuse"},
    ]
    assert sidecar["args"] == [artifact.get_mount_script("/launching/ds")]
    # the input no longer comes from the store: the script waits for the mount and links it
    inputs = [a["name"] for a in body.get("inputs", {}).get("artifacts", [])]
    assert "ds" not in inputs
    source = body["script"]["source"]
    assert source.startswith("import os as _dflow_os, time as _dflow_time\n")
    assert "_dflow_os.symlink('/launching/ds', '/tmp/inputs/artifacts/ds')" in source
    compile(source, "step", "exec")
    # unlike the original, the password is a Secret reference, never in the manifest
    [secret] = artifact.secrets
    assert sidecar["env"] == [
        {"name": "DFLOW_RCLONE_PASS",
         "valueFrom": {"secretKeyRef": {"name": secret.name, "key": "password"}}}
    ]  # fmt: skip
    assert "hunter2" not in json.dumps(manifest)
    assert secret.read() == "hunter2"


def test_shell_step_links_a_sub_path_and_fetch_survives_a_success_tag() -> None:
    shell = ShellOPTemplate(
        name="ls", image="alpine", script="ls /tmp/in",
        inputs=Inputs(artifacts={"in": InputArtifact(path="/tmp/in")}),
    )  # fmt: skip
    sub = DatasetsArtifact("w", "1").sub_path("a b")
    copy = sub.render(shell, "in")
    assert copy.script.endswith("ln -s '/launching/in/a b' /tmp/in || exit 1\nls /tmp/in")
    assert "grep -qs ' /launching/in ' /proc/mounts" in copy.script
    wf = Workflow(name="counted")
    wf.add(
        Step("r", PythonOPTemplate(Reads), artifacts={"ds": DatasetsArtifact("w", "1")},
             with_param=[1, 2], continue_on_num_success=1)
    )  # fmt: skip
    manifest = wf.to_dict()
    validate_manifest(manifest)
    body = next(t for t in manifest["spec"]["templates"] if "script" in t and "sidecars" in t)
    assert "success_tag=" in body["script"]["source"]
    assert "_dflow_os.symlink('/launching/ds'" in body["script"]["source"]


def test_existing_secret_and_registry() -> None:
    artifact = DatasetsArtifact("w", "1", password=Secret(name="datasets", key="pass"))
    assert [(s.name, s.key) for s in artifact.secrets] == [("datasets", "pass")]
    assert config["artifact_register"]["launching+models"] == (
        "dflow.plugins.datasets.DatasetsArtifact"
    )
