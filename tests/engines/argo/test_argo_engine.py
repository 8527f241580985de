"""ArgoEngine against the loopback Argo server: REST calls, errors, retries, auth, TLS."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from argo_server import TOKEN, ArgoTestServer, hello_manifest

from dflow.engines import get_engine
from dflow.engines.argo import ArgoEngine
from dflow.errors import ArgoAPIError, DflowError


def engine(server: ArgoTestServer, **kw) -> ArgoEngine:
    kw.setdefault("token", TOKEN)
    return ArgoEngine(host=server.url, namespace="argo", backoff=0.01, **kw)


def test_get_engine_loads_argo_for_default_mode(argo_server):
    eng = get_engine("default", host=argo_server.url, token=TOKEN, namespace="argo")
    assert isinstance(eng, ArgoEngine)


def test_submit_posts_the_manifest_and_returns_the_created_workflow(argo_server):
    created = engine(argo_server).submit(hello_manifest())
    name = created["metadata"]["name"]
    assert name.startswith("hello-") and len(name) == len("hello-") + 5
    method, path, body = argo_server.calls("POST")[0]
    assert path == "/api/v1/workflows/argo"
    assert body["workflow"]["metadata"]["generateName"] == "hello-"
    assert argo_server.headers[-1]["Authorization"] == f"Bearer {TOKEN}"


def test_invalid_manifest_is_refused_with_the_schema_errors(argo_server):
    bad = hello_manifest()
    bad["spec"]["templates"][0]["contianer"] = bad["spec"]["templates"][0].pop("container")
    with pytest.raises(ArgoAPIError) as err:
        engine(argo_server).submit(bad)
    assert err.value.status == 400
    assert "contianer" in err.value.server_message
    assert err.value.workflow == "hello-"


def test_wrong_token_is_401_and_says_so(argo_server):
    with pytest.raises(ArgoAPIError) as err:
        engine(argo_server, token="nope").list()
    assert err.value.status == 401 and "token" in str(err.value)


def test_token_with_bearer_prefix_is_sent_once(argo_server):
    engine(argo_server, token=f"Bearer {TOKEN}").list()
    assert argo_server.headers[-1]["Authorization"] == f"Bearer {TOKEN}"


def test_missing_workflow_is_404_naming_it(argo_server):
    with pytest.raises(ArgoAPIError) as err:
        engine(argo_server).get("ghost")
    assert err.value.status == 404
    assert err.value.workflow == "ghost" and "ghost" in str(err.value)


def test_list_filters_by_labels_and_handles_null_items(argo_server):
    eng = engine(argo_server)
    assert eng.list() == []  # the server answers "items": null
    eng.submit(hello_manifest(labels={"team": "a", "run": "1"}))
    eng.submit(hello_manifest(labels={"team": "b"}))
    assert len(eng.list()) == 2
    found = eng.list({"team": "a", "run": "1"})
    assert [w["metadata"]["labels"]["team"] for w in found] == ["a"]
    assert "listOptions.labelSelector=team%3Da%2Crun%3D1" in argo_server.calls("GET")[-1][1]


def test_actions_change_the_workflow(argo_server):
    eng = engine(argo_server)
    name = eng.submit(hello_manifest())["metadata"]["name"]
    assert eng.action(name, "suspend")["spec"]["suspend"] is True
    assert "suspend" not in eng.action(name, "resume")["spec"]
    terminated = eng.action(name, "terminate")
    assert terminated["status"]["phase"] == "Failed"
    _, path, body = argo_server.calls("PUT")[-1]
    assert path == f"/api/v1/workflows/argo/{name}/terminate"
    assert body == {"name": name, "namespace": "argo"}
    assert eng.action(name, "retry")["status"]["phase"] == "Running"
    again = eng.action(name, "resubmit")["metadata"]["name"]
    assert again != name and eng.get(again)["metadata"]["name"] == again
    eng.action(name, "delete")
    with pytest.raises(ArgoAPIError) as err:
        eng.get(name)
    assert err.value.status == 404


def test_unknown_action_is_refused_before_any_call(argo_server):
    with pytest.raises(ValueError, match="unknown workflow action 'pause'"):
        engine(argo_server).action("x", "pause")
    assert argo_server.requests == []


def test_get_is_retried_on_5xx_and_dropped_connections(argo_server):
    eng = engine(argo_server)
    name = eng.submit(hello_manifest())["metadata"]["name"]
    argo_server.fail_next(2, 503, method="GET")
    argo_server.fail_next(1, 0, method="GET")
    assert eng.get(name)["metadata"]["name"] == name
    assert len(argo_server.calls("GET")) == 4


def test_get_gives_up_after_the_retries_with_the_server_message(argo_server):
    argo_server.fail_next(10, 503, method="GET", message="etcd is down")
    with pytest.raises(ArgoAPIError) as err:
        engine(argo_server, retries=2).get("wf-1")
    assert err.value.status == 503 and "etcd is down" in str(err.value)
    assert len(argo_server.calls("GET")) == 3


def test_create_is_never_retried_after_the_request_was_sent(argo_server):
    argo_server.fail_next(1, 503, method="POST")
    with pytest.raises(ArgoAPIError) as err:
        engine(argo_server).submit(hello_manifest())
    assert err.value.status == 503
    assert len(argo_server.calls("POST")) == 1
    assert argo_server.workflows == {}


def test_retry_and_resubmit_are_not_repeated_on_5xx(argo_server):
    eng = engine(argo_server)
    name = eng.submit(hello_manifest())["metadata"]["name"]
    argo_server.set_status(name, phase="Failed")
    for verb in ("retry", "resubmit"):
        argo_server.fail_next(1, 502, method="PUT")
        with pytest.raises(ArgoAPIError):
            eng.action(name, verb)
    assert len(argo_server.calls("PUT")) == 2


def test_terminate_is_repeated_on_5xx(argo_server):
    eng = engine(argo_server)
    name = eng.submit(hello_manifest())["metadata"]["name"]
    argo_server.fail_next(1, 502, method="PUT")
    assert eng.action(name, "terminate")["status"]["phase"] == "Failed"
    assert len(argo_server.calls("PUT")) == 2


def test_unreachable_server_is_status_0_naming_the_host():
    server = ArgoTestServer().start()
    url = server.url
    server.stop()
    with pytest.raises(ArgoAPIError) as err:
        ArgoEngine(host=url, namespace="argo", retries=1, backoff=0.01).list()
    assert err.value.status == 0 and url in str(err.value)


def test_extra_headers_from_config_and_arguments(argo_config):
    from dflow.config import config

    config["http_headers"] = {"X-Tenant": "lab", "X-Trace": "1"}
    ArgoEngine(http_headers={"X-Trace": "2"}).list()
    sent = argo_config.headers[-1]
    assert sent["X-Tenant"] == "lab" and sent["X-Trace"] == "2"


def test_wait_returns_the_final_phase(argo_server):
    eng = engine(argo_server)
    name = eng.submit(hello_manifest())["metadata"]["name"]
    assert eng.wait(name, interval=0.01) == "Succeeded"
    argo_server.set_status(name, phase="Running")
    with pytest.raises(DflowError, match="still Running"):
        eng.wait(name, interval=0.01, timeout=0.05)


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory) -> tuple:
    folder: Path = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return str(cert), str(key)


def test_tls_is_verified_by_default_and_insecure_skips_it(self_signed, argo_config):
    from dflow.config import config

    with ArgoTestServer(token=TOKEN, tls=self_signed) as server:
        with pytest.raises(ArgoAPIError) as err:
            ArgoEngine(host=server.url, token=TOKEN, retries=0).list()
        assert err.value.status == 0 and "CERTIFICATE_VERIFY_FAILED" in str(err.value)
        assert ArgoEngine(host=server.url, token=TOKEN, insecure=True).list() == []
        config["insecure"] = True  # the quick-start switch
        assert ArgoEngine(host=server.url, token=TOKEN).list() == []
