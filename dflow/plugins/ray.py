"""``RayClusterExecutor``: a Python step that runs its OP as a driver of a Ray cluster.

The step still runs in its own container; its script connects to the Ray head (``ray.init``)
before the OP starts, so the OP's ``@ray.remote`` calls run on the cluster. An init container
installs ``ray`` into a shared ``emptyDir`` volume when the step's image lacks it. ``ray`` itself
is imported only by the step's script, never by dflow.
"""

from __future__ import annotations

import hashlib
import re
import shlex
from types import ModuleType
from typing import Any, Dict, List, Optional, Sequence, Union

from ..errors import InvalidWorkflowError
from ..executor import Executor
from ..op_template import OPTemplate, PythonScriptOPTemplate, ScriptOPTemplate

__all__ = ["RayClusterExecutor", "RAY_VOLUME", "RAY_INIT_CONTAINER"]

RAY_VOLUME = "ray-python-packages"
RAY_INIT_CONTAINER = "ray-init"
DEFAULT_WORKDIR = "~/dflow/workflows/{{workflow.name}}/{{pod.name}}"
_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
_MAX_NAME = 57


def _module_name(item: Union[ModuleType, str], owner: str) -> str:
    name = item if isinstance(item, str) else getattr(item, "__name__", None)
    if not isinstance(name, str) or not _MODULE.fullmatch(name):
        raise InvalidWorkflowError(
            f"{owner}: ray_dependencies takes modules (or dotted module names), got {item!r}"
        )
    return name


