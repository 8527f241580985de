"""Secrets: credentials that reach a step's container only through Kubernetes Secrets.

A ``Secret`` is either a reference to an existing Kubernetes Secret (``name`` and ``key``) or a
value to be stored in one (``value`` or ``file``). Rendering only ever sees ``secret.ref()``, a
``secretKeyRef``; the value is read at ``create_secret`` time and written to the cluster (default
mode) or to a local directory of 0600 files that the local engine reads back (debug mode).
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path
from typing import Any, Dict, Iterable, Optional

from .errors import DflowError

__all__ = [
    "DockerSecret",
    "Secret",
    "SecretError",
    "create_secret",
    "create_secrets",
    "resolve_secret_ref",
    "local_secrets_dir",
]

_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")


class SecretError(DflowError):
    """A secret could not be created or resolved; the message names it, never its value."""


class Secret:
    """A credential kept in a Kubernetes Secret.

    ``secret_type`` is the Kubernetes type it is created with.

    Args:
        value: the secret text, to be stored by ``create_secret`` (never rendered).
        name: the Kubernetes Secret's name; if omitted, a random one (never derived from the value).
        key: the entry of the Secret that holds the value.
        file: a file on this machine whose content is the value (read by ``create_secret`` only).
    """

    secret_type = "Opaque"

    def __init__(
        self,
        value: Optional[str] = None,
        name: Optional[str] = None,
        key: str = "value",
        file: Optional[str] = None,
    ) -> None:
        if value is not None and file is not None:
            raise SecretError(f"secret {name or key!r}: give value or file, not both")
        if name is None:
            if value is None and file is None:
                raise SecretError("a Secret needs a name (an existing Secret) or a value/file")
            name = f"dflow-secret-{uuid.uuid4().hex[:12]}"
        if not _NAME.match(name) or len(name) > 253:
            raise SecretError(f"secret name {name!r} is not a valid Kubernetes name")
        if not _KEY.match(key) or key in (".", ".."):
            raise SecretError(f"secret {name!r}: key {key!r} is not a valid Secret key")
        self.name = name
        self.key = key
        self._value = value
        self.file = os.path.expanduser(file) if file is not None else None

    @property
    def has_value(self) -> bool:
        """Whether this object carries a value to store (rather than naming an existing Secret)."""
        return self._value is not None or self.file is not None

    def read(self) -> str:
        """The value (for ``create_secret``); a file is read now, not when the object is built."""
        if self._value is not None:
            return self._value
        if self.file is not None:
            try:
                return Path(self.file).read_text()
            except OSError as exc:
                raise SecretError(
                    f"secret {self.name!r}: cannot read file {self.file!r} ({exc.strerror})"
                ) from None
        raise SecretError(f"secret {self.name!r} names an existing Secret and holds no value")

    def ref(self) -> Dict[str, Any]:
        """The ``valueFrom`` of an environment variable that reads this secret."""
        return {"secretKeyRef": {"name": self.name, "key": self.key}}

    def __repr__(self) -> str:
        held = ", value=<hidden>" if self.has_value else ""
        return f"Secret(name={self.name!r}, key={self.key!r}{held})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and (self.name, self.key) == (other.name, other.key)

    def __hash__(self) -> int:
        return hash((self.name, self.key))


class DockerSecret(Secret):
    """Credentials of a container registry, for pulling private images
    (``Workflow(image_pull_secrets=[DockerSecret(...)])``); created when the workflow is
    submitted, as a ``kubernetes.io/dockerconfigjson`` Secret."""

    secret_type = "kubernetes.io/dockerconfigjson"

    def __init__(
        self, registry: str, username: str, password: str, name: Optional[str] = None
    ) -> None:
        import base64
        import json

        if not registry or not username:
            raise SecretError("DockerSecret needs a registry and a username")
        auth = base64.b64encode(f"{username}:{password}".encode()).decode()
        config = {"auths": {registry: {"username": username, "password": password, "auth": auth}}}
        super().__init__(
            value=json.dumps(config),
            name=name or f"dflow-registry-{uuid.uuid4().hex[:12]}",
            key=".dockerconfigjson",
        )
        self.registry = registry
        self.username = username

    def __repr__(self) -> str:
        return f"DockerSecret(name={self.name!r}, registry={self.registry!r})"


def local_secrets_dir() -> Path:
    """Where debug mode keeps secrets: ``$DFLOW_SECRETS_DIR``, else ``~/.dflow/secrets``."""
    from .config import config

    raw = os.environ.get("DFLOW_SECRETS_DIR") or config.get("debug_secrets_dir")
    return Path(raw).expanduser() if raw else Path.home() / ".dflow" / "secrets"


def _store_local(secret: Secret, value: str, directory: Path) -> None:
    target = directory / secret.name
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(directory, 0o700)
    os.chmod(target, 0o700)
    path = target / secret.key
    tmp = target / f".{secret.key}.{uuid.uuid4().hex[:8]}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    os.replace(tmp, path)


def _store_kubernetes(secret: Secret, value: str, namespace: str) -> None:

    from .kube import core_v1_api, kubernetes

    try:
        client = kubernetes().client
        ApiException = client.exceptions.ApiException
        api = core_v1_api(purpose="storing it needs the Kubernetes API")
    except DflowError as exc:
        raise SecretError(f"secret {secret.name!r}: {exc}") from exc
    body = client.V1Secret(
        metadata=client.V1ObjectMeta(name=secret.name),
        string_data={secret.key: value},
        type=secret.secret_type,
    )
    try:
        api.create_namespaced_secret(namespace, body)
    except ApiException as exc:
        if exc.status != 409:
            raise SecretError(
                f"secret {secret.name!r}: Kubernetes answered {exc.status} ({exc.reason})"
            ) from None
        try:
            api.patch_namespaced_secret(secret.name, namespace, body)
        except ApiException as again:
            raise SecretError(
                f"secret {secret.name!r}: Kubernetes answered {again.status} ({again.reason})"
            ) from None


def create_secret(
    secret: Secret, namespace: Optional[str] = None, mode: Optional[str] = None
) -> Secret:
    """Store a secret's value where steps can read it: the cluster, or the local secrets dir.

    A ``Secret`` that only names an existing Kubernetes Secret is left alone.
    """
    from .config import config

    if not secret.has_value:
        return secret
    value = secret.read()
    mode = mode or config.get("mode", "default")
    if mode == "debug":
        _store_local(secret, value, local_secrets_dir())
    else:
        _store_kubernetes(secret, value, namespace or config.get("namespace") or "argo")
    return secret


def create_secrets(owner: Any, namespace: Optional[str] = None, mode: Optional[str] = None) -> None:
    """Create every secret an executor (anything with a ``secrets`` list) holds a value for."""
    items: Iterable[Secret] = owner.secrets if hasattr(owner, "secrets") else owner
    for secret in items:
        create_secret(secret, namespace, mode)


def resolve_secret_ref(ref: Dict[str, Any]) -> Optional[str]:
    """The value behind a ``secretKeyRef`` (or ``{"secretKeyRef": ...}``) in debug mode.

    Returns None when the reference is ``optional`` and the secret is missing, as Kubernetes
    leaves the variable unset then.
    """
    inner = ref.get("secretKeyRef", ref)
    name, key = inner.get("name"), inner.get("key")
    if not name or not key:
        raise SecretError(f"secretKeyRef needs a name and a key, got {sorted(inner)}")
    name, key = str(name), str(key)
    if not _NAME.match(name) or len(name) > 253:
        raise SecretError(f"secretKeyRef: secret name {name!r} is not a valid Kubernetes name")
    if not _KEY.match(key) or key in (".", ".."):
        raise SecretError(f"secretKeyRef of secret {name!r}: key {key!r} is not a valid Secret key")
    path = local_secrets_dir() / name / key
    try:
        return path.read_text()
    except OSError:
        if inner.get("optional"):
            return None
        raise SecretError(
            f"secret {name!r} (key {key!r}) is not in the local secrets directory "
            f"{str(path.parent.parent)!r}: create it with dflow.secrets.create_secret"
        ) from None
