"""Bohrium: the account/job client and Tiefblue storage against a loopback server speaking their
APIs; the executor's and context's rendered templates as in the original."""

from __future__ import annotations

import hashlib
import inspect
import json
import pickle
from pathlib import Path
from typing import Iterator

import pytest
from argo_schema import validate_manifest
from bohrium_server import BohriumServer

from dflow import (
    InvalidWorkflowError,
    PythonScriptOPTemplate,
    ShellOPTemplate,
    Step,
    Workflow,
    config,
    download_artifact,
    upload_artifact,
)
from dflow.context import Context
from dflow.errors import ArtifactNotFoundError
from dflow.plugins import bohrium
from dflow.plugins.bohrium import (
    BohriumContext,
    BohriumDatasetsArtifact,
    BohriumExecutor,
    TiefblueClient,
    create_job_group,
    login,
)
from dflow.python import OP, OPIO, OPIOSign, PythonOPTemplate


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[BohriumServer]:
    with BohriumServer() as srv:
        for key in bohrium.config:
            monkeypatch.setitem(bohrium.config, key, None)
        for key in ("bohrium_url", "openapi_url", "tiefblue_url"):
            monkeypatch.setitem(bohrium.config, key, srv.url)
        monkeypatch.setitem(config, "http_headers", {})
        yield srv


