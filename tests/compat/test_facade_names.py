"""dflow 1.x names that live under other names here: each does what the original's does."""

from __future__ import annotations

import datetime
import json
import sys
from typing import List

import pytest

import dflow
from dflow import InputParameter, Inputs, ShellOPTemplate, Step, Steps, Workflow


def test_pod_names_follow_argo():
    from dflow.argo_objects import fnva, get_duration, get_hash, get_pod_name, match

    # checked against pydflow 1.8.134
    assert fnva(b"abc", 0x811C9DC5, 0x01000193, 2**32) == 440920331
    assert get_hash("wf.step") == 50522712
    assert get_pod_name("wf", "wf[0].step", "tmpl", "wf-123") == "wf-tmpl-606767166"
    assert get_pod_name("wf", "wf", "tmpl", "wf") == "wf"
    assert match("abc", ["abc"]) and not match("abc", ["a.*"])
    status = {"startedAt": "2024-01-01T00:00:00Z", "finishedAt": "2024-01-01T00:01:05Z"}
    assert get_duration(status) == datetime.timedelta(seconds=65)
    assert get_duration({"startedAt": None}) == datetime.timedelta(0)


def test_config_parsers():
    config_module = sys.modules["dflow.config"]
    # checked against pydflow 1.8.134
    assert [config_module.boolize(v) for v in ("true", "0", "False", "1", "yes")] == [
        True,
        False,
        False,
        True,
        True,
    ]
    assert config_module.nullable("None") is None and config_module.nullable("x") == "x"
    assert config_module.split_headers("a: b\nX-Token: t") == {"a": "b", "X-Token": "t"}
    with pytest.raises(ValueError, match="nocolon"):
        config_module.split_headers("nocolon")


def test_named_dicts_name_their_values():
    from dflow.io import AutonamedDict, InputParameters, ObjectDict

    params = InputParameters(x=InputParameter())
    assert params["x"].name == "x"
    with pytest.raises(ValueError, match="must be a InputParameter"):
        params["y"] = 3
    generic = AutonamedDict({"p": InputParameter(), "n": 1})
    assert generic["p"].name == "p" and generic["n"] == 1
    obj = ObjectDict({"a": {"b": 1}}, c=2)
    assert obj.a == {"b": 1} and obj.c == 2


def test_value_helpers():
    from dflow.io import convert_value_to_str, type_to_str

    # checked against pydflow 1.8.134
    assert [type_to_str(int), type_to_str(List[int]), type_to_str(str)] == [
        "int",
        "typing.List",
        "str",
    ]
    assert [convert_value_to_str(v) for v in (1, "a", [1], {"a": 1})] == [
        "1",
        "a",
        "[1]",
        '{"a": 1}',
    ]


def test_argo_classes_render_like_their_functions():
    from dflow.step import ArgoEnumerate, ArgoLen, ArgoRange, argo_len, argo_range

    assert ArgoRange(3).expr == argo_range(3).expr == "toJson(sprig.untilStep(0, 3, 1))"
    ref = Steps("s", inputs=Inputs(parameters={"a": InputParameter()})).inputs.parameters["a"]
    assert ArgoLen(ref).expr == argo_len(ref).expr
    # checked against pydflow 1.8.134
    assert ArgoEnumerate(x=[1], y=[2]).expr == (
        "toJson(map(sprig.untilStep(0, len(sprig.fromJson('[1]')), 1), "
        "{ {'order': #, 'x': jsonpath('[1]', '$')[#], 'y': jsonpath('[2]', '$')[#]} }))"
    )


def test_main_module(capsys):
    from dflow.main import format_print_table, format_time_delta, main, parse_args

    assert parse_args(["list"]).command == "list"
    assert [format_time_delta(datetime.timedelta(seconds=s)) for s in (5, 65, 3700, 90000)] == [
        "5s",
        "65s",
        "1h",
        "1d",
    ]
    format_print_table([["NAME", "STATUS"], ["a", "Running"]])
    assert capsys.readouterr().out.split() == ["NAME", "STATUS", "a", "Running"]
    assert main(["--help"]) == 0


class _Labeller(dflow.Context):
    def render(self, template):
        return template.replace(labels={**template.labels, "team": "x"})


def test_context_rewrites_every_template(render):
    hello = ShellOPTemplate(name="hello", image="alpine", script="echo hi")
    wf = Workflow(name="ctx", context=_Labeller())
    wf.add(Step("a", hello))
    (leaf,) = [t for t in render(wf)["spec"]["templates"] if t["name"].startswith("hello")]
    assert leaf["metadata"]["labels"] == {"team": "x"}