class RayClusterExecutor(Executor):
    """Run a Python step as a Ray driver connected to the cluster at ``ray_host``.

    Args:
        ray_host: the cluster address given to ``ray.init`` (``ray://head:10001`` for the Ray
            client, ``head:6379`` from inside the cluster). A ``RAY_ADDRESS`` environment
            variable in the step's container takes precedence, as for any Ray driver.
        ray_remote_path: where the init container installs ``ray`` when the image has none; it
            is put on the script's ``sys.path``.
        workdir: kept for compatibility; the step runs in its own container, so only the
            default is accepted.
        ray_install_mirror: a PyPI mirror (index URL) for that install.
        ray_dependencies: modules shipped to the cluster's workers (``runtime_env`` ``py_modules``);
            they must be importable in the step.
    """

    kind = "ray"

    def __init__(
        self,
        ray_host: str,
        ray_remote_path: str = "/tmp/ray",
        workdir: str = DEFAULT_WORKDIR,
        ray_install_mirror: Optional[str] = None,
        ray_dependencies: Optional[Sequence[Union[ModuleType, str]]] = None,
    ) -> None:
        owner = f"RayClusterExecutor({ray_host!r})"
        if not isinstance(ray_host, str) or not ray_host or "\n" in ray_host:
            raise InvalidWorkflowError(f"{owner}: ray_host must be a cluster address")
        if not ray_remote_path.startswith("/") or "\n" in ray_remote_path:
            raise InvalidWorkflowError(
                f"{owner}: ray_remote_path {ray_remote_path!r} must be an absolute path"
            )
        if workdir != DEFAULT_WORKDIR:
            raise InvalidWorkflowError(
                f"{owner}: workdir {workdir!r} cannot apply: the step runs in its own "
                "container and only its Ray tasks run on the cluster"
            )
        self.ray_host = ray_host
        self.ray_remote_path = ray_remote_path
        self.workdir = workdir
        self.ray_install_mirror = ray_install_mirror
        self.ray_dependencies: List[Any] = list(ray_dependencies or [])
        self._modules = [_module_name(m, owner) for m in self.ray_dependencies]

    def settings(self) -> str:
        """Everything that changes the rendered copy, for its name."""
        return "\0".join(
            [self.ray_host, self.ray_remote_path, str(self.ray_install_mirror), *self._modules]
        )

    def init_container(self, template: ScriptOPTemplate) -> Dict[str, Any]:
        """Installs ``ray`` into the shared volume unless the image's Python already has it."""
        python = shlex.quote(template.command[0] if template.command else "python3")
        # a "ray://" address is Ray Client's, which needs ray's "client" extra (grpcio)
        client = self.ray_host.startswith("ray://")
        package, probe = ("'ray[client]'", "import ray, grpc") if client else ("ray", "import ray")
        target = shlex.quote(self.ray_remote_path)
        install = f"{python} -m pip install {package} --target={target}"
        if self.ray_install_mirror:
            install += f" -i {shlex.quote(self.ray_install_mirror)}"
        container: Dict[str, Any] = {
            "name": RAY_INIT_CONTAINER,
            "command": ["sh"],
            "args": ["-c", f"{python} -c '{probe}' >/dev/null 2>&1 || {{ {install}; }}"],
            "volumeMounts": [{"name": RAY_VOLUME, "mountPath": self.ray_remote_path}],
        }
        if template.image:
            container["image"] = template.image
        return container

    def preamble(self) -> str:
        """Script lines that find ``ray`` and choose the cluster address."""
        return (
            "import os as _dflow_os, sys as _dflow_sys\n"
            f"_dflow_sys.path.append({self.ray_remote_path!r})\n"
            "if _dflow_os.environ.get('RAY_ADDRESS') is None:\n"
            f"    _dflow_os.environ['RAY_ADDRESS'] = {self.ray_host!r}\n"
            "else:\n"
            "    print('dflow: connecting to the Ray cluster at RAY_ADDRESS=%s, not at %s'\n"
            f"          % (_dflow_os.environ['RAY_ADDRESS'], {self.ray_host!r}))\n"
        )

    def connect(self) -> str:
        """Script lines that connect this process to the cluster as a driver."""
        if not self._modules:  # Ray rejects an empty ``py_modules`` list
            return "import ray\nray.init(_dflow_os.environ['RAY_ADDRESS'])\n"
        modules = ", ".join(self._modules)
        return (
            f"import ray\nimport {modules}\nray.init(_dflow_os.environ['RAY_ADDRESS'], "
            f"runtime_env={{'py_modules': [{modules}]}})\n"
        )

    def render(self, template: OPTemplate) -> OPTemplate:
        owner = f"RayClusterExecutor on template {template.name!r}"
        if not isinstance(template, ScriptOPTemplate) or not _is_python(template):
            raise InvalidWorkflowError(
                f"{owner}: only Python templates (PythonOPTemplate, PythonScriptOPTemplate) "
                f"can run as a Ray driver, got {type(template).__name__}"
            )
        if any(v.get("name") == RAY_VOLUME for v in template.volumes):
            raise InvalidWorkflowError(f"{owner}: the template already has a {RAY_VOLUME!r} volume")
        digest = hashlib.sha1(
            f"{self.kind}\0{self.settings()}\0{template.script}".encode()
        ).hexdigest()[:8]
        suffix = f"{self.kind}-{digest}"
        name = f"{template.name[: _MAX_NAME - len(suffix) - 1].rstrip('-.')}-{suffix}"
        new = template.replace(
            name=name,
            script=self.wrap(template.script),
            init_containers=[*template.init_containers, self.init_container(template)],
            volumes=[*template.volumes, {"name": RAY_VOLUME, "emptyDir": {}}],
            mounts=[*template.mounts, {"name": RAY_VOLUME, "mountPath": self.ray_remote_path}],
        )
        if callable(getattr(template, "bootstrap", None)):
            # a Python OP rebuilds its script for a success tag: keep the connection in it
            new.__class__ = _driver_class(type(template))
            new.ray_executor = self  # type: ignore[attr-defined]
        return new

    def wrap(self, script: str) -> str:
        """``script`` connecting to the cluster first."""
        return self.preamble() + _after_packages(script, self.connect())


class _RayDriver:
    """Mixin of a Python OP template whose every rebuilt script connects to the Ray cluster."""

    ray_executor: RayClusterExecutor

    def bootstrap(self, *args: Any, **kwargs: Any) -> str:
        return self.ray_executor.wrap(super().bootstrap(*args, **kwargs))  # type: ignore[misc]


_DRIVER_CLASSES: Dict[type, type] = {}


def _driver_class(cls: type) -> type:
    if cls not in _DRIVER_CLASSES:
        _DRIVER_CLASSES[cls] = type(f"Ray{cls.__name__}", (_RayDriver, cls), {})
    return _DRIVER_CLASSES[cls]


def _is_python(template: ScriptOPTemplate) -> bool:
    command = template.command[0] if template.command else ""
    return isinstance(template, PythonScriptOPTemplate) or command.rsplit("/", 1)[-1].startswith(
        "python"
    )


def _after_packages(script: str, code: str) -> str:
    """``code`` put after a Python OP's package set-up (so shipped modules import), else first."""
    lines = script.splitlines(keepends=True)
    at = 0
    for i, line in enumerate(lines):
        if line.startswith("use_packages("):
            at = i + 1
            break
    return "".join(lines[:at]) + code + "".join(lines[at:])
