"""The Argo engine talks through the ``argo-workflows`` package: a user's own Configuration (API
key, proxy) is used as given, dicts go out and come back untouched, archived workflows too."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator, List

import pytest
from argo_server import TOKEN, ArgoTestServer, hello_manifest

from dflow.engines.argo import ArgoEngine
from dflow.errors import ArgoAPIError


def engine(server: ArgoTestServer, **kw: Any) -> ArgoEngine:
    kw.setdefault("token", TOKEN)
    return ArgoEngine(host=server.url, namespace="argo", backoff=0.01, **kw)


def user_configuration(host: str, **fields: Any) -> Any:
    from argo_workflows.configuration import Configuration

    conf = Configuration(host=host)
    conf.api_key["BearerToken"] = TOKEN
    conf.api_key_prefix["BearerToken"] = "Bearer"
    for name, value in fields.items():
        setattr(conf, name, value)
    return conf


def test_requests_go_through_the_packages_api_client(argo_server):
    eng = engine(argo_server)
    eng.list()
    assert type(eng.client.api_client).__module__ == "argo_workflows.api_client"
    assert argo_server.headers[-1]["User-Agent"].startswith("OpenAPI-Generator/")


def test_a_users_configuration_is_used_as_given(argo_server, argo_config):
    # GIVEN a host and token in dflow's settings that would fail, and a working Configuration
    from dflow.config import config

    conf = user_configuration(argo_server.url)
    eng = ArgoEngine(host="http://127.0.0.1:9", token="wrong", configuration=conf)
    assert eng.list() == []
    assert argo_server.headers[-1]["Authorization"] == f"Bearer {TOKEN}"
    # the same through config, as a script would set it once
    config.update(host="http://127.0.0.1:9", token="wrong", argo_configuration=conf)
    name = ArgoEngine().submit(hello_manifest())["metadata"]["name"]
    assert ArgoEngine().get(name)["metadata"]["name"] == name


class _ForwardProxy:
    """An HTTP forward proxy on loopback that records the absolute URLs it forwards."""

    def __init__(self) -> None:
        self.seen: List[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _forward(self) -> None:
                proxy.seen.append(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                request = urllib.request.Request(
                    self.path, data=data, headers=headers, method=self.command
                )
                direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
                try:
                    with direct.open(request, timeout=10) as resp:
                        status, body = resp.status, resp.read()
                except urllib.error.HTTPError as err:
                    status, body = err.code, err.read()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = _forward

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def forward_proxy() -> Iterator[_ForwardProxy]:
    proxy = _ForwardProxy()
    try:
        yield proxy
    finally:
        proxy.stop()


def test_a_proxy_of_the_users_configuration_carries_every_call(argo_server, forward_proxy):
    conf = user_configuration(argo_server.url, proxy=forward_proxy.url)
    eng = ArgoEngine(namespace="argo", configuration=conf)
    name = eng.submit(hello_manifest())["metadata"]["name"]
    eng.action(name, "suspend")
    assert eng.get(name)["spec"]["suspend"] is True
    assert forward_proxy.seen == [
        f"{argo_server.url}/api/v1/workflows/argo",
        f"{argo_server.url}/api/v1/workflows/argo/{name}/suspend",
        f"{argo_server.url}/api/v1/workflows/argo/{name}",
    ]


def test_manifests_and_answers_pass_through_untouched(argo_server):
    # fields the package's models do not know, camelCase keys and odd values survive both ways
    manifest = hello_manifest(annotations={"x.io/note": "ünïcode ✓"})
    manifest["spec"]["templates"][0]["container"]["args"] = ["--flag", "{{workflow.name}}"]
    created = engine(argo_server).submit(manifest)
    (_, _, body) = argo_server.calls("POST")[0]
    assert body == {"namespace": "argo", "workflow": manifest}
    stored = argo_server.workflows[("argo", created["metadata"]["name"])]
    assert created == json.loads(json.dumps(stored))
    argo_server.set_status(created["metadata"]["name"], phase="Running", extraField={"a": [1]})
    got = engine(argo_server).get(created["metadata"]["name"])
    assert got["status"]["phase"] == "Running" and got["status"]["extraField"] == {"a": [1]}
    assert got == json.loads(json.dumps(stored))


def test_archived_workflows_are_listed_and_fetched_by_uid(argo_server):
    eng = engine(argo_server)
    assert eng.list_archived() == []  # the server answers "items": null
    kept = eng.submit(hello_manifest(labels={"team": "a"}))["metadata"]["name"]
    other = eng.submit(hello_manifest(labels={"team": "b"}))["metadata"]["name"]
    uid = argo_server.archive(kept)
    argo_server.archive(other)
    found = eng.list_archived({"team": "a"})
    assert [w["metadata"]["name"] for w in found] == [kept]
    assert "listOptions.labelSelector=team%3Da" in argo_server.calls("GET")[-1][1]
    assert "listOptions.fieldSelector=metadata.namespace%3Dargo" in argo_server.calls("GET")[-1][1]
    assert [w["metadata"]["name"] for w in eng.list_archived(name=other)] == [other]
    assert eng.get_archived(uid)["metadata"]["name"] == kept
    with pytest.raises(ArgoAPIError) as err:
        eng.get_archived("no-such-uid")
    assert err.value.status == 404 and err.value.workflow == "no-such-uid"


def test_query_archived_workflows_by_labels_and_by_name(argo_config):
    from dflow import query_archived_workflows

    eng = engine(argo_config)
    names = [eng.submit(hello_manifest(labels={"run": r}))["metadata"]["name"] for r in "aab"]
    for name in names:
        argo_config.archive(name)
    eng.submit(hello_manifest(labels={"run": "a"}))  # live, not archived
    found = query_archived_workflows(labels={"run": "a"})
    assert sorted(w.id for w in found) == sorted(names[:2])
    # checked against the original 1.8.134: both select by fields, the id as metadata.name
    assert argo_config.calls("GET")[-1][1] == (
        "/api/v1/archived-workflows?listOptions.fieldSelector=metadata.namespace%3Dargo"
        "&listOptions.labelSelector=run%3Da"
    )
    (only,) = query_archived_workflows(id=names[2])
    assert only.id == names[2] and only["metadata"]["labels"] == {"run": "b"}
    assert query_archived_workflows(id="nothing") == []


def test_query_workflows_asks_argo_for_some_fields_only(argo_config):
    from dflow import query_workflows

    eng = engine(argo_config)
    eng.submit(hello_manifest(labels={"team": "a"}))
    (wf,) = query_workflows(
        labels={"team": "a"}, fields=["items.metadata.name", "items.status.phase"]
    )
    assert set(wf) == {"metadata", "status"} and set(wf["metadata"]) == {"name"}
    assert wf.phase == "Succeeded"
    # checked against the original 1.8.134: the paths go out joined by commas, as given
    assert "fields=items.metadata.name%2Citems.status.phase" in argo_config.calls("GET")[-1][1]
    with pytest.raises(ValueError, match="list of field paths"):
        query_workflows(fields="items.metadata.name")


def test_fields_and_archive_on_the_local_engine(tmp_path):
    from dflow import query_archived_workflows, query_workflows
    from dflow.config import config
    from dflow.errors import InvalidWorkflowError

    saved = dict(config)
    config.update(mode="debug", debug_workdir=str(tmp_path))
    try:
        assert query_archived_workflows() == []  # the local engine archives nothing
        with pytest.raises(InvalidWorkflowError, match="needs the Argo server"):
            query_workflows(fields=["items.metadata.name"])
    finally:
        config.clear()
        config.update(saved)


def test_get_argo_api_client_is_the_packages_client_set_up_from_config(argo_config):
    from argo_workflows.api.workflow_service_api import WorkflowServiceApi

    from dflow.workflow import get_argo_api_client

    client = get_argo_api_client()
    assert client.configuration.host == argo_config.url
    # usable with the package's own services, auth included
    resp = WorkflowServiceApi(client).list_workflows("argo", _preload_content=False)
    assert resp.status == 200 and json.loads(resp.data)["items"] is None
    assert argo_config.headers[-1]["Authorization"] == f"Bearer {TOKEN}"
    other = get_argo_api_client(host="argo.example.org:2746", token="t")
    assert other.configuration.host == "https://argo.example.org:2746"


def test_a_configuration_of_another_kind_is_refused_by_name(argo_server):
    from dflow.errors import DflowError

    with pytest.raises(DflowError, match="argo_configuration must be an argo_workflows"):
        ArgoEngine(host=argo_server.url, configuration="http://proxy:3128")


def test_timeouts_come_from_the_environment_as_numbers(tmp_path):
    import os
    import subprocess
    import sys

    code = "from dflow import config; print(repr(config['argo_request_timeout']))"
    env = dict(os.environ, DFLOW_ARGO_REQUEST_TIMEOUT="2.5")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "2.5", out.stderr


@pytest.fixture(scope="module")
def certificate_for_loopback(tmp_path_factory) -> tuple:
    """A self-signed certificate valid for 127.0.0.1 (subjectAltName), and its key."""
    import subprocess

    folder = tmp_path_factory.mktemp("tls-san")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return str(cert), str(key)


def test_a_users_certificate_authority_verifies_the_server(certificate_for_loopback):
    cert, _ = certificate_for_loopback
    with ArgoTestServer(token=TOKEN, tls=certificate_for_loopback) as server:
        # without the CA the certificate is refused; with the user's CA file it is verified
        with pytest.raises(ArgoAPIError, match="CERTIFICATE_VERIFY_FAILED"):
            ArgoEngine(host=server.url, token=TOKEN, namespace="argo", retries=0).list()
        conf = user_configuration(server.url, ssl_ca_cert=cert)
        assert conf.verify_ssl is True
        assert ArgoEngine(namespace="argo", configuration=conf).list() == []
