"""``DatasetsArtifact``: a dataset or model of Bohrium's launching platform, mounted with rclone.

In a pod, an rclone sidecar mounts ``<element>@<version>`` at ``/launching/<name>`` (FTP or
WebDAV); on a DPDispatcher host the same mount runs as a background process; on Bohrium the
platform mounts it itself. The password reaches rclone through an environment variable filled
from a Kubernetes Secret, never through the manifest or a command line.
"""

from __future__ import annotations

import copy
import os
import re
import shlex
import subprocess
import time
from typing import Any, Dict, List, Optional, Union, cast

from ..artifact_sources import CustomArtifact
from ..config import config as global_config
from ..errors import InvalidWorkflowError
from ..op_template import PythonScriptOPTemplate, ScriptOPTemplate
from ..secrets import Secret

__all__ = ["DatasetsArtifact", "config", "wait_for_mount"]

PASSWORD_ENV = "DFLOW_RCLONE_PASS"
MOUNT_ROOT = "/launching"

config: Dict[str, Any] = {
    "rclone_image": os.environ.get("RCLONE_IMAGE", "rclone/rclone:1.62.2"),
    "rclone_image_pull_policy": os.environ.get("RCLONE_IMAGE_PULL_POLICY"),
    "rclone_type": os.environ.get("DATASETS_RCLONE_TYPE", "ftp"),
    "ftp_host": os.environ.get("DATASETS_FTP_HOST", "uftp.mlops-passthrough.dp.tech"),
    "webdav_host": os.environ.get("DATASETS_WEBDAV_HOST", "https://webdav.mlops.dp.tech"),
    "user": os.environ.get("DATASETS_USER"),
    "password": os.environ.get("DATASETS_PASSWORD"),
}

_URN = re.compile(r"^launching\+(?P<type>datasets|models)://(?P<element>.*?)(@(?P<version>.*))?$")
_SECTION = re.compile(r"\[(?P<element>.*?)(@(?P<version>.*))?\]$")


def wait_for_mount(point: str, timeout: int = 60) -> None:
    """Wait until ``point`` is a mount point (the rclone mount is up)."""
    for _ in range(timeout):
        if os.path.ismount(point):
            return
        time.sleep(1)
    raise TimeoutError(f"Time out waiting for mounting on {point}")


def _word(value: Any) -> str:
    return shlex.quote(str(value).lower() if isinstance(value, bool) else str(value))


