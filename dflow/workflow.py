"""The Workflow: the entrypoint Steps or DAG, rendered to an Argo manifest and run by an engine."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Dict, Iterator, List, Optional, Union

from .argo_objects import ArgoObjectDict
from .config import config
from .context_syntax import close_block, open_block
from .dag import DAG
from .engines import FINISHED_PHASES
from .errors import DflowError, InvalidWorkflowError, WaitTimeoutError
from .filesystem import randstr
from .names import check_io_name, check_workflow_name
from .op_template import OPTemplate
from .render import render_workflow
from .render.yaml_out import dump_yaml
from .step import Step
from .steps import Steps
from .task import Task

__all__ = ["Workflow", "query_workflows", "query_archived_workflows", "get_argo_api_client"]


class Workflow:
    """A workflow: build it with ``add``, render it with ``to_dict``, run it with ``submit``.

    Args:
        name: the workflow name; Argo appends a random suffix to make the id.
        steps / dag: the entrypoint template; by default an empty ``Steps`` named ``name``.
        id: attach to an existing workflow by its id instead of building a new one.
        host / token / namespace / k8s_config_file / k8s_api_server: where the Argo server is
            (default from ``config``).
        context: an object whose ``render(template)`` may rewrite every template before submission.
        annotations / labels: workflow metadata; labels are what ``query_workflows`` filters on.
        parallelism: how many pods run at once in this workflow.
        parameters: workflow arguments, read as ``{{workflow.parameters.<name>}}`` (values that
            are not ``str`` are JSON-encoded).
        on_exit: a template Argo runs when the workflow ends (``{{workflow.status}}`` tells how).

    ``with Workflow(...) as wf:`` adds the steps built inside the block and submits on leaving it.
    """

    def __init__(
        self,
        name: str = "workflow",
        steps: Optional[Steps] = None,
        dag: Optional[DAG] = None,
        namespace: Optional[str] = None,
        id: Optional[str] = None,
        uid: Optional[str] = None,
        host: Optional[str] = None,
        token: Optional[str] = None,
        k8s_config_file: Optional[str] = None,
        k8s_api_server: Optional[str] = None,
        context: Any = None,
        annotations: Optional[Dict[str, str]] = None,
        labels: Optional[Dict[str, str]] = None,
        parallelism: Optional[int] = None,
        pod_gc_strategy: Optional[str] = None,
        image_pull_secrets: Optional[List[Any]] = None,
        artifact_repo_key: Optional[str] = None,
        volumes: Optional[List[Dict[str, Any]]] = None,
        service_account_name: Optional[str] = None,
        parameters: Optional[Dict[str, Any]] = None,
        on_exit: Optional[OPTemplate] = None,
    ) -> None:
        self.name = check_workflow_name(name)
        if steps is not None and dag is not None:
            raise InvalidWorkflowError(f"workflow {name!r}: give steps or dag, not both")
        self.entrypoint: Union[Steps, DAG] = (
            steps if steps is not None else dag if dag is not None else Steps(name)
        )
        self.auto_entrypoint = steps is None and dag is None  # named by us, renamed on a clash
        self.id = id
        self.uid = uid
        self.namespace = namespace
        self.host = host
        self.token = token
        self.k8s_config_file = k8s_config_file
        self.k8s_api_server = k8s_api_server
        self.context = context
        self.annotations = dict(config.get("workflow_annotations") or {})
        self.annotations.update(annotations or {})
        self.labels = dict(labels or {})
        self.parallelism = parallelism
        self.pod_gc_strategy = pod_gc_strategy
        # names; a DockerSecret (or Secret) given here is created when the workflow is submitted
        self.image_pull_secrets = [getattr(s, "name", s) for s in image_pull_secrets or []]
        self.pull_secrets_to_create = [
            s for s in image_pull_secrets or [] if getattr(s, "has_value", False)
        ]
        self.artifact_repo_key = artifact_repo_key
        self.volumes = list(volumes or [])
        self.service_account_name = service_account_name
        self.parameters: Dict[str, Any] = {}
        for pname, value in (parameters or {}).items():
            self.parameters[check_io_name(pname, "workflow parameter")] = value
        if on_exit is not None and not isinstance(on_exit, OPTemplate):
            raise InvalidWorkflowError(
                f"workflow {name!r}: on_exit must be a template, got {type(on_exit).__name__}"
            )
        self.on_exit = on_exit
        self._engine: Any = None
        self._block: Optional[Union[Steps, DAG]] = None  # the entrypoint a ``with`` block fills
        self.k8s_client: Any = None  # made by get_k8s_core_v1_api

    # -- the ``with`` syntax -------------------------------------------------------------------

    def __enter__(self) -> Workflow:
        self._block = self.entrypoint
        open_block(self._block)
        return self

    def __exit__(self, exc_type: Any, *rest: Any) -> None:
        close_block(self._block)
        self._block = None
        if exc_type is None:
            self.submit()

    # -- building ------------------------------------------------------------------------------

    @property
    def steps(self) -> Optional[Steps]:
        return self.entrypoint if isinstance(self.entrypoint, Steps) else None

    @property
    def dag(self) -> Optional[DAG]:
        return self.entrypoint if isinstance(self.entrypoint, DAG) else None

    def add(self, step: Union[Step, List[Step]]) -> None:
        """Add a step (or a parallel group of steps, or a task to a DAG workflow).

        A workflow built without ``steps`` or ``dag`` whose first addition is a task (or a list
        of tasks) becomes a DAG workflow, as in dflow 1.x.
        """
        if self._starts_with_tasks(step):
            self.entrypoint = DAG(self.entrypoint.name)
        self.entrypoint.add(step)  # type: ignore[arg-type]

    def _starts_with_tasks(self, step: Union[Step, List[Step]]) -> bool:
        group = step if isinstance(step, list) else [step]
        return (
            self.auto_entrypoint
            and isinstance(self.entrypoint, Steps)
            and not self.entrypoint.steps
            and getattr(self, "_block", None) is None
            and bool(group)
            and all(isinstance(s, Task) for s in group)
        )

    # -- rendering -----------------------------------------------------------------------------

    def to_dict(
        self, memoize_configmap: Optional[str] = None, context: Any = None
    ) -> Dict[str, Any]:
        """The Argo manifest of this workflow."""
        return render_workflow(
            self,
            memoize_configmap=memoize_configmap,
            util_image=config["util_image"],
            context=context,
        )

    def convert_to_argo(self, reuse_step: Optional[List[Any]] = None) -> ArgoObjectDict:
        """The manifest with attribute access (``.metadata.name``); ``to_dict()`` gives the dict."""
        if reuse_step is not None:
            raise InvalidWorkflowError(
                f"workflow {self.name!r}: steps are reused by submit(reuse_step=...), "
                "not by convert_to_argo"
            )
        return ArgoManifest(self.to_dict())

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), **kwargs)

    def to_yaml(self, **kwargs: Any) -> str:
        """The manifest as YAML; keyword arguments go to ``yaml.safe_dump`` instead."""
        if not kwargs:
            return dump_yaml(self.to_dict())
        import yaml

        kwargs.setdefault("sort_keys", False)
        return str(yaml.safe_dump(self.to_dict(), **kwargs))

    def to_graph(self, fmt: Optional[str] = None) -> Any:
        """With no ``fmt``, the workflow's graph dict (its fields, and its templates by name, as
        in dflow 1.x; ``from_graph`` reads it back); else a picture of the workflow:
        ``"mermaid"``, ``"dot"`` or ``"svg"`` text, ``"png"`` bytes, coloured by phase once
        submitted."""
        if fmt is None:
            from .graph_format import workflow_graph

            return workflow_graph(self)
        from .render.picture import workflow_picture

        if self.id is None:
            return workflow_picture(self.to_dict(), fmt)
        return workflow_picture(self._get_engine().get(self.id), fmt)

    def get_graph_templates(
        self, template: OPTemplate, graph_templates: Optional[Dict[str, Any]] = None
    ) -> Dict[str, Any]:
        """The graph dicts of ``template`` and of the templates it runs, by name, added to
        ``graph_templates``."""
        from .graph_format import graph_templates as collect

        return collect(template, graph_templates)

    def to_graph_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_graph(), **kwargs)

    def to_graph_yaml(self, **kwargs: Any) -> str:
        import yaml

        return str(yaml.dump(self.to_graph(), **kwargs))

    @classmethod
    def from_graph(cls, graph: Dict[str, Any]) -> Workflow:
        """The workflow of a graph dict (``to_graph()``, ours or dflow 1.x's)."""
        from .graph_format import workflow_from_graph

        return workflow_from_graph(cls, graph)  # type: ignore[no-any-return]

    @classmethod
    def from_graph_json(cls, j: str, **kwargs: Any) -> Workflow:
        return cls.from_graph(json.loads(j, **kwargs))

    @classmethod
    def from_graph_yaml(cls, y: str, **kwargs: Any) -> Workflow:
        import yaml

        return cls.from_graph(yaml.safe_load(y, **kwargs))

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> Workflow:
        """A workflow rebuilt from a manifest; ``to_dict`` gives the same manifest back."""
        from .parse import workflow_from_dict

        return workflow_from_dict(cls, d)

    @classmethod
    def from_json(cls, s: str) -> Workflow:
        """A workflow rebuilt from its JSON manifest."""
        return cls.from_dict(json.loads(s))

    @classmethod
    def from_yaml(cls, s: str) -> Workflow:
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return cls.from_dict(yaml.load(s, Loader=loader))

    # -- running -------------------------------------------------------------------------------

    def _get_engine(self) -> Any:
        if self._engine is None:
            from .engines import get_engine

            self._engine = get_engine(config["mode"], **self._engine_settings())
        return self._engine

    def _engine_settings(self) -> Dict[str, Any]:
        return engine_settings(self)

    def submit(self, reuse_step: Optional[List[Any]] = None) -> Any:
        """Render and start the workflow; ``reuse_step`` lists finished steps whose keys to skip."""
        from .argo_objects import ArgoWorkflow
        from .submission import ship_packages, store_secrets, upload_local_artifacts

        memoize_configmap = f"dflow-memo-{uuid.uuid4().hex[:12]}" if reuse_step else None
        if reuse_step and not self.id:
            # named before it starts, as dflow 1.x does, so the reused items' stacks are
            # copied to the keys it will read
            self.id = f"{self.name}-{randstr()}"
        ship_dflow = config["mode"] == "default" and bool(config.get("ship_dflow"))
        upload_local_artifacts(self.entrypoint)
        context = ship_packages(self.entrypoint, self.context, ship_dflow=ship_dflow)
        manifest = self.to_dict(memoize_configmap=memoize_configmap, context=context)
        store_secrets(self.entrypoint, self.namespace or config["namespace"], config["mode"])
        if self.pull_secrets_to_create:
            from .secrets import create_secrets

            create_secrets(
                self.pull_secrets_to_create, self.namespace or config["namespace"], config["mode"]
            )
        if reuse_step:
            from .reused_stacks import copy_reused_stacks

            copy_reused_stacks(reuse_step, self._require_id())
        try:
            created = self._get_engine().submit(
                manifest, reuse_step=reuse_step, memoize_configmap=memoize_configmap
            )
        except DflowError as exc:  # created, though its run could not be recorded to the end
            self.id = getattr(exc, "workflow_id", None) or self.id
            raise
        self.id = created["metadata"]["name"]
        self.uid = created["metadata"].get("uid")
        self._announce()
        return ArgoWorkflow(created)

    def _announce(self) -> None:
        """The lines dflow 1.x prints once a workflow is submitted (scripts may read its ID)."""
        if config["mode"] == "default":
            print(f"Workflow has been submitted (ID: {self.id}, UID: {self.uid})")
            host = self.host or config["host"]
            namespace = self.namespace or config["namespace"]
            print(f"Workflow link: {host}/workflows/{namespace}/{self.id}")
        else:
            print(f"Workflow is running locally (ID: {self.id})")

    def _require_id(self) -> str:
        if not self.id:
            raise InvalidWorkflowError(f"workflow {self.name!r} has not been submitted")
        return self.id

    def query(self, fields: Optional[List[str]] = None, retry: Optional[int] = None) -> Any:
        """The workflow as the engine reports it now (an ``ArgoWorkflow``).

        Args:
            fields: (Argo) ask the server for these field paths only, e.g.
                ``["metadata.name", "status.phase"]``, for big workflows.
            retry: (Argo) how many more times to ask when the server cannot be reached.
        """
        from .argo_objects import ArgoWorkflow

        engine = self._get_engine()
        if fields is None and retry is None:
            return ArgoWorkflow(engine.get(self._require_id()))
        if config["mode"] != "default":
            raise InvalidWorkflowError(
                "Workflow.query(fields=, retry=) asks the Argo server; the local engine answers "
                "the whole workflow at once"
            )
        return ArgoWorkflow(engine.get(self._require_id(), retries=retry, fields=fields))

    def query_status(self) -> str:
        """The phase: Pending, Running, Succeeded, Failed or Error."""
        return str(self.query().phase)

    def wait(self, interval: float = 1.0, timeout: Optional[float] = None) -> str:
        """Block until the workflow finishes; returns its final phase.

        Args:
            interval: seconds between polls.
            timeout: give up after this many seconds (``WaitTimeoutError``, or the Argo server's
                last error if it was failing); default ``config["wait_timeout"]``, where None
                waits as long as it takes, riding out server outages.
        """
        if timeout is None and config.get("wait_timeout") is not None:
            timeout = float(config["wait_timeout"])
        engine = self._get_engine()
        workflow_id = self._require_id()
        if hasattr(engine, "wait"):
            return str(engine.wait(workflow_id, interval=interval, timeout=timeout))
        start = time.monotonic()
        while True:
            phase = self.query_status()
            if phase in FINISHED_PHASES:
                return phase
            waited = time.monotonic() - start
            if timeout is not None and waited >= timeout:
                raise WaitTimeoutError(workflow_id, phase, waited)
            time.sleep(interval if timeout is None else min(interval, timeout - waited))

    def query_step(
        self,
        name: Any = None,
        key: Any = None,
        phase: Any = None,
        id: Any = None,
        type: Any = None,
        parent_id: Optional[str] = None,
        sort_by_generation: bool = False,
    ) -> List[Any]:
        """Steps with the given name (or fan-out items of it), key, phase, id or type; each may
        be a list. ``parent_id`` keeps the steps under that step."""
        return list(
            self.query().get_step(
                name=name,
                key=key,
                phase=phase,
                id=id,
                type=type,
                parent_id=parent_id,
                sort_by_generation=sort_by_generation,
            )
        )

    def query_step_by_key(
        self,
        key: Any,
        name: Any = None,
        phase: Any = None,
        id: Any = None,
        type: Any = None,
    ) -> List[Any]:
        """Steps with the given key (or keys), further filtered like ``query_step``."""
        return self.query_step(key=key, name=name, phase=phase, id=id, type=type)

    def query_keys_of_steps(self) -> List[str]:
        return list(self.query().get_keys_of_steps())

    def logs(
        self,
        step: Optional[str] = None,
        follow: bool = False,
        tail: Optional[int] = None,
        grep: Optional[str] = None,
    ) -> Iterator[str]:
        """Log lines ``step: text`` of the workflow's steps (of ``step`` only: a name, key or
        node id), each attempt of a retried step labelled; ``follow`` streams until it ends."""
        from .step_logs import workflow_logs

        return workflow_logs(self._get_engine(), self._require_id(), step, follow, tail, grep)

    def query_global_outputs(self) -> Any:
        return self.query().get_global_outputs()

    def _action(self, verb: str) -> Any:
        return self._get_engine().action(self._require_id(), verb)

    def terminate(self) -> Any:
        return self._action("terminate")

    def stop(self) -> Any:
        return self._action("stop")

    def suspend(self) -> Any:
        return self._action("suspend")

    def resume(self) -> Any:
        return self._action("resume")

    def retry(self) -> Any:
        return self._action("retry")

    def resubmit(self) -> Any:
        return self._action("resubmit")

    def delete(self) -> Any:
        return self._action("delete")

    def retry_steps(self, step_ids: List[str]) -> None:
        """Run the steps with these ids again (Argo only).

        In a running workflow the steps' pods are deleted and their nodes set back to Pending
        while the workflow is suspended (this needs the Kubernetes API, as ``get_pod`` does);
        in an ended one, Argo's retry restarts the step (one at a time) and what follows it.
        """
        engine = self._get_engine()
        if not hasattr(engine, "retry_steps"):
            raise DflowError(
                f"Workflow.retry_steps() needs Argo: in mode {config['mode']!r} steps run as "
                "processes on this machine; Workflow.retry() runs a failed workflow's failed "
                "steps again"
            )
        engine.retry_steps(self._require_id(), step_ids)

    def get_k8s_core_v1_api(self) -> Any:
        """A ``kubernetes.client.CoreV1Api`` for this workflow's cluster settings (or config's)."""
        from .kube import k8s_api_client, kubernetes

        if self.k8s_client is None:
            self.k8s_client = k8s_api_client(
                self.k8s_api_server,
                self.token,
                self.k8s_config_file,
                purpose="Workflow.get_k8s_core_v1_api() needs a Kubernetes cluster",
            )
        return kubernetes().client.CoreV1Api(self.k8s_client)


class ArgoManifest(ArgoObjectDict):
    """A rendered manifest as ``convert_to_argo`` returns it: a dict with attribute access."""

    def to_dict(self) -> Dict[str, Any]:
        return self.recover()


def engine_settings(workflow: Optional[Workflow]) -> Dict[str, Any]:
    """Where the engine of ``config["mode"]`` is: a workflow's own settings, else ``config``."""
    if config["mode"] != "default":
        return {}
    return {
        field: getattr(workflow, field, None) or config[field]
        for field in ("host", "token", "namespace", "k8s_config_file", "k8s_api_server")
    }


def query_workflows(
    labels: Optional[Dict[str, str]] = None, fields: Optional[List[str]] = None
) -> List[Any]:
    """Workflows on the configured engine, filtered by labels (``ArgoWorkflow`` views).

    ``fields`` (Argo only) asks the server for those field paths alone, sent as Argo's ``fields``
    query parameter (e.g. ``["items.metadata.name", "items.status.phase"]``).
    """
    from .argo_objects import ArgoWorkflow
    from .engines import get_engine

    engine = get_engine(config["mode"], **engine_settings(None))
    if fields is None:
        return [ArgoWorkflow(w) for w in engine.list(labels)]
    if config["mode"] != "default":
        raise InvalidWorkflowError(
            f"query_workflows(fields=...) needs the Argo server; the mode is {config['mode']!r}"
        )
    return [ArgoWorkflow(w) for w in engine.list(labels, fields=fields)]  # type: ignore[call-arg]


def query_archived_workflows(
    labels: Optional[Dict[str, str]] = None, id: Optional[str] = None
) -> List[Any]:
    """Workflows in Argo's workflow archive carrying all ``labels`` (and named ``id``).

    The archive keeps workflows after they are deleted from the cluster; the local engine
    archives nothing, so there the answer is empty.
    """
    from .argo_objects import ArgoWorkflow
    from .engines import get_engine

    engine = get_engine(config["mode"], **engine_settings(None))
    if not hasattr(engine, "list_archived"):
        return []  # an engine without an archive has archived nothing
    return [ArgoWorkflow(w) for w in engine.list_archived(labels, name=id)]


def get_argo_api_client(host: Optional[str] = None, token: Optional[str] = None) -> Any:
    """An ``argo_workflows`` ApiClient set up as the Argo engine's (``config``, or these)."""
    from .engines import get_engine

    settings = {"host": config["host"], "token": config["token"], "namespace": config["namespace"]}
    settings.update({k: v for k, v in (("host", host), ("token", token)) if v is not None})
    return get_engine("default", **settings).client.api_client  # type: ignore[attr-defined]


# dflow 1.x names of this module, defined where they belong and imported on first use
def __getattr__(name: str) -> Any:
    if name == "parse_repo":
        from .artifact_repo import parse_repo

        return parse_repo
    if name == "DockerSecret":
        from .secrets import DockerSecret

        return DockerSecret
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
