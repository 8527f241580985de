"""``DispatcherExecutor``: hand a step to DPDispatcher (Slurm, PBS, LSF, a shell over SSH, ...).

The rendered copy of a step runs, in the dispatcher image (or on this machine with the local
engine), the program in ``dflow.plugins.dispatcher_runtime``: it lays the step's script and
inputs out as a DPDispatcher task, submits it with the machine, resources and task settings of
the executor, waits, brings the outputs back to the paths the step declares and exits with the
remote script's exit code. The program needs only Python 3 and ``dpdispatcher``.

Nothing secret is rendered: a password, a private key or a passphrase reaches the container as an
environment variable filled from a Kubernetes Secret (``dflow.secrets``), as with the SSH and
Slurm executors.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from abc import ABC, abstractmethod
from copy import deepcopy
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

from ..config import config
from ..errors import InvalidWorkflowError
from ..executor import Executor
from ..executors.paths import rewrite_tmp, tmp_token, transfer_paths
from ..executors.ssh import KEY_ENV, PASSWORD_ENV
from ..io import InputParameter, own_entries
from ..names import suffixed_name
from ..op_template import OPTemplate, PythonScriptOPTemplate, ScriptOPTemplate
from ..secrets import Secret
from . import dispatcher_runtime as runtime

__all__ = ["DispatcherExecutor", "DispatcherArtifact", "update_dict"]

ITEMS_PARAMETER = "dflow_items"
SLICE_PARAMETER = "dflow_slice"
PASSPHRASE_ENV = "DFLOW_SSH_PASSPHRASE"
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OWNED_TASK_KEYS = ("command", "task_work_path", "forward_files", "backward_files")
_CONTAINERS = ("docker", "singularity", "podman")


def update_dict(d1: dict, d2: dict) -> None:
    """Merge ``d2`` into ``d1`` in place, recursing into dicts present in both."""
    for k, v in d2.items():
        if isinstance(v, dict) and isinstance(d1.get(k), dict):
            update_dict(d1[k], v)
        else:
            d1[k] = v


def _as_secret(value: Union[str, Secret, None], key: str, what: str) -> Optional[Secret]:
    if value is None or isinstance(value, Secret):
        return value
    if isinstance(value, str):
        return Secret(value=value, key=key)
    raise InvalidWorkflowError(
        f"DispatcherExecutor: {what} must be a str or a dflow.secrets.Secret"
    )


@lru_cache(maxsize=1)
def _runtime_source() -> str:
    """The program the rendered step runs: the runtime module's own text."""
    return Path(runtime.__file__).read_text(encoding="utf-8")


class _Dispatched(PythonScriptOPTemplate):
    """A step's template rewritten to run through DPDispatcher."""


class _MergedDispatch(_Dispatched):
    """A sliced step sent as one submission: the step runs once, its items are the tasks."""

    runs_fan_out = True

    def step_arguments(self, step: Any) -> Dict[str, str]:
        """The item list the step would have fanned out over."""
        from ..python.grouping import items_text
        from ..python.template import stack_arguments

        where = f"{step.kind} {step.name!r}"
        if step.continue_on_num_success is not None or step.continue_on_success_ratio is not None:
            raise InvalidWorkflowError(
                f"{where}: DispatcherExecutor(merge_sliced_step=True) cannot be combined with "
                "continue_on_num_success/continue_on_success_ratio"
            )
        if step.key is not None and "item" in str(step.key):
            raise InvalidWorkflowError(
                f"{where}: DispatcherExecutor(merge_sliced_step=True) runs the items as one "
                "step; its key cannot use {{item}}"
            )
        return {ITEMS_PARAMETER: items_text(step, where), **stack_arguments(self, step)}