def _account(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(bohrium.config, "username", "alice@example.com")
    monkeypatch.setitem(bohrium.config, "password", "s3cret")


def test_login_sets_the_token_and_the_argo_headers(server: BohriumServer) -> None:
    token = login("alice@example.com", password="s3cret")
    assert server.state.logins[token] == "alice@example.com"
    assert bohrium.config["authorization"] == token
    # the Argo API calls of a Bohrium workflow carry the token as a cookie
    assert config["http_headers"]["Cookie"] == f"brmToken={token}"
    again = login("alice@example.com", password="s3cret")
    assert config["http_headers"]["Cookie"] == f"brmToken={again}"  # replaced, not appended


def test_wrong_password_is_a_runtime_error_with_the_service_message(server: BohriumServer) -> None:
    with pytest.raises(RuntimeError, match="login failed: wrong user name or password"):
        login("alice@example.com", password="nope")


def test_unreachable_service_names_the_call(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(RuntimeError, match="Bohrium login: cannot reach http://127.0.0.1:9/"):
        login("a", password="b", bohrium_url="http://127.0.0.1:9")


def test_job_group_after_login(server: BohriumServer, monkeypatch: pytest.MonkeyPatch) -> None:
    _account(monkeypatch)
    monkeypatch.setitem(bohrium.config, "project_id", "42")
    assert create_job_group("my-jobs") == 1000
    assert server.state.groups == [{"groupId": 1000, "name": "my-jobs", "projectId": 42}]
    assert config["http_headers"]["Bohrium-Project-ID"] == "42"


def test_job_group_with_an_access_key_uses_a_ticket(
    server: BohriumServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(bohrium.config, "access_key", "ak-1")
    monkeypatch.setitem(bohrium.config, "app_key", "app-1")
    assert create_job_group("g") == 1000
    ticket = bohrium.config["ticket"]
    assert server.state.tickets[ticket] == "ak-1"
    assert config["http_headers"]["Brm-Ticket"] == ticket
    assert not server.state.logins  # no login was needed
    monkeypatch.setitem(bohrium.config, "app_key", "wrong")
    with pytest.raises(RuntimeError, match="get ticket failed: invalid access key"):
        create_job_group("g")


def test_tiefblue_round_trip(
    server: BohriumServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _account(monkeypatch)
    client = TiefblueClient(project_id="7")
    # GIVEN a storage token and the project's prefix from Bohrium
    assert client.prefix == "proj7/" and client.sharePath == "share7/"
    assert client.new_key("upload/x") == "proj7/upload/x"
    src = tmp_path / "a.txt"
    src.write_bytes(b"hello tiefblue")
    # WHEN objects are stored, copied, listed, read and deleted
    client.upload("proj7/d/a.txt", str(src))
    client.copy("proj7/d/a.txt", "proj7/d/sub/b.txt")
    assert client.list("proj7/d/") == ["proj7/d/a.txt", "proj7/d/sub/b.txt"]
    assert client.list("proj7/d/", recursive=False) == ["proj7/d/a.txt", "proj7/d/sub/"]
    client.download("proj7/d/sub/b.txt", str(tmp_path / "out" / "b.txt"))
    assert (tmp_path / "out" / "b.txt").read_bytes() == b"hello tiefblue"
    with client.open("proj7/d/a.txt") as f:
        assert f.read() == b"hello tiefblue"
    assert client.exists("proj7/d/a.txt") and not client.exists("proj7/none")
    assert client.get_md5("proj7/d/a.txt") == hashlib.md5(b"hello tiefblue").hexdigest()
    client.delete("proj7/d/a.txt")
    assert not client.exists("proj7/d/a.txt")
    # THEN a missing object is a not-found error naming its key, and nothing half-written stays
    with pytest.raises(ArtifactNotFoundError, match="proj7/none"):
        client.download("proj7/none", str(tmp_path / "none"))
    assert not list(tmp_path.glob("none*"))


def test_tiefblue_pages_parts_and_an_expired_token(
    server: BohriumServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _account(monkeypatch)
    client = TiefblueClient(project_id="7")
    for i in range(120):  # three pages of 50
        server.state.objects[f"proj7/many/{i:03d}"] = b"x"
    assert client.list("proj7/many/") == [f"proj7/many/{i:03d}" for i in range(120)]
    # a large file goes in parts
    client.chunk_size = 1000
    big = tmp_path / "big"
    big.write_bytes(bytes(range(256)) * 20)  # 5120 bytes: 6 parts
    client.upload("proj7/big", str(big))
    parts = [r for r in server.state.requests if r[1] == "/api/upload/multipart/upload"]
    assert len(parts) == 6
    assert server.state.objects["proj7/big"] == big.read_bytes()
    # an expired storage token is renewed once, transparently
    old = client.token
    server.state.expire_storage_tokens()
    assert client.list("proj7/big") == ["proj7/big"]
    assert client.token != old


def test_tiefblue_logs_in_again_when_bohrium_answers_nothing(
    server: BohriumServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _account(monkeypatch)
    server.state.silent_once = True
    client = TiefblueClient(project_id="1")
    assert client.token in server.state.storage_tokens
    assert len(server.state.logins) == 2  # the first login's answer was refused: a new one


def test_tiefblue_state_for_steps_holds_no_password(
    server: BohriumServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _account(monkeypatch)
    client = TiefblueClient(project_id="1")
    copy = pickle.loads(pickle.dumps(client))
    assert copy.token == client.token and copy.prefix == "proj1/"
    assert copy.password is None and copy.authorization is None
    assert "s3cret" not in json.dumps(client.to_dict())


def test_artifacts_through_tiefblue(
    server: BohriumServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _account(monkeypatch)
    client = TiefblueClient(project_id="3")
    monkeypatch.chdir(tmp_path)
    Path("data").mkdir()
    Path("data/one.txt").write_text("1")
    art = upload_artifact(["data/one.txt"], storage_client=client)
    assert art.key.startswith("proj3/")
    got = download_artifact(art, path=tmp_path / "back", storage_client=client)
    assert [Path(p).read_text() for p in got if p] == ["1"]


# -- rendering -------------------------------------------------------------------------------


def test_keywords_are_the_originals() -> None:
    # checked against the original 1.8.134 (inspect.signature)
    assert list(inspect.signature(BohriumExecutor).parameters) == ["executor", "extra"]
    assert list(inspect.signature(BohriumContext).parameters) == [
        "username", "phone", "password", "bohrium_url", "executor", "extra", "authorization",
    ]  # fmt: skip
    assert list(inspect.signature(TiefblueClient).parameters) == [
        "bohrium_url", "username", "phone", "password", "authorization", "project_id", "token",
        "prefix", "sharePath", "userSharePath", "tiefblue_url", "ticket", "access_key",
        "openapi_url", "app_key",
    ]  # fmt: skip
    assert list(inspect.signature(login).parameters) == [
        "username", "phone", "password", "bohrium_url",
    ]  # fmt: skip


def _scripts(manifest: dict) -> dict:
    return {t["name"].split("-")[0]: t for t in manifest["spec"]["templates"] if "script" in t}


def test_executor_annotates_and_moves_tmp_as_the_original() -> None:
    shell = ShellOPTemplate(
        name="sh", image="alpine", script="echo hi > /tmp/out\ncat /tmp/inputs/x"
    )
    py = PythonScriptOPTemplate(name="py", image="python", script="open('/tmp/o','w').write('1')")
    wf = Workflow(name="b")
    extra = {"scass_type": "c2_m4_cpu"}
    wf.add(Step("a", shell, executor=BohriumExecutor(executor="bohrium_v2", extra=extra)))
    wf.add(Step("b", py, executor=BohriumExecutor()))
    manifest = wf.to_dict()
    validate_manifest(manifest)
    sh, pyt = _scripts(manifest)["sh"], _scripts(manifest)["py"]
    # checked against the original 1.8.134: these annotations and sources
    assert sh["metadata"]["annotations"] == {
        "workflow.dp.tech/executor": "bohrium_v2",
        "task.dp.tech/extra": '{"scass_type": "c2_m4_cpu"}',
        "workflow.dp.tech/script_rendered": "true",
    }
    assert (
        sh["script"]["source"] == "mkdir -p tmp\necho hi > $(pwd)/tmp/out\ncat $(pwd)/tmp/inputs/x"
    )
    assert pyt["metadata"]["annotations"] == {"workflow.dp.tech/script_rendered": "true"}
    assert pyt["script"]["source"] == (
        "import os\nos.makedirs('tmp', exist_ok=True)\nopen('$(pwd)/tmp/o','w').write('1')"
    )
    assert shell.script == "echo hi > /tmp/out\ncat /tmp/inputs/x"  # the original is untouched


class Hello(OP):
    @classmethod
    def get_input_sign(cls) -> OPIOSign:
        return OPIOSign({"x": int})

    @classmethod
    def get_output_sign(cls) -> OPIOSign:
        return OPIOSign({"y": int})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"y": op_in["x"]})


def test_python_op_keeps_its_work_dir_when_its_script_is_rebuilt() -> None:
    wf = Workflow(name="counted")
    wf.add(
        Step("h", PythonOPTemplate(Hello), parameters={"x": "{{item}}"}, with_param=[1, 2],
             continue_on_num_success=1, executor=BohriumExecutor(executor="bohrium_v2"))
    )  # fmt: skip
    manifest = wf.to_dict()
    validate_manifest(manifest)
    source = _scripts(manifest)["hello"]["script"]["source"]
    assert source.startswith("import os\nos.makedirs('tmp', exist_ok=True)\n")
    assert "success_tag='$(pwd)/tmp/" in source and "'/tmp/" not in source


def test_context_v2_and_workflow_annotations_without_the_token() -> None:
    ctx = BohriumContext(
        authorization="tok", executor="bohrium_v2", extra={"a": 1}, bohrium_url="http://x"
    )
    shell = ShellOPTemplate(name="sh", image="alpine", script="echo hi > /tmp/out")
    wf = Workflow(name="c", context=ctx)
    wf.add(Step("a", shell))
    manifest = wf.to_dict()
    validate_manifest(manifest)
    sh = _scripts(manifest)["sh"]
    # checked against the original 1.8.134
    assert sh["metadata"]["annotations"] == {
        "workflow.dp.tech/executor": "bohrium_v2",
        "workflow.dp.tech/script_rendered": "true",
    }
    assert sh["script"]["source"] == "mkdir -p tmp\necho hi > $(pwd)/tmp/out"
    # the workflow gets the executor's annotations; unlike the original, never the login token
    assert manifest["metadata"]["annotations"] == {
        "workflow.dp.tech/executor": "bohrium_v2",
        "task.dp.tech/extra": '{"a": 1}',
        "workflow.dp.tech/executor_addr": "http://x/",
    }
    assert "tok" not in json.dumps(manifest)
    assert wf.annotations == {}  # rendering does not change the workflow
    assert isinstance(ctx, Context)


def test_executor_refuses_non_script_templates() -> None:
    from dflow import Steps

    with pytest.raises(InvalidWorkflowError, match="BohriumExecutor on template 'inner'"):
        BohriumExecutor().render(Steps(name="inner"))


def test_datasets_artifact_urns_as_the_original() -> None:
    # checked against the original 1.8.134
    a = BohriumDatasetsArtifact.from_urn("bohrium+datasets:///bohr/ds/v1/a/b")
    assert (a.path, a._sub_path) == ("/bohr/ds/v1", "a/b")
    assert a.sub_path("c").get_urn() == "bohrium+datasets:///bohr/ds/v1/a/b/c"
    b = BohriumDatasetsArtifact.from_urn("bohrium+datasets:///bohr/ds/v1")
    assert (b.path, b._sub_path, b.get_urn()) == (
        "/bohr/ds/v1",
        None,
        "bohrium+datasets:///bohr/ds/v1",
    )
    assert b.sub_path("c").get_urn() == "bohrium+datasets:///bohr/ds/v1/c"
    with pytest.raises(InvalidWorkflowError, match="input artifact 'ds' .*a pod cannot fetch it"):
        b.render(ShellOPTemplate(name="t", script="true"), "ds")
    assert config["artifact_register"]["bohrium+datasets"] == (
        "dflow.plugins.bohrium.BohriumDatasetsArtifact"
    )