class DatasetsArtifact(CustomArtifact):
    """A launching dataset or model version (``launching+datasets://<element>@<version>``).

    Args:
        element / version: the dataset (or model) and its version (``draft`` is writable).
        type: ``"datasets"`` or ``"models"``.
        rclone_image / rclone_image_pull_policy: the sidecar's image.
        rclone_type: ``"ftp"`` or ``"webdav"``.
        ftp_host / webdav_host / user / password: the service and account; defaults in
            ``config`` (``DATASETS_*`` environment variables).
        rclone_kwargs: more rclone remote options, over the defaults.
        sub_path: a path inside the version.
    """

    def __init__(
        self,
        element: str,
        version: str,
        type: str = "datasets",
        rclone_image: Optional[str] = None,
        rclone_image_pull_policy: Optional[str] = None,
        rclone_type: Optional[str] = None,
        ftp_host: Optional[str] = None,
        webdav_host: Optional[str] = None,
        user: Optional[str] = None,
        password: Union[str, Secret, None] = None,
        rclone_kwargs: Optional[Dict[str, Any]] = None,
        sub_path: Optional[str] = None,
    ) -> None:
        self.element = element
        self.version = version
        self.type = type
        self.rclone_image = rclone_image if rclone_image is not None else config["rclone_image"]
        self.rclone_image_pull_policy = (
            rclone_image_pull_policy
            if rclone_image_pull_policy is not None
            else config["rclone_image_pull_policy"]
        )
        self.rclone_type = rclone_type if rclone_type is not None else config["rclone_type"]
        user = user if user is not None else config["user"]
        password = password if password is not None else config["password"]
        self.rclone_kwargs: Dict[str, Any] = {}
        if self.rclone_type == "ftp":
            self.rclone_kwargs = {
                "host": ftp_host if ftp_host is not None else config["ftp_host"],
                "user": user,
                "pass": password,
                "explicit_tls": True,
                "disable_tls13": True,
                "concurrency": 3,
            }
        elif self.rclone_type == "webdav":
            host = webdav_host if webdav_host is not None else config["webdav_host"]
            self.rclone_kwargs = {
                "url": f"{host}/{type}~{element}@{version}",
                "user": user,
                "pass": password,
                "vendor": "other",
                "concurrency": 100,
            }
        if rclone_kwargs is not None:
            self.rclone_kwargs.update(rclone_kwargs)
        self._sub_path = sub_path
        self._secret: Optional[Secret] = None

    # -- names -----------------------------------------------------------------------------------

    @classmethod
    def from_urn(cls, urn: str) -> DatasetsArtifact:
        matched = _URN.match(urn)
        if not matched or matched.group("version") is None:
            raise ValueError(f"Invalid URN: {urn}")
        version = matched.group("version")
        version, _, sub_path = version.partition("/")
        return cls(matched.group("element"), version, matched.group("type"),
                   sub_path=sub_path or None)  # fmt: skip

    @classmethod
    def from_rclone_config(cls, config: str) -> DatasetsArtifact:
        """From an rclone config section ``[<element>@<version>]`` with ``key = value`` lines."""
        lines = [line for line in config.splitlines() if line.strip()]
        matched = _SECTION.match(lines[0].strip()) if lines else None
        if not matched:
            raise ValueError(f"Invalid RClone config: {config}")
        kwargs: Dict[str, Any] = {}
        rclone_type = None
        for line in lines[1:]:
            key, sep, value = line.partition("=")
            if not sep or "=" in value:
                raise ValueError(f"Invalid RClone key-value pair: {line}")
            if key.strip() == "type":
                rclone_type = value.strip()
            else:
                kwargs[key.strip()] = value.strip()
        return cls(matched.group("element"), matched.group("version"),
                   rclone_type=rclone_type, rclone_kwargs=kwargs)  # fmt: skip

    def sub_path(self, path: str) -> DatasetsArtifact:
        artifact = copy.deepcopy(self)
        artifact._sub_path = str(path) if self._sub_path is None else f"{self._sub_path}/{path}"
        return artifact

    def get_urn(self) -> str:
        urn = f"launching+{self.type}://{self.element}@{self.version}"
        return urn if self._sub_path is None else f"{urn}/{self._sub_path}"

    def __repr__(self) -> str:
        return self.get_urn()

    def get_bohrium_urn(self, name: str) -> str:
        mount_type = "rw" if self.version == "draft" else "ro"
        return (
            f"launching://{self.type}/{self.element}@{self.version}"
            f"?alias={name}&action={mount_type}"
        )

    # -- the password ----------------------------------------------------------------------------

    @property
    def secrets(self) -> List[Secret]:
        """The secret the rendered sidecar reads (``dflow.secrets.create_secrets`` stores it)."""
        password = self.rclone_kwargs.get("pass")
        if password is None:
            return []
        if isinstance(password, Secret):
            return [password]
        if self._secret is None:
            self._secret = Secret(value=str(password), key="password")
        return [self._secret]

    def get_mount_script(self, path: str) -> str:
        """The command mounting the version at ``path`` (password from ``$DFLOW_RCLONE_PASS``)."""
        remote = f"{self.element}@{self.version}"
        options = []
        for key, value in self.rclone_kwargs.items():
            if value is None:
                continue  # not set: rclone's default, never the word "None"
            word = f'"${PASSWORD_ENV}"' if key == "pass" else _word(value)
            options.append(f"{_word(key)} {word}")
        return (
            f"rclone config create {shlex.quote(remote)} {_word(self.rclone_type)} "
            f"{' '.join(options)} && mkdir -p {shlex.quote(path)} && "
            f"rclone mount {shlex.quote(remote + ':')} {shlex.quote(path)}"
        )

    # -- where the data is used ------------------------------------------------------------------

    def modify_config(self, name: str, machine: Any) -> None:
        """Ask DPDispatcher's Bohrium machine to mount the version as ``name``."""
        machine.input_data.setdefault("job_resources", []).append(self.get_bohrium_urn(name))

    def _link(self, name: str, path: str) -> None:
        point = f"{MOUNT_ROOT}/{name}"
        os.symlink(point if self._sub_path is None else f"{point}/{self._sub_path}", path)

    def download(self, name: str, path: str) -> None:
        """In a pod: wait for the sidecar's mount, link ``path`` to it."""
        wait_for_mount(f"{MOUNT_ROOT}/{name}")
        self._link(name, path)

    def remote_download(self, name: str, path: str) -> int:
        """On a DPDispatcher host: mount in the background, link ``path``; returns rclone's pid."""
        env = dict(os.environ)
        password = self.rclone_kwargs.get("pass")
        if password is not None:
            env[PASSWORD_ENV] = password.read() if isinstance(password, Secret) else str(password)
        process = subprocess.Popen(
            ["sh", "-c", self.get_mount_script(f"{MOUNT_ROOT}/{name}")],
            env=env,
            start_new_session=True,
        )
        wait_for_mount(f"{MOUNT_ROOT}/{name}")
        self._link(name, path)
        return process.pid

    def bohrium_download(self, name: str, path: str) -> None:
        """On Bohrium: the platform mounted it; link ``path``."""
        os.stat(f"{MOUNT_ROOT}/{name}")
        self._link(name, path)

    def render(self, template: ScriptOPTemplate, name: str) -> ScriptOPTemplate:
        """A copy of ``template`` whose rclone sidecar mounts the version as ``name``; when
        ``name`` is one of its input artifacts, the script first waits for the mount and links
        that input's path to it (so the input no longer comes from the store)."""
        if not isinstance(template, ScriptOPTemplate):
            raise InvalidWorkflowError(
                f"DatasetsArtifact {self.get_urn()}: only script templates can mount it, "
                f"got {type(template).__name__} {getattr(template, 'name', '')!r}"
            )
        volumes = list(template.volumes)
        if "launching" not in [v.get("name") for v in volumes]:
            volumes.append({"name": "launching", "emptyDir": {}})
        if "dev-fuse" not in [v.get("name") for v in volumes]:
            volumes.append({"name": "dev-fuse", "hostPath": {"path": "/dev/fuse"}})
        mounts = list(template.mounts)
        if "launching" not in [m.get("name") for m in mounts]:
            propagation = {"mountPropagation": "HostToContainer"}
            mounts.append({"name": "launching", "mountPath": MOUNT_ROOT, **propagation})
        sidecar: Dict[str, Any] = {
            "name": "rclone-" + name.replace("_", "-"),
            "image": self.rclone_image,
            "command": ["sh", "-c"],
            "args": [self.get_mount_script(f"{MOUNT_ROOT}/{name}")],
            "securityContext": {"privileged": True},
            "volumeMounts": [
                {"name": "launching", "mountPath": MOUNT_ROOT, "mountPropagation": "Bidirectional"},
                {"name": "dev-fuse", "mountPath": "/dev/fuse"},
            ],
        }
        if self.rclone_image_pull_policy:
            sidecar["imagePullPolicy"] = self.rclone_image_pull_policy
        for secret in self.secrets:
            ref = {"secretKeyRef": {"name": secret.name, "key": secret.key}}
            sidecar["env"] = [{"name": PASSWORD_ENV, "valueFrom": ref}]
        new = cast(
            ScriptOPTemplate,
            template.replace(
                volumes=volumes, mounts=mounts, sidecars=[*template.sidecars, sidecar]
            ),
        )
        wanted = template.inputs.artifacts.get(name)
        if wanted is not None and getattr(wanted, "path", None):
            fetch = self._fetch(name, str(wanted.path), _python(template))
            new.script = fetch + new.script
            if callable(getattr(template, "bootstrap", None)):
                new.__class__ = _fetching_class(type(template))
                new.dflow_fetches = [*getattr(template, "dflow_fetches", []), fetch]  # type: ignore[attr-defined]
        return new

    def _fetch(self, name: str, path: str, python: bool) -> str:
        """Script lines: wait (10 minutes at most) for the mount, link ``path`` to it."""
        point = f"{MOUNT_ROOT}/{name}"
        target = point if self._sub_path is None else f"{point}/{self._sub_path}"
        if python:
            return (
                "import os as _dflow_os, time as _dflow_time\n"
                "for _dflow_i in range(600):\n"
                f"    if _dflow_os.path.ismount({point!r}): break\n"
                "    _dflow_time.sleep(1)\n"
                "else:\n"
                f"    raise SystemExit('dflow: {self.get_urn()} was not mounted at {point}')\n"
                f"_dflow_os.makedirs(_dflow_os.path.dirname({path!r}), exist_ok=True)\n"
                f"_dflow_os.symlink({target!r}, {path!r})\n"
            )
        q = shlex.quote
        return (
            "dflow_i=0\n"
            f"while ! grep -qs ' {point} ' /proc/mounts && [ $dflow_i -lt 600 ]; do\n"
            "  sleep 1; dflow_i=$((dflow_i + 1))\n"
            "done\n"
            f"grep -qs ' {point} ' /proc/mounts || "
            f"{{ echo {q(f'dflow: {self.get_urn()} was not mounted at {point}')} >&2; exit 1; }}\n"
            f'mkdir -p "$(dirname {q(path)})" && ln -s {q(target)} {q(path)} || exit 1\n'
        )


