"""Secrets: never rendered; stored in Kubernetes (a loopback API server) or local 0600 files."""

from __future__ import annotations

import json
import stat
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
from executor_helpers import awkward_template

from dflow import Step, Steps, Workflow, config
from dflow.executors import RemoteExecutor, SlurmJobTemplate, SlurmRemoteExecutor
from dflow.secrets import (
    Secret,
    SecretError,
    create_secret,
    create_secrets,
    resolve_secret_ref,
)

PASSWORD = "pa$$w0rd-'\"-VERY-SECRET"
KEY_TEXT = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\nSECRET-KEY-BODY-XYZ\n-----END OPENSSH PRIVATE KEY-----\n"
)


@pytest.fixture
def secrets_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "secrets"
    monkeypatch.setenv("DFLOW_SECRETS_DIR", str(target))
    return target


def test_no_secret_value_in_any_rendered_manifest(tmp_path: Path) -> None:
    # GIVEN every executor, with passwords and keys given as values and as a key file
    key_file = tmp_path / "id_ed25519"
    key_file.write_text(KEY_TEXT)
    executors = [
        RemoteExecutor(host="h1", password=PASSWORD),
        RemoteExecutor(host="h2", private_key=KEY_TEXT),
        RemoteExecutor(host="h3", private_key_file=str(key_file)),
        SlurmRemoteExecutor(host="h4", password=PASSWORD, header="#SBATCH -N 1"),
        SlurmRemoteExecutor(host="h5", private_key_file=str(key_file)),
        SlurmJobTemplate(header="#SBATCH -N 1", node_selector={"kubernetes.io/hostname": "s"}),
    ]
    template = awkward_template()
    steps = Steps(name="all-executors")
    for i, executor in enumerate(executors):
        steps.add(Step(f"s{i}", template, artifacts={"data": "some/key"}, executor=executor))
    wf = Workflow(name="secrets", steps=steps)
    # WHEN rendered
    text = wf.to_yaml() + json.dumps(wf.to_dict())
    # THEN no value appears; the containers read secretKeyRefs instead
    for needle in (PASSWORD, "SECRET-KEY-BODY-XYZ", "VERY-SECRET"):
        assert needle not in text
    manifest = wf.to_dict()
    envs = [
        env for t in manifest["spec"]["templates"] for env in (t.get("script") or {}).get("env", [])
    ]
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in envs}
    assert set(refs) == {"DFLOW_SSH_PASSWORD", "DFLOW_SSH_KEY"}
    assert len({json.dumps(e["valueFrom"], sort_keys=True) for e in envs}) == 5
    names = [t["name"] for t in manifest["spec"]["templates"]]
    assert len(names) == len(set(names)) == 7  # the entrypoint and one variant per executor


def test_secret_repr_and_errors_hide_the_value(tmp_path: Path) -> None:
    secret = Secret(value=PASSWORD, key="password")
    assert PASSWORD not in repr(secret) and "<hidden>" in repr(secret)
    missing = Secret(file=str(tmp_path / "nope"), name="from-file")
    with pytest.raises(SecretError, match="secret 'from-file': cannot read file"):
        missing.read()
    with pytest.raises(SecretError, match="not a valid Kubernetes name"):
        Secret(name="Bad_Name")


def test_debug_mode_stores_0600_files_that_resolve(secrets_dir: Path) -> None:
    executor = RemoteExecutor(host="h", password=PASSWORD)
    create_secrets(executor, mode="debug")
    secret = executor.secrets[0]
    path = secrets_dir / secret.name / "password"
    assert path.read_text() == PASSWORD
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    env = executor.render(awkward_template()).envs["DFLOW_SSH_PASSWORD"]
    assert resolve_secret_ref(env) == PASSWORD
    assert resolve_secret_ref(env["secretKeyRef"]) == PASSWORD


