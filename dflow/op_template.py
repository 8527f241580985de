"""Templates: what a step runs. Script templates run a shell or Python script in a container.

Fields shared by every template live once, in ``OPTemplate``. Templates are never mutated by
steps or by rendering: a variant (a step's timeout, an executor's rewrite) is a copy made with
``replace``.
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any, Dict, List, Optional, Union

from .io import PVC, Inputs, Outputs
from .names import check_template_name, generated_name

__all__ = [
    "OPTemplate",
    "ScriptOPTemplate",
    "ShellOPTemplate",
    "PythonScriptOPTemplate",
    "ContainerOPTemplate",
    "Timeout",
]

Timeout = Union[int, float, str, None]


class OPTemplate:
    """Base of every template: a name, inputs, outputs and the settings Argo applies to any of them.

    Args:
        name: the template name (letters, digits and '-', lower-cased, at most 57 characters;
            a name is generated when it is not given).
        inputs / outputs: what the template takes and gives.
        memoize_key: an Argo memoization key; steps with the same key reuse a stored result.
        annotations / labels: pod metadata.
        timeout: seconds (or an Argo duration such as ``"10m"``) before the step is killed.
        retry_strategy: an Argo ``retryStrategy`` dict.
        node_selector / tolerations / affinity: where its pods may run.
        parallelism: how many of its inner steps run at once (Steps and DAG).
    """

    def __init__(
        self,
        name: Optional[str] = None,
        inputs: Optional[Inputs] = None,
        outputs: Optional[Outputs] = None,
        memoize_key: Optional[str] = None,
        annotations: Optional[Dict[str, str]] = None,
        labels: Optional[Dict[str, str]] = None,
        timeout: Timeout = None,
        retry_strategy: Optional[Dict[str, Any]] = None,
        node_selector: Optional[Dict[str, str]] = None,
        tolerations: Optional[List[Dict[str, Any]]] = None,
        affinity: Optional[Dict[str, Any]] = None,
        parallelism: Optional[int] = None,
        init_progress: Optional[str] = None,
        volumes: Optional[List[Dict[str, Any]]] = None,
        pvcs: Optional[List[PVC]] = None,
    ) -> None:
        self.name = check_template_name(name) if name is not None else self._default_name()
        self.inputs = inputs if inputs is not None else Inputs()
        self.outputs = outputs if outputs is not None else Outputs()
        self.memoize_key = memoize_key
        self.annotations = dict(annotations or {})
        self.labels = dict(labels or {})
        self.timeout = timeout
        self.retry_strategy = retry_strategy
        self.node_selector = node_selector
        self.tolerations = tolerations
        self.affinity = affinity
        self.parallelism = parallelism
        self.init_progress = init_progress
        self.volumes = list(volumes or [])
        self.pvcs = list(pvcs or [])

    def _default_name(self) -> str:
        return generated_name(type(self).__name__.lower())

    def replace(self, **changes: Any) -> OPTemplate:
        """A copy with some fields changed; inputs and outputs are copied too, never shared."""
        new = copy.copy(self)
        new.inputs = copy.deepcopy(self.inputs)
        new.outputs = copy.deepcopy(self.outputs)
        for field, value in changes.items():
            if not hasattr(new, field):
                raise AttributeError(f"{type(self).__name__} has no field {field!r}")
            setattr(new, field, value)
        if "name" in changes:
            new.name = check_template_name(new.name)
        return new

    # dflow 1.x spelled the copy ``deepcopy``; keep it reachable.
    def deepcopy(self) -> OPTemplate:
        return copy.deepcopy(self)

    def copy(self) -> OPTemplate:
        """A copy to change without touching this template (inputs and outputs copied too)."""
        return self.replace()

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> Any:
        """The template an Argo template dict (as in a manifest) describes."""
        from .errors import InvalidWorkflowError
        from .parse import template_from_dict

        template = template_from_dict(d)
        if not isinstance(template, cls):
            raise InvalidWorkflowError(
                f"template {d.get('name')!r} is a {type(template).__name__}, not a {cls.__name__}"
            )
        return template

    def convert_to_graph(self) -> Any:
        """This template as a dict of its fields (a Steps or DAG: with the templates it runs),
        as in a workflow's graph (``Workflow.to_graph``)."""
        from .graph_format import template_graph

        return template_graph(self)[0]

    @classmethod
    def from_graph(cls, graph: Dict[str, Any], templates: Optional[Dict[str, Any]] = None) -> Any:
        """The template of a ``convert_to_graph`` dict; a Steps or DAG finds the templates its
        steps run in ``templates`` by name."""
        from .graph_format import template_from_graph

        return template_from_graph(graph, templates)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