def test_docker_secret_is_created_and_named(tmp_path, monkeypatch, render):
    from dflow.config import config

    secret = dflow.DockerSecret("registry.example", "me", "pw", name="pull")
    hello = ShellOPTemplate(name="hello", image="registry.example/img", script="echo hi")
    wf = Workflow(name="pulls", image_pull_secrets=[secret, "existing"])
    wf.add(Step("a", hello))
    assert render(wf)["spec"]["imagePullSecrets"] == [{"name": "pull"}, {"name": "existing"}]
    assert "pw" not in json.dumps(render(wf))
    # in debug mode the secret is created in the local secrets directory on submit
    monkeypatch.setenv("DFLOW_SECRETS_DIR", str(tmp_path / "secrets"))
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "engine"))
    monkeypatch.setitem(config, "detach", False)
    wf.submit()
    stored = json.loads((tmp_path / "secrets" / "pull" / ".dockerconfigjson").read_text())
    assert stored["auths"]["registry.example"]["username"] == "me"
    assert secret.secret_type == "kubernetes.io/dockerconfigjson"


def test_top_level_names_resolve():
    for name in ("randstr", "path_list_of_artifact", "path_object_of_artifact", "jsonpickle"):
        assert getattr(dflow, name) is not None
    assert dflow.jsonpickle.loads(dflow.jsonpickle.dumps({"a": 1})) == {"a": 1}


def test_template_copy_and_from_dict(render):
    from dflow.op_template import ShellOPTemplate as Shell

    hello = Shell(
        name="hello",
        image="alpine",
        script="echo {{inputs.parameters.x}}",
        inputs=Inputs(parameters={"x": InputParameter()}),
    )
    copied = hello.copy()
    copied.inputs.parameters["y"] = InputParameter()
    assert "y" not in hello.inputs.parameters
    wf = Workflow(name="fd")
    wf.add(Step("a", hello, parameters={"x": 1}))
    (body,) = [t for t in render(wf)["spec"]["templates"] if t["name"] == "hello"]
    back = Shell.from_dict(body)
    assert (back.name, back.image, back.script) == ("hello", "alpine", hello.script)
    assert list(back.inputs.parameters) == ["x"]
    with pytest.raises(ValueError, match="not a Steps"):
        Steps.from_dict(body)


def test_durations_of_queried_objects():
    from dflow import ArgoStep, ArgoWorkflow

    wf = ArgoWorkflow(
        {"status": {"startedAt": "2024-01-01T00:00:00Z", "finishedAt": "2024-01-01T00:00:30Z"}}
    )
    assert wf.get_duration() == datetime.timedelta(seconds=30)
    step = ArgoStep({"startedAt": "2024-01-01T00:00:00Z", "finishedAt": "2024-01-01T01:00:00Z"})
    assert step.get_duration() == datetime.timedelta(hours=1)


def test_argo_object_list_reads_as_views():
    from dflow.argo_objects import ArgoObjectList

    # checked against pydflow 1.8.134
    items = ArgoObjectList([{"a": 1}, [1, {"b": 2}]])
    assert items[0].a == 1 and items[1][1].b == 2
    assert isinstance(items[1], ArgoObjectList)
    assert items.recover() == [{"a": 1}, [1, {"b": 2}]]


def test_upload_python_packages_ships_them_to_an_op(tmp_path, monkeypatch):
    from dflow.config import s3_config
    from dflow.step import upload_python_packages
    from dflow.storage import LocalClient, download_artifact

    monkeypatch.setitem(s3_config, "storage_client", LocalClient(str(tmp_path / "store")))
    pkg = tmp_path / "mypkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("X = 1\n")
    art = upload_python_packages([str(pkg)])
    out = tmp_path / "out"
    download_artifact(art, path=str(out))
    assert (out / "mypkg" / "__init__.py").read_text() == "X = 1\n"
    with pytest.raises(ValueError, match="does not exist"):
        upload_python_packages([str(tmp_path / "missing")])


def test_output_artifact_pvc_saves_into_the_public_claim(render):
    from dflow import OutputArtifact, Outputs

    out = OutputArtifact(path="/tmp/x")
    claim = out.pvc(size="2Gi")
    # checked against pydflow 1.8.134: a claim "public", a random 5-letter sub-path
    assert (claim.name, claim.size, len(claim.subpath)) == ("public", "2Gi", 5)
    assert out.save == [claim]
    make = ShellOPTemplate(
        name="make", image="alpine", script="mkdir -p /tmp/x", outputs=Outputs(artifacts={"x": out})
    )
    wf = Workflow(name="pvc-save")
    wf.add(Step("s", make))
    (vct,) = render(wf)["spec"]["volumeClaimTemplates"]
    assert vct["metadata"]["name"] == "public"
    assert vct["spec"]["resources"]["requests"]["storage"] == "2Gi"


def test_client_models_are_argos():
    from dflow.client import V1alpha1Parameter, V1alpha1RetryStrategy
    from dflow.client.v1alpha1_template import V1alpha1Template

    # checked against pydflow 1.8.134: snake_case fields in and out
    strategy = V1alpha1RetryStrategy(limit="2", retry_policy="OnFailure")
    assert strategy.to_dict() == {"limit": "2", "retry_policy": "OnFailure"}
    template = V1alpha1Template(name="t", parallelism=2)
    assert template.to_dict() == {"name": "t", "parallelism": 2}
    assert V1alpha1Parameter(name="x", value="1").to_dict() == {"name": "x", "value": "1"}