def test_resolving_a_missing_secret_names_it(secrets_dir: Path) -> None:
    with pytest.raises(SecretError, match="secret 'ssh' \\(key 'k'\\) is not in"):
        resolve_secret_ref({"secretKeyRef": {"name": "ssh", "key": "k"}})
    assert resolve_secret_ref({"name": "ssh", "key": "k", "optional": True}) is None


def test_named_secret_is_left_alone(secrets_dir: Path) -> None:
    create_secret(Secret(name="existing", key="k"), mode="debug")
    assert not secrets_dir.exists()


class _KubeAPI(BaseHTTPRequestHandler):
    """The two Secret endpoints of the Kubernetes API, recording what they receive."""

    seen: List[Dict[str, Any]] = []
    existing: set = set()

    def _answer(self, status: int, body: Dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _record(self) -> Dict[str, Any]:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.seen.append(
            {
                "method": self.command,
                "path": self.path,
                "body": body,
                "auth": self.headers.get("Authorization"),
            }
        )
        return body

    def do_POST(self) -> None:  # noqa: N802
        body = self._record()
        name = body["metadata"]["name"]
        if name in self.existing:
            self._answer(409, {"kind": "Status", "reason": "AlreadyExists", "code": 409})
        else:
            self.existing.add(name)
            self._answer(201, body)

    def do_PATCH(self) -> None:  # noqa: N802
        self._answer(200, self._record())

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def kube_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    _KubeAPI.seen = []
    _KubeAPI.existing = set()
    server = HTTPServer(("127.0.0.1", 0), _KubeAPI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setitem(config, "k8s_api_server", url)
    monkeypatch.setitem(config, "token", "tok-123")
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()


def test_default_mode_creates_then_updates_the_kubernetes_secret(kube_api: str) -> None:
    secret = Secret(value=PASSWORD, name="ssh-cred", key="password")
    create_secret(secret, namespace="argo", mode="default")
    create_secret(secret, namespace="argo", mode="default")  # exists: patched
    first, second, third = _KubeAPI.seen
    assert first["method"] == "POST" and first["path"] == "/api/v1/namespaces/argo/secrets"
    assert first["body"]["stringData"] == {"password": PASSWORD}
    assert first["body"]["type"] == "Opaque" and first["auth"] == "Bearer tok-123"
    assert second["method"] == "POST"
    assert third["method"] == "PATCH"
    assert third["path"] == "/api/v1/namespaces/argo/secrets/ssh-cred"


@pytest.mark.parametrize(
    "ref",
    [
        {"name": "../outside", "key": "k"},
        {"name": "ssh", "key": ".."},
        {"name": "ssh", "key": "../../outside/k"},
        {"name": "Bad_Name", "key": "k"},
    ],
)
def test_resolving_refuses_names_and_keys_outside_the_secrets_dir(
    secrets_dir: Path, ref: Dict[str, str]
) -> None:
    # GIVEN a file next to the secrets directory that a crafted reference would reach
    outside = secrets_dir.parent / "outside"
    outside.mkdir()
    (outside / "k").write_text("not a secret of yours")
    # WHEN the reference is resolved THEN it is refused, naming the bad part
    with pytest.raises(SecretError, match="is not a valid"):
        resolve_secret_ref({"secretKeyRef": ref})


def test_a_key_of_dots_is_refused() -> None:
    with pytest.raises(SecretError, match="key '..' is not a valid Secret key"):
        Secret(value="v", name="fine", key="..")


def test_a_token_given_with_its_bearer_prefix_is_not_doubled(
    kube_api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(config, "token", "Bearer tok-123")
    create_secret(Secret(value=PASSWORD, name="ssh-cred", key="password"), "argo", "default")
    (first,) = _KubeAPI.seen
    assert first["auth"] == "Bearer tok-123"


def test_a_bare_api_server_gets_https() -> None:
    from dflow.kube import k8s_api_client

    api = k8s_api_client("k8s.example:6443", "Bearer t", None, False)
    assert api.configuration.host == "https://k8s.example:6443"