def _python(template: ScriptOPTemplate) -> bool:
    command = template.command[0] if template.command else ""
    return isinstance(template, PythonScriptOPTemplate) or os.path.basename(command).startswith(
        "python"
    )


class _Fetching:
    """Mixin of a Python OP template whose rebuilt scripts still fetch their mounted inputs."""

    def bootstrap(self, *args: Any, **kwargs: Any) -> str:
        rebuilt = super().bootstrap(*args, **kwargs)  # type: ignore[misc]
        return "".join(getattr(self, "dflow_fetches", [])) + rebuilt


_FETCHING: Dict[type, type] = {}


def _fetching_class(cls: type) -> type:
    if issubclass(cls, _Fetching):
        return cls
    if cls not in _FETCHING:
        _FETCHING[cls] = type(f"Fetching{cls.__name__}", (_Fetching, cls), {})
    return _FETCHING[cls]


global_config.setdefault("artifact_register", {}).update(
    {
        "launching+datasets": "dflow.plugins.datasets.DatasetsArtifact",
        "launching+models": "dflow.plugins.datasets.DatasetsArtifact",
    }
)

try:  # a DPDispatcher job can take it as one of its own artifacts
    from .dispatcher import DispatcherArtifact
except ImportError:  # the DPDispatcher plugin is absent: nothing to register with
    pass
else:
    DispatcherArtifact.register(DatasetsArtifact)