class ScriptOPTemplate(OPTemplate):
    """A script run by ``command`` in a container of ``image``.

    Args:
        image: the container image.
        command: the interpreter, e.g. ``["sh"]`` or ``["python3"]``.
        script: the script text; it may use ``{{inputs.parameters.x}}`` tags.
        mounts: volume mounts (Kubernetes ``volumeMount`` dicts).
        image_pull_policy: ``Always``, ``IfNotPresent`` or ``Never``.
        cpu_requests / memory_requests / cpu_limits / memory_limits: container resources.
        requests / limits: container resources as Kubernetes dicts (``{"nvidia.com/gpu": "1"}``),
            merged with the cpu/memory keywords.
        resource: a ``Resource`` (e.g. ``SlurmJob``) every step of this template runs as, as
            ``Step(use_resource=...)`` does for one step.
        envs: environment variables of the container; a dict value is an Argo ``valueFrom``
            (e.g. ``{"secretKeyRef": {"name": "ssh", "key": "password"}}``), never the secret.
        init_containers: containers run to completion before the script (Argo ``UserContainer``
            dicts), e.g. to install a package into a shared ``emptyDir`` volume.
        sidecars: containers run beside the script for its lifetime (``UserContainer`` dicts).
    """

    default_command: List[str] = ["sh"]

    def __init__(
        self,
        name: Optional[str] = None,
        inputs: Optional[Inputs] = None,
        outputs: Optional[Outputs] = None,
        image: Optional[str] = None,
        command: Union[str, List[str], None] = None,
        script: Optional[str] = None,
        mounts: Optional[List[Dict[str, Any]]] = None,
        image_pull_policy: Optional[str] = None,
        cpu_requests: Optional[str] = None,
        memory_requests: Optional[str] = None,
        cpu_limits: Optional[str] = None,
        memory_limits: Optional[str] = None,
        envs: Optional[Dict[str, str]] = None,
        init_containers: Optional[List[Dict[str, Any]]] = None,
        sidecars: Optional[List[Dict[str, Any]]] = None,
        requests: Optional[Dict[str, Any]] = None,
        limits: Optional[Dict[str, Any]] = None,
        resource: Any = None,
        **common: Any,
    ) -> None:
        self.image = image
        self.command = (
            [command] if isinstance(command, str) else list(command or self.default_command)
        )
        self.script = script or ""
        super().__init__(name, inputs, outputs, **common)
        self.mounts = list(mounts or [])
        self.image_pull_policy = image_pull_policy
        self.requests = {
            **{k: str(v) for k, v in (requests or {}).items()},
            **_resources(cpu_requests, memory_requests),
        }
        self.limits = {
            **{k: str(v) for k, v in (limits or {}).items()},
            **_resources(cpu_limits, memory_limits),
        }
        self.envs = dict(envs or {})
        self.resource = resource
        self.init_containers = list(init_containers or [])
        self.sidecars = list(sidecars or [])

    def _default_name(self) -> str:
        digest = hashlib.sha1(f"{self.image}\0{self.command}\0{self.script}".encode()).hexdigest()
        return f"{type(self).__name__.lower().replace('optemplate', '')}-{digest[:10]}"


class ShellOPTemplate(ScriptOPTemplate):
    """A shell script template (``command`` defaults to ``["sh"]``)."""

    default_command = ["sh"]


class PythonScriptOPTemplate(ScriptOPTemplate):
    """A Python script template (``command`` defaults to ``["python3"]``)."""

    default_command = ["python3"]


class ContainerOPTemplate(OPTemplate):
    """A container run with ``command`` and ``args`` (no script)."""

    def __init__(
        self,
        name: Optional[str] = None,
        inputs: Optional[Inputs] = None,
        outputs: Optional[Outputs] = None,
        image: Optional[str] = None,
        command: Optional[List[str]] = None,
        args: Optional[List[str]] = None,
        mounts: Optional[List[Dict[str, Any]]] = None,
        image_pull_policy: Optional[str] = None,
        envs: Optional[Dict[str, str]] = None,
        **common: Any,
    ) -> None:
        self.image = image
        self.command = list(command or [])
        self.args = list(args or [])
        super().__init__(name, inputs, outputs, **common)
        self.mounts = list(mounts or [])
        self.image_pull_policy = image_pull_policy
        self.envs = dict(envs or {})
        self.requests: Dict[str, str] = {}
        self.limits: Dict[str, str] = {}

    def _default_name(self) -> str:
        digest = hashlib.sha1(f"{self.image}\0{self.command}\0{self.args}".encode()).hexdigest()
        return f"container-{digest[:10]}"


def _resources(cpu: Optional[str], memory: Optional[str]) -> Dict[str, str]:
    out = {}
    if cpu is not None:
        out["cpu"] = str(cpu)
    if memory is not None:
        out["memory"] = str(memory)
    return out


# dflow 1.x names of this module, defined where they belong and imported on first use
def __getattr__(name: str) -> Any:
    if name == "Secret":
        from .secrets import Secret

        return Secret
    if name == "get_k8s_client":
        from .kube import get_k8s_client

        return get_k8s_client
    if name == "HTTPOPTemplate":
        from .http_template import HTTPOPTemplate

        return HTTPOPTemplate
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