class DispatcherExecutor(Executor):
    """Runs a step through DPDispatcher on a batch system, over SSH or on this machine.

    Args:
        host / port / username: the login node (DPDispatcher's ``SSHContext``).
        queue_name: the queue (partition) of the jobs.
        password / private_key_file: credentials; a password may be a ``dflow.secrets.Secret``;
            the key file is read when the secret is created. Neither is ever rendered.
        image / image_pull_policy: the image of the container that runs DPDispatcher
            (``config["dispatcher_image"]``); it needs Python 3 and ``dpdispatcher``.
        command: the interpreter of that container (``python3``).
        remote_command: the interpreter of the step's script on the remote host, instead of the
            template's command.
        map_tmp_dir: point the script's ``/tmp`` paths to the task's own ``tmp`` directory.
        machine_dict / resources_dict / task_dict: DPDispatcher ``Machine``, ``Resources`` and
            ``Task`` settings, merged over the defaults (and over ``json_file``).
        json_file: a JSON file with ``machine`` and ``resources`` settings, read now.
        docker_executable / singularity_executable / podman_executable: run the script in the
            template's image on the remote host with this container runtime.
        container_args: extra arguments of that container runtime (shell words).
        remote_root: the remote work root (default ``~/dflow/workflows`` of ``username``).
        retry_on_submission_error: resubmit this many times when submitting fails.
        merge_sliced_step: send a sliced step as one submission of one task per item.
        pre_script / post_script: Python code run in the dispatcher container before and after.
        clean: remove the remote work directory after the outputs came back.
        remove_scheduling_strategies: drop the step's node selector, tolerations, affinity and
            CPU/memory requests, which were meant for the step and not for the dispatcher.
        envs: environment variables of the dispatcher container.
        terminate_grace_period: seconds a stopped step may spend bringing partial outputs back.
        private_key: the key itself (a str or a ``Secret``), instead of ``private_key_file``.
        check_interval: seconds between two polls of the jobs' states.
    """

    def __init__(
        self,
        host: Optional[str] = None,
        queue_name: Optional[str] = None,
        port: int = 22,
        username: str = "root",
        password: Union[str, Secret, None] = None,
        private_key_file: Union[str, os.PathLike, None] = None,
        image: Optional[str] = None,
        image_pull_policy: Optional[str] = None,
        command: Union[str, List[str]] = "python3",
        remote_command: Union[str, List[str], None] = None,
        map_tmp_dir: bool = True,
        machine_dict: Optional[dict] = None,
        resources_dict: Optional[dict] = None,
        task_dict: Optional[dict] = None,
        json_file: Union[str, os.PathLike, None] = None,
        docker_executable: Optional[str] = None,
        singularity_executable: Optional[str] = None,
        container_args: str = "",
        podman_executable: Optional[str] = None,
        remote_root: Optional[str] = None,
        retry_on_submission_error: Optional[int] = None,
        merge_sliced_step: bool = False,
        pre_script: str = "",
        post_script: str = "",
        clean: bool = True,
        remove_scheduling_strategies: bool = True,
        envs: Optional[Dict[str, str]] = None,
        merge_bohrium_job_group: bool = False,
        terminate_grace_period: Optional[int] = None,
        private_key: Union[str, Secret, None] = None,
        check_interval: Union[int, float] = 30,
    ) -> None:
        what = f"DispatcherExecutor for {host!r}" if host else "DispatcherExecutor"
        if merge_bohrium_job_group:
            raise InvalidWorkflowError(
                f"{what}: merge_bohrium_job_group needs the Bohrium platform, which this "
                "executor does not drive"
            )
        if not isinstance(port, int) or not 0 < port < 65536:
            raise InvalidWorkflowError(f"{what}: port {port!r} is invalid")
        if private_key_file is not None and private_key is not None:
            raise InvalidWorkflowError(f"{what}: give private_key_file or private_key, not both")
        if not isinstance(check_interval, (int, float)) or check_interval <= 0:
            raise InvalidWorkflowError(f"{what}: check_interval {check_interval!r} must be > 0")
        if retry_on_submission_error is not None and (
            not isinstance(retry_on_submission_error, int) or retry_on_submission_error < 0
        ):
            raise InvalidWorkflowError(
                f"{what}: retry_on_submission_error must be a non-negative int"
            )
        executables = {
            "docker": docker_executable,
            "singularity": singularity_executable,
            "podman": podman_executable,
        }
        chosen = {k: v for k, v in executables.items() if v is not None}
        if len(chosen) > 1:
            raise InvalidWorkflowError(
                f"{what}: give at most one of docker_executable, singularity_executable, "
                "podman_executable"
            )
        self.host = host
        self.queue_name = queue_name
        self.port = port
        self.username = username
        self.password = password
        self.private_key_file = private_key_file
        self.image = image if image is not None else config.get("dispatcher_image")
        self.image_pull_policy = (
            image_pull_policy
            if image_pull_policy is not None
            else config.get("dispatcher_image_pull_policy")
        )
        self.command = [command] if isinstance(command, str) else list(command)
        if isinstance(remote_command, str):
            remote_command = [remote_command]
        self.remote_command = list(remote_command) if remote_command else None
        self.docker_executable = docker_executable
        self.singularity_executable = singularity_executable
        self.podman_executable = podman_executable
        self.container = next(iter(chosen.items()), None)
        # a container mounts the task's tmp on /tmp: the script's paths stay as they are
        self.map_tmp_dir = map_tmp_dir and self.container is None
        self.container_args = container_args
        self.remote_root = remote_root
        self.retry_on_submission_error = retry_on_submission_error
        self.merge_sliced_step = merge_sliced_step
        self.pre_script = pre_script
        self.post_script = post_script
        self.clean = clean
        self.remove_scheduling_strategies = remove_scheduling_strategies
        self.envs = dict(envs or {})
        self.merge_bohrium_job_group = merge_bohrium_job_group
        self.terminate_grace_period = terminate_grace_period
        self.check_interval = check_interval
        self.debug = bool(config.get("dispatcher_debug"))

        self._unusable: Optional[str] = None  # why this executor cannot run a step, if it cannot
        conf: Dict[str, Any] = {}
        if json_file is not None:
            try:
                conf = json.loads(Path(json_file).read_text())
            except (OSError, ValueError) as exc:
                raise InvalidWorkflowError(
                    f"{what}: cannot read json_file {json_file}: {exc}"
                ) from None
        self.machine_dict = self._machine(conf.get("machine"), machine_dict, what)
        self.resources_dict = self._resources(conf.get("resources"), resources_dict)
        self.task_dict: Dict[str, Any] = {"task_work_path": "./", "outlog": "log", "errlog": "log"}
        for key in _OWNED_TASK_KEYS:
            if key in (task_dict or {}):
                raise InvalidWorkflowError(
                    f"{what}: task_dict[{key!r}] is set by the executor from the step itself"
                )
        update_dict(self.task_dict, dict(task_dict or {}))
        self._secrets(password, private_key_file, private_key, what)

    # -- settings -----------------------------------------------------------------------------

    def _machine(self, from_file: Any, given: Optional[dict], what: str) -> Dict[str, Any]:
        home = "/root" if self.username == "root" else f"/home/{self.username}"
        machine: Dict[str, Any] = {
            "batch_type": "Slurm",
            "context_type": "SSHContext",
            "local_root": ".",
            "remote_root": self.remote_root or f"{home}/dflow/workflows",
        }
        for extra in (from_file, given):
            if extra is not None:
                update_dict(machine, deepcopy(extra))
        context = str(machine.get("context_type", "")).lower().replace("context", "")
        if context == "ssh":
            profile = {"hostname": self.host, "username": self.username, "port": self.port}
            profile["timeout"] = 10
            update_dict(profile, machine.get("remote_profile") or {})
            if not profile.get("hostname"):  # may be built so, as in dflow 1.x; refused at use
                self._unusable = f"{what}: the SSH context needs a host"
            machine["remote_profile"] = profile
        elif context in ("bohrium", "openapi", "dpcloudserver", "lebesgue"):
            raise InvalidWorkflowError(
                f"{what}: context_type {machine['context_type']!r} (a cloud platform) is not "
                "supported; use SSHContext, LocalContext or LazyLocalContext"
            )
        return machine

    def _resources(self, from_file: Any, given: Optional[dict]) -> Dict[str, Any]:
        resources: Dict[str, Any] = {
            "number_node": 1,
            "cpu_per_node": 1,
            "group_size": 1,
            # distinct per pod, so DPDispatcher never takes two steps for one submission
            "envs": {
                "DFLOW_WORKFLOW": "{{workflow.name}}",
                "DFLOW_POD": "{{pod.name}}",
                "PYTHONUNBUFFERED": "true",
            },
        }
        if self.queue_name is not None:
            resources["queue_name"] = self.queue_name
        for extra in (from_file, given):
            if extra is not None:
                update_dict(resources, deepcopy(extra))
        return resources

    def _secrets(
        self,
        password: Union[str, Secret, None],
        key_file: Union[str, os.PathLike, None],
        key: Union[str, Secret, None],
        what: str,
    ) -> None:
        profile = self.machine_dict.get("remote_profile")
        if isinstance(profile, dict):
            # a password or passphrase given in machine_dict travels as a secret too
            in_profile = profile.pop("password", None)
            password = in_profile if password is None else password
            passphrase = profile.pop("passphrase", None)
            if profile.get("key_filename") and key_file is None and key is None:
                key_file = profile.pop("key_filename")
        else:
            passphrase = None
        self.password_secret = _as_secret(password, "password", "password")
        self.passphrase_secret = _as_secret(passphrase, "passphrase", "passphrase")
        if key_file is not None:
            path = os.path.expanduser(os.fspath(key_file))
            self.key_secret: Optional[Secret] = Secret(file=path, key="ssh-privatekey")
        else:
            self.key_secret = _as_secret(key, "ssh-privatekey", "private_key")
        if self.secrets and not isinstance(profile, dict):
            raise InvalidWorkflowError(
                f"{what}: a password or private key needs the SSH context "
                f"(context_type is {self.machine_dict.get('context_type')!r})"
            )

    @property
    def secrets(self) -> List[Secret]:
        """The secrets the rendered step reads (``dflow.secrets.create_secrets`` stores them)."""
        found = (self.password_secret, self.key_secret, self.passphrase_secret)
        return [s for s in found if s is not None]

    def _secret_envs(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        if self.key_secret is not None:
            out[KEY_ENV] = self.key_secret.ref()
        if self.password_secret is not None:
            out[PASSWORD_ENV] = self.password_secret.ref()
        if self.passphrase_secret is not None:
            out[PASSPHRASE_ENV] = self.passphrase_secret.ref()
        return out

    @property
    def where(self) -> str:
        """How messages name the machine: ``user@host:port`` or the context type."""
        profile = self.machine_dict.get("remote_profile")
        if isinstance(profile, dict) and profile.get("hostname"):
            return f"{profile.get('username')}@{profile['hostname']}:{profile.get('port', 22)}"
        return f"{self.machine_dict.get('context_type')} {self.machine_dict.get('remote_root')}"

    # -- rendering ----------------------------------------------------------------------------

    def render(self, template: OPTemplate) -> OPTemplate:
        owner = f"DispatcherExecutor on template {template.name!r}"
        if not isinstance(template, ScriptOPTemplate):
            raise InvalidWorkflowError(
                f"{owner}: only script templates can run through DPDispatcher, "
                f"got {type(template).__name__}"
            )
        for k, v in template.envs.items():
            if not isinstance(v, dict) and not _ENV_NAME.fullmatch(str(k)):
                raise InvalidWorkflowError(
                    f"{owner}: environment variable {k!r} is not a valid name "
                    "(letters, digits and '_', not starting with a digit)"
                )
        ups, downs = transfer_paths(template, owner)
        token = tmp_token(template)
        slices: Any = getattr(template, "slices", None)
        merge = bool(
            self.merge_sliced_step
            and slices is not None
            and SLICE_PARAMETER in template.inputs.parameters
        )
        if merge and str(slices.slices).replace(" ", "") != "{{item}}":
            raise InvalidWorkflowError(
                f"{owner}: merge_sliced_step needs Slices(slices='{{{{item}}}}'), "
                f"got {slices.slices!r}"
            )
        plain = {k: v for k, v in template.envs.items() if not isinstance(v, dict)}
        if merge:
            plain.pop(runtime.SLICE_ENV, None)
        envs: Dict[str, Any] = {k: v for k, v in template.envs.items() if isinstance(v, dict)}
        envs.update({k: rewrite_tmp(str(v), token) for k, v in plain.items()})
        envs.update(self.envs)
        spec = self._spec(template, ups, downs, token, sorted(plain), merge)
        envs[runtime.SPEC_ENV] = json.dumps(spec, sort_keys=True)
        script = rewrite_tmp(template.script, token) if self.map_tmp_dir else template.script
        envs[runtime.SCRIPT_ENV] = script
        if merge:
            envs[runtime.ITEMS_ENV] = "{{inputs.parameters.%s}}" % ITEMS_PARAMETER
        envs.update(self._secret_envs())
        digest = hashlib.sha1(
            f"{envs[runtime.SPEC_ENV]}\0{script}\0{self.image}\0{self.command}\0"
            f"{sorted(self.envs.items())}\0{[s.name for s in self.secrets]}".encode()
        ).hexdigest()[:8]
        changes: Dict[str, Any] = {
            "name": suffixed_name(template.name, f"dispatcher-{digest}"),
            "script": _runtime_source(),
            "command": list(self.command),
            "image": self.image,
            "image_pull_policy": self.image_pull_policy,
            "envs": envs,
        }
        if self.remove_scheduling_strategies:
            changes.update(node_selector=None, tolerations=None, affinity=None)
            changes["requests"] = _ephemeral(template.requests)
            changes["limits"] = _ephemeral(template.limits)
        new = template.replace(**changes)
        step_arguments = getattr(template, "step_arguments", None)
        new.__class__ = _MergedDispatch if merge else _Dispatched
        if merge:
            del new.inputs.parameters[SLICE_PARAMETER]
            new.inputs.parameters[ITEMS_PARAMETER] = InputParameter()
        elif step_arguments is not None:  # a sliced step still passes each item its slice
            new.step_arguments = step_arguments  # type: ignore[attr-defined]
        return new

    def _spec(
        self,
        template: ScriptOPTemplate,
        ups: List[str],
        downs: List[str],
        token: str,
        env_names: List[str],
        merge: bool,
    ) -> Dict[str, Any]:
        """What the runtime needs besides the script: DPDispatcher settings and the layout."""
        if self._unusable:
            raise InvalidWorkflowError(self._unusable)
        # the command runs as given: only the script's /tmp paths are the task's own
        command = self.remote_command or template.command
        container = None
        if self.container is not None:
            kind, executable = self.container
            container = {
                "kind": kind,
                "executable": executable,
                "args": self.container_args,
                "image": template.image,
                "pull": template.image_pull_policy,
            }
        outputs = None
        if merge:
            outputs = {
                "parameters": sorted(
                    p.value_from_path[len("/tmp/") :]
                    for p in own_entries(template.outputs.parameters).values()
                    if p.value_from_path is not None and p.value_from_path.startswith("/tmp/")
                ),
            }
        return {
            "machine": self.machine_dict,
            "resources": self.resources_dict,
            "task": self.task_dict,
            "uploads": ups,
            "downloads": downs,
            "token": token if self.map_tmp_dir else None,
            "remote_command": command,
            "container": container,
            "envs": env_names,
            "merge": outputs,
            "clean": self.clean,
            "retries": self.retry_on_submission_error or 0,
            "check_interval": self.check_interval,
            "grace": self.terminate_grace_period,
            "pre_script": self.pre_script,
            "post_script": self.post_script,
            "where": self.where,
            "debug": self.debug,
        }


def _ephemeral(resources: Optional[Dict[str, str]]) -> Dict[str, str]:
    """Only the ephemeral storage of the step's requests/limits applies to the dispatcher."""
    return {k: v for k, v in (resources or {}).items() if k == "ephemeral-storage"}


class DispatcherArtifact(ABC):
    """An artifact a remote job fetches itself (e.g. from a data platform), not dflow's store.

    Subclasses say how DPDispatcher's machine is told about it and how it is fetched on an SSH
    host or on Bohrium.
    """

    @abstractmethod
    def modify_config(self, name: str, machine: Any) -> str:
        """Adjust the DPDispatcher ``machine`` so that the job can reach artifact ``name``."""

    @abstractmethod
    def remote_download(self, name: str, path: str) -> Any:
        """Fetch artifact ``name`` to ``path`` on the remote host."""

    @abstractmethod
    def bohrium_download(self, name: str, path: str) -> Any:
        """Fetch artifact ``name`` to ``path`` on a Bohrium node."""
