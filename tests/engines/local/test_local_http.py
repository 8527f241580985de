"""HTTPOPTemplate and HTTPArtifact: rendered as Argo's http template / artifact, and run by the
local engine against an HTTP server on loopback."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from helpers import shell

from dflow import (
    HTTPArtifact,
    HTTPOPTemplate,
    InputArtifact,
    InputParameter,
    Inputs,
    Step,
    Workflow,
)
from dflow.errors import StorageError


class _Handler(BaseHTTPRequestHandler):
    seen: list = []

    def _answer(self) -> None:
        size = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(size).decode() if size else ""
        self.seen.append((self.command, self.path, self.headers.get("X-Token"), body))
        if self.path.startswith("/missing"):
            self.send_response(404)
            self.end_headers()
            self.wfile.write(b"no")
            return
        self.send_response(201 if self.command == "POST" else 200)
        self.end_headers()
        self.wfile.write(json.dumps({"path": self.path, "body": body}).encode())

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:  # quiet
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Handler.seen = []
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_http_template_renders_and_runs(local_root, server, render):
    call = HTTPOPTemplate(
        name="call",
        url=server + "/items/{{inputs.parameters.x}}",
        method="POST",
        headers={"X-Token": "t-{{inputs.parameters.x}}"},
        body='{"k": "{{inputs.parameters.x}}"}',
        success_condition="response.statusCode == 201",
        timeout=30,
        inputs=Inputs(parameters={"x": InputParameter()}),
    )
    echo = shell(
        "echo",
        "mkdir -p /tmp/outputs && echo '{{inputs.parameters.r}}' > /tmp/outputs/o",
        ["r"],
        ["o"],
    )
    wf = Workflow(name="http")
    a = Step("a", call, parameters={"x": "7"})
    wf.add(a)
    wf.add(Step("b", echo, parameters={"r": "{{steps.a.outputs.result}}"}))
    manifest = render(wf)
    (leaf,) = [t for t in manifest["spec"]["templates"] if t["name"] == "call"]
    # checked against pydflow 1.8.134: the http field of the template
    assert leaf["http"] == {
        "url": server + "/items/{{inputs.parameters.x}}",
        "method": "POST",
        "headers": [{"name": "X-Token", "value": "t-{{inputs.parameters.x}}"}],
        "body": '{"k": "{{inputs.parameters.x}}"}',
        "timeoutSeconds": 30,
        "successCondition": "response.statusCode == 201",
    }
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert _Handler.seen == [("POST", "/items/7", "t-7", '{"k": "7"}')]
    (node,) = wf.query_step(name="a")
    assert node.type == "HTTP"
    out = wf.query_step(name="b")[0].outputs.parameters["o"].value
    assert json.loads(out) == {"path": "/items/7", "body": '{"k": "7"}'}


def test_http_template_fails_on_an_error_status(local_root, server):
    wf = Workflow(name="http-fail")
    wf.add(Step("a", HTTPOPTemplate(name="miss", url=server + "/missing")))
    wf.submit()
    assert wf.query_status() == "Failed"
    assert "answered 404" in wf.query_step(name="a")[0].message


def test_http_artifact_is_fetched_into_the_input_path(local_root, server, render):
    cat = shell(
        "cat",
        "mkdir -p /tmp/outputs && cat /tmp/in > /tmp/outputs/o",
        outputs=["o"],
    ).replace(inputs=Inputs(artifacts={"in": InputArtifact(path="/tmp/in")}))
    wf = Workflow(name="http-art")
    wf.add(Step("c", cat, artifacts={"in": HTTPArtifact(server + "/file.txt")}))
    (step,) = [t for t in render(wf)["spec"]["templates"] if "steps" in t][0]["steps"][0]
    assert step["arguments"]["artifacts"] == [{"name": "in", "http": {"url": server + "/file.txt"}}]
    wf.submit()
    assert wf.query_status() == "Succeeded"
    fetched = wf.query_step(name="c")[0].outputs.parameters["o"].value
    assert json.loads(fetched) == {"path": "/file.txt", "body": ""}


def test_http_objects_check_their_arguments():
    with pytest.raises(ValueError, match="URL"):
        HTTPArtifact("ftp://x")
    with pytest.raises(ValueError, match="method"):
        HTTPOPTemplate(url="http://x", method="FETCH")


def test_http_artifact_downloads_here(server, tmp_path):
    path = HTTPArtifact(server + "/data/file.txt").download(str(tmp_path / "out"))
    assert path == str(tmp_path / "out" / "file.txt")
    assert json.loads(open(path).read())["path"] == "/data/file.txt"
    with pytest.raises(StorageError, match="cannot fetch"):
        HTTPArtifact(server + "/missing/x").download(str(tmp_path))
