"""Status views: ``ArgoWorkflow`` and ``ArgoStep`` give attribute access over Argo's workflow JSON.

Both engines answer workflows shaped as the Argo server returns them; these views read either alike.
Nested dicts and lists are wrapped lazily and in place, so a view stays a plain JSON-serializable
dict and edits made through it (``modify_output_parameter``) land in the underlying JSON.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Set, Tuple, Union

from .errors import DflowError
from .io import BIG_PREFIX, S3Artifact
from .wire import described_type, encode_value

__all__ = [
    "ArgoObjectDict",
    "ArgoObjectList",
    "ArgoParameter",
    "ArgoArtifact",
    "ArgoStep",
    "ArgoWorkflow",
]

KEY_PARAMETER = "dflow_key"
Filter = Union[None, str, Iterable[str]]


class _WrappedList(list):
    """A list whose dicts have already been turned into views."""

    def recover(self) -> List[Any]:
        """A plain-list deep copy, as the JSON it came from."""
        return json.loads(json.dumps(self))


class ArgoObjectList(_WrappedList):
    """A list of a status whose dicts (and lists) read as views, as in ``ArgoObjectDict``."""

    def __init__(self, li: Iterable[Any] = ()) -> None:
        super().__init__(_wrap(v) for v in li)


def _wrap(value: Any) -> Any:
    if type(value) is dict:
        return ArgoObjectDict(value)
    if type(value) is list:
        return ArgoObjectList(value)
    return value


class ArgoObjectDict(dict):
    """A dict whose keys read as attributes; nested dicts become views on first access."""

    _children: Dict[str, type] = {}  # field -> view class of that field
    _items: Optional[type] = None  # view class of every value (for maps such as status.nodes)

    def __init__(self, d: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> None:
        super().__init__(d or {}, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name not in self:
            raise AttributeError(f"{type(self).__name__} has no field {name!r}")
        return self[name]

    def __getitem__(self, name: str) -> Any:
        value = dict.__getitem__(self, name)
        if type(value) is dict:
            cls = self._items or self._children.get(name, ArgoObjectDict)
            value = cls(value)
            dict.__setitem__(self, name, value)
        elif type(value) is list:
            value = ArgoObjectList(value)
            dict.__setitem__(self, name, value)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None

    def recover(self) -> Dict[str, Any]:
        """A plain-dict deep copy, as the JSON it came from."""
        return json.loads(json.dumps(self))


def _decode(raw: Any, description: Any) -> Any:
    """The value of a typed parameter (its description records a non-str type), else the string."""
    recorded = described_type(description)
    if not isinstance(raw, str) or recorded in (None, "str", "<class 'str'>"):
        return raw
    if '"py/' not in raw:  # jsonpickle's markers; without them the text is plain JSON
        try:
            return json.loads(raw)
        except ValueError:
            pass
    try:
        import warnings

        import jsonpickle

        with warnings.catch_warnings():  # jsonpickle warns that its default will change
            warnings.simplefilter("ignore", DeprecationWarning)
            return jsonpickle.loads(raw)
    except Exception:  # noqa: BLE001 - an undecodable value is still worth showing as text
        return raw


class ArgoParameter(ArgoObjectDict):
    """One parameter of a node; ``value`` is decoded when the parameter is typed."""

    def __init__(self, par: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> None:
        super().__init__(par, **kwargs)

    @property
    def value(self) -> Any:  # type: ignore[override]
        if "value" not in self:
            raise AttributeError(f"parameter {self.get('name')!r} has no value")
        return _decode(self["value"], self.get("description"))

    @value.setter
    def value(self, new: Any) -> None:
        self["value"] = encode_value(new)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "value":
            object.__setattr__(self, name, value)
        else:
            self[name] = value


class BigArgoParameter:
    """A big parameter of a node: ``value`` reads its artifact (inline, or from storage)."""

    def __init__(self, artifact: Any) -> None:
        self.artifact = artifact
        self.name = str(artifact.get("name", ""))[len(BIG_PREFIX) :]

    @property
    def value(self) -> Any:
        raw = self.artifact.get("raw")
        text = raw.get("data") if isinstance(raw, dict) else None
        if text is None:
            text = _read_stored(self.artifact, self.name)
        return _decode(text, '{"type": "object"}')

    @value.setter
    def value(self, new: Any) -> None:
        """Store ``new`` as a new artifact and point this parameter at it (to reuse the step)."""
        self.artifact["s3"] = {"key": _store_big_value(self.name, encode_value(new))}
        for other in ("raw", "oss", "http", "artifactory", "hdfs", "gcs", "azure", "git"):
            self.artifact.pop(other, None)
        self.artifact.pop("archive", None)

    def __repr__(self) -> str:
        return f"BigArgoParameter({self.name!r})"


def _store_big_value(name: str, text: str) -> str:
    """Save ``text`` as a big parameter's artifact (the file ``name``, archived as a step saves
    it) in the configured storage; return its key."""
    import os
    import tempfile
    import uuid

    from .storage.api import get_client
    from .storage.artifacts import save_artifact

    client = get_client()
    key = client.new_key(f"upload/{uuid.uuid4()}/{BIG_PREFIX}{name}.tgz")
    with tempfile.TemporaryDirectory(prefix="dflow-bigpar-") as tmp:
        path = os.path.join(tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        save_artifact(client, path, key, "tar")
    return key


def _read_stored(artifact: Any, name: str) -> str:
    """The text of the one file a big parameter's stored artifact holds."""
    import tempfile

    from .storage import download_artifact

    with tempfile.TemporaryDirectory(prefix="dflow-bigpar-") as tmp:
        paths = [p for p in download_artifact(artifact, path=tmp) if p is not None]
        if len(paths) != 1:
            raise DflowError(f"big parameter {name!r}: expected one file, got {len(paths)}")
        with open(paths[0], encoding="utf-8") as f:
            return f.read()


class ArgoArtifact(ArgoObjectDict):
    """One artifact of a node (``.s3.key`` says where it is stored)."""


class _Named(Mapping[str, Any]):
    """Argo's list of named items (parameters, artifacts) read as a dict by name.

    ``extra`` adds entries that are not in the list (big parameters, seen as parameters).
    """

    def __init__(
        self, items: List[Any], cls: type, what: str, extra: Optional[Dict[str, Any]] = None
    ) -> None:
        self._items = items
        self._cls = cls
        self._what = what
        self._extra = extra or {}

    def _index(self, name: str) -> int:
        for i, item in enumerate(self._items):
            if item.get("name") == name:
                return i
        return -1

    def __getitem__(self, name: str) -> Any:
        i = self._index(name)
        if i < 0:
            if name in self._extra:
                return self._extra[name]
            raise KeyError(f"no {self._what} {name!r}; there are {list(self)}")
        item = self._items[i]
        if not isinstance(item, self._cls):
            item = self._items[i] = self._cls(item)
        return item

    def __iter__(self) -> Iterator[str]:
        names = [item.get("name") for item in self._items]
        return iter(names + [n for n in self._extra if n not in names])

    def __len__(self) -> int:
        return len(list(iter(self)))

    def __repr__(self) -> str:
        return f"{{{', '.join(f'{k!r}: {self[k]!r}' for k in self)}}}"


class ArgoIO(ArgoObjectDict):
    """Inputs or outputs of a node: ``parameters`` and ``artifacts`` keyed by name."""

    @property
    def parameters(self) -> _Named:
        items = self.setdefault("parameters", [])
        big = {
            a["name"][len(BIG_PREFIX) :]: BigArgoParameter(a)
            for a in self.get("artifacts") or ()
            if str(a.get("name", "")).startswith(BIG_PREFIX)
        }
        return _Named(items, ArgoParameter, "parameter", big)

    @property
    def artifacts(self) -> _Named:
        items = self.setdefault("artifacts", [])
        return _Named(items, ArgoArtifact, "artifact")


class ArgoStep(ArgoObjectDict):
    """One node of a workflow's status: ``phase``, ``id``, ``type``, ``key``, inputs and outputs."""

    def __init__(self, step: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> None:
        super().__init__(step, **kwargs)

    _children = {"inputs": ArgoIO, "outputs": ArgoIO}

    @property
    def key(self) -> Optional[str]:
        """The step's key (the ``dflow_key`` input parameter), or None."""
        return node_key(self)

    def logs(
        self, follow: bool = False, tail: Optional[int] = None, grep: Optional[str] = None
    ) -> Iterator[str]:
        """The log lines of this step's pod (of every pod under it, labelled), from its engine."""
        from .step_logs import workflow_logs
        from .workflow import Workflow

        wf_id = self.__dict__.get("_workflow_id")
        if not wf_id:
            raise DflowError("this step was not read from a workflow: its logs cannot be found")
        engine = Workflow(id=wf_id)._get_engine()
        return workflow_logs(engine, wf_id, str(self.get("id")), follow, tail, grep)

    def get_duration(self) -> Any:
        """How long the step ran (a ``timedelta``; until now while it runs)."""
        from .pod_names import get_duration

        return get_duration(self)

    def modify_output_parameter(self, name: str, value: Any) -> None:
        """Replace an output parameter's value, e.g. before reusing this step."""
        params = self._outputs_of("parameters", name)
        params[name].value = value

    def modify_output_artifact(self, name: str, s3: S3Artifact) -> None:
        """Point an output artifact at another stored artifact, e.g. before reusing this step."""
        if not isinstance(s3, S3Artifact):
            raise DflowError(
                f"step {self.get('displayName')!r}: output artifact {name!r} must be replaced by "
                f"an S3Artifact, got {type(s3).__name__}"
            )
        art = self._outputs_of("artifacts", name)[name]
        if "modified" not in art:  # the key it had first, which a reusing workflow copies over
            s3_old = art.get("s3")
            old_key = s3_old.get("key") if isinstance(s3_old, dict) else None
            art["modified"] = {"old_key": old_key}
        art.setdefault("s3", {})["key"] = s3.key
        for other in ("oss", "http", "artifactory", "hdfs", "raw", "gcs", "azure", "git"):
            art.pop(other, None)

    # -- the step's pod, on Argo (through the Kubernetes API) ----------------------------------

    pod: Any = None  # the pod last read by ``get_pod`` (a ``kubernetes.client.V1Pod``)

    def _argo_engine(self, operation: str) -> Tuple[Any, str]:
        """The engine of this step's workflow and the workflow id, for pod ``operation``."""
        from .config import config
        from .workflow import Workflow

        wf_id = self.__dict__.get("_workflow_id")
        if not wf_id:
            raise DflowError(
                f"ArgoStep.{operation}(): step {self.get('displayName')!r} was not read from a "
                "workflow (query it with Workflow.query_step)"
            )
        engine = Workflow(id=wf_id)._get_engine()
        if not hasattr(engine, "get_pod"):
            raise DflowError(
                f"ArgoStep.{operation}() needs Argo on Kubernetes: in mode {config['mode']!r} "
                f"step {self.get('displayName')!r} ran as a process on this machine, not as a pod"
            )
        return engine, str(wf_id)

    def get_pod(self) -> Any:
        """Read this step's pod from Kubernetes (a ``kubernetes.client.V1Pod``, kept in ``pod``)."""
        engine, wf_id = self._argo_engine("get_pod")
        object.__setattr__(self, "pod", engine.get_pod(wf_id, self))
        return self.pod

    def delete_pod(self) -> None:
        """Delete this step's pod and wait until Kubernetes no longer has it."""
        engine, wf_id = self._argo_engine("delete_pod")
        engine.delete_pod(wf_id, self)

    def get_script(self) -> str:
        """The script this step's pod runs (its template's ``script.source``)."""
        template = json.loads(self._template_env("get_script")[0].value)
        script = template.get("script") or {}
        if "source" not in script:
            raise DflowError(
                f"step {self.get('displayName')!r}: its template {template.get('name')!r} runs "
                "no script"
            )
        return str(script["source"])

    def set_script(self, script: str) -> None:
        """Change the script of the pod read by ``get_pod``; ``replay()`` runs the pod with it."""
        envs = self._template_env("set_script")
        template = json.loads(envs[0].value)
        if not isinstance(template.get("script"), dict):
            raise DflowError(
                f"step {self.get('displayName')!r}: its template {template.get('name')!r} runs "
                "no script to replace"
            )
        template["script"]["source"] = script
        text = json.dumps(template)
        for env in envs:
            env.value = text

    def _template_env(self, operation: str) -> List[Any]:
        """The ``ARGO_TEMPLATE`` variables of the pod's containers (read first if need be),
        the main container's first."""
        if self.pod is None:
            self._argo_engine(operation)
            self.get_pod()
        spec = self.pod.spec
        containers = sorted(spec.containers or [], key=lambda c: c.name != "main")
        found = [
            env
            for container in containers + list(spec.init_containers or [])
            for env in container.env or ()
            if env.name == "ARGO_TEMPLATE"
        ]
        if not found:
            raise DflowError(
                f"step {self.get('displayName')!r}: its pod has no ARGO_TEMPLATE variable"
            )
        return found

    def replay(self) -> None:
        """Run this step's pod again: delete it and create it anew (with ``set_script``'s
        script, if set), on whatever node Kubernetes schedules it."""
        engine, wf_id = self._argo_engine("replay")
        if self.pod is None:
            self.get_pod()
        self.pod.metadata.resource_version = None
        self.pod.spec.node_name = None
        engine.delete_pod(wf_id, self)
        engine.create_pod(self.pod)

    def retry(self) -> None:
        """Run this step again in its workflow (``Workflow.retry_steps``)."""
        from .workflow import Workflow

        self._argo_engine("retry")
        Workflow(id=self.__dict__["_workflow_id"]).retry_steps([str(self.get("id"))])

    def _outputs_of(self, kind: str, name: str) -> _Named:
        self.setdefault("outputs", {})
        named: _Named = getattr(self.outputs, kind)
        if name not in named:
            raise DflowError(
                f"step {self.get('displayName')!r} has no output {kind[:-1]} {name!r}; "
                f"it has {list(named)}"
            )
        return named


def node_key(node: Mapping[str, Any]) -> Optional[str]:
    """The ``dflow_key`` input parameter of a node, read without building views."""
    for p in (node.get("inputs") or {}).get("parameters") or ():
        if p.get("name") == KEY_PARAMETER:
            value = p.get("value")
            return value if value else None
    return None


_PATTERN = re.compile(r"[\\^$.*+?{}\[\]|]")


def _name_matches(shown: str, names: Set[str]) -> bool:
    """A display name is ``name`` itself or one of its fan-out items ``name(i:item)``; a name
    written as a regular expression (``"^a$"``, ``"fail.*"``) must match the whole name."""
    for name in names:
        if shown == name or shown.startswith(name + "("):
            return True
        if _PATTERN.search(name) and re.fullmatch(name, shown):
            return True
    return False


def _as_set(value: Filter) -> Optional[set]:
    if value is None:
        return None
    return {value} if isinstance(value, str) else set(value)


class _Nodes(ArgoObjectDict):
    """``status.nodes``: node id -> ``ArgoStep``."""

    _items = ArgoStep


class _Status(ArgoObjectDict):
    _children = {"nodes": _Nodes, "outputs": ArgoIO}


class ArgoWorkflow(ArgoObjectDict):
    """A workflow as the engine reports it; ``get_step`` finds its nodes by name, key, phase..."""

    _children = {"status": _Status}

    @property
    def id(self) -> Optional[str]:
        return (self.get("metadata") or {}).get("name")

    @property
    def phase(self) -> Optional[str]:
        return (self.get("status") or {}).get("phase")

    def get_sub_nodes(self, node_id: str) -> List[Any]:
        """The nodes a Steps or DAG node ran, generation by generation (breadth first, not
        below its outbound nodes); for another node (or a memoized one), the node itself."""
        nodes = self._nodes()
        if node_id not in nodes:
            raise KeyError(f"workflow {self.id!r} has no node {node_id!r}")
        node = nodes[node_id]
        memoized = (node.get("memoizationStatus") or {}).get("hit")
        if node.get("type") not in ("Steps", "DAG") or memoized:
            return [self._step(node_id)]
        outbound = set(node.get("outboundNodes") or ())
        found: List[Any] = []
        seen: Set[str] = set()
        generation = [c for c in node.get("children") or () if c in nodes]
        while generation:
            following: List[str] = []
            for child in generation:
                if child in seen:
                    continue
                seen.add(child)
                found.append(self._step(child))
                if child not in outbound:
                    following += [c for c in nodes[child].get("children") or () if c in nodes]
            generation = following
        return found

    def get_hierarchy(self, node_id: str, hierarchy: Tuple[int, ...] = (0,)) -> Dict[str, Any]:
        """Node id -> its place under ``node_id``: ``hierarchy`` extended by the step group of
        each step of a Steps node (0 for tasks of a DAG and for retries and fan-out items),
        for ``node_id`` and every node below it (step group nodes left out)."""
        nodes = self._nodes()
        if node_id not in nodes:
            raise DflowError(f"workflow {self.id!r} has no node with id {node_id!r}")
        inner: Dict[str, List[Tuple[int, str]]] = {}  # node id -> (position, node id) below it
        for child_id, child in nodes.items():
            boundary = child.get("boundaryID")
            if child.get("type") == "StepGroup" and boundary in nodes:
                group = _group_index(child)
                inner.setdefault(boundary, []).extend(
                    (group, c) for c in child.get("children") or () if c in nodes
                )
            elif child.get("type") in ("Retry", "TaskGroup"):
                inner.setdefault(child_id, []).extend(
                    (0, c) for c in child.get("children") or () if c in nodes
                )
        wrapped = {c for below in inner.values() for _, c in below}
        for child_id, child in nodes.items():
            boundary = child.get("boundaryID")
            if (
                boundary in nodes
                and nodes[boundary].get("type") == "DAG"
                and child.get("type") != "StepGroup"
                and child_id not in wrapped
            ):
                inner.setdefault(boundary, []).append((0, child_id))
        found: Dict[str, Any] = {}
        pending = [(node_id, tuple(hierarchy))]
        while pending:
            current, place = pending.pop()
            if current in found:
                continue
            found[current] = place
            below = inner.get(current, ())
            pending.extend((c, (*place, position)) for position, c in reversed(below))
        return found

    def get_duration(self) -> Any:
        """How long the workflow ran (a ``timedelta``; until now while it runs)."""
        from .pod_names import get_duration

        return get_duration(self.get("status") or {})

    def _nodes(self) -> Dict[str, Any]:
        return (self.get("status") or {}).get("nodes") or {}

    def _key_index(self) -> Dict[str, List[str]]:
        """Key -> node ids, built once; attempts under a Retry node are left to their parent."""
        index = self.__dict__.get("_index")
        if index is None:
            nodes = self._nodes()
            retried: Set[str] = set()
            for node in nodes.values():
                if node.get("type") == "Retry":
                    retried.update(node.get("children") or ())
            index = {}
            for node_id, node in nodes.items():
                key = node_key(node)
                if key is not None and node_id not in retried:
                    index.setdefault(key, []).append(node_id)
            self.__dict__["_index"] = index
        return index

    def get_step(
        self,
        name: Filter = None,
        key: Filter = None,
        phase: Filter = None,
        id: Filter = None,
        type: Filter = None,
        parent_id: Optional[str] = None,
        sort_by_generation: bool = False,
    ) -> List[ArgoStep]:
        """Nodes matching every filter, in start order; each filter is one value or a list.

        ``name`` matches a node's display name exactly, or its fan-out items (``"square"`` finds
        ``square(0:1)`` but not ``square2``); a regular expression must match the whole name.
        ``parent_id`` keeps the nodes under that node (the node itself when it is not a Steps or
        DAG), generation by generation; so does ``sort_by_generation`` from the workflow's root.
        Nodes whose ``startedAt`` is null (not started yet) are left out.
        """
        nodes = self._nodes()
        keys, phases, ids, types = _as_set(key), _as_set(phase), _as_set(id), _as_set(type)
        names = _as_set(name)
        if parent_id is not None or sort_by_generation:
            start = parent_id if parent_id is not None else self.id
            if start not in nodes:
                raise DflowError(f"workflow {self.id!r} has no step with id {start!r}")
            candidates: Iterable[str] = self._generations(start)
        elif keys is not None:
            index = self._key_index()
            candidates = [i for k in keys for i in index.get(k, ())]
        elif ids is not None:
            candidates = [i for i in ids if i in nodes]
        else:
            candidates = nodes.keys()
        found = []
        for node_id in candidates:
            node = nodes[node_id]
            if "startedAt" in node and node["startedAt"] is None:
                continue
            if ids is not None and node_id not in ids:
                continue
            if keys is not None and node_key(node) not in keys:
                continue
            if phases is not None and node.get("phase") not in phases:
                continue
            if types is not None and node.get("type") not in types:
                continue
            if names is not None and not _name_matches(node.get("displayName") or "", names):
                continue
            found.append(node_id)
        if parent_id is None and not sort_by_generation:
            found.sort(key=lambda i: nodes[i].get("startedAt") or "")
        return [self._step(i) for i in found]

    def _generations(self, node_id: str) -> List[str]:
        """The nodes under ``node_id``, generation by generation, not past its outbound nodes."""
        nodes = self._nodes()
        node = nodes[node_id]
        hit = (node.get("memoizationStatus") or {}).get("hit")
        if node.get("type") not in ("Steps", "DAG") or hit:
            return [node_id]
        outbound = set(node.get("outboundNodes") or ())
        seen: Set[str] = set()
        order: List[str] = []
        generation = [c for c in node.get("children") or () if c in nodes]
        while generation:
            fresh = [c for c in dict.fromkeys(generation) if c not in seen]
            seen.update(fresh)
            order.extend(fresh)
            generation = [
                child
                for c in fresh
                if c not in outbound
                for child in nodes[c].get("children") or ()
                if child in nodes
            ]
        return order

    def _step(self, node_id: str) -> ArgoStep:
        nodes = self._nodes()
        node = nodes[node_id]
        if not isinstance(node, ArgoStep):
            node = nodes[node_id] = ArgoStep(node)
            object.__setattr__(node, "_workflow_id", (self.get("metadata") or {}).get("name"))
        return node

    def get_keys_of_steps(self) -> List[str]:
        """The keys of all keyed steps, in start order."""
        index = self._key_index()
        nodes = self._nodes()
        firsts = sorted(index, key=lambda k: min(nodes[i].get("startedAt") or "" for i in index[k]))
        return firsts

    def get_global_outputs(self) -> Optional[ArgoIO]:
        """The workflow's global outputs (parameters and artifacts by name), or None."""
        status = self.get("status") or {}
        outputs = status.get("outputs")
        if outputs is None:
            return None
        if not isinstance(outputs, ArgoIO):
            outputs = status["outputs"] = ArgoIO(outputs)
            types = self._global_types()
            for p in outputs.get("parameters") or ():
                if "description" not in p and p.get("name") in types:
                    p["description"] = types[p["name"]]
        return outputs

    def _global_types(self) -> Dict[str, str]:
        """Global name -> the description recording its type, from the templates that publish it."""
        spec = self.get("spec") or {}
        found: Dict[str, str] = {}
        for tmpl in spec.get("templates") or ():
            for p in (tmpl.get("outputs") or {}).get("parameters") or ():
                if p.get("globalName") and described_type(p.get("description")) is not None:
                    found.setdefault(p["globalName"], p["description"])
        return found


def _group_index(node: Mapping[str, Any]) -> int:
    """The index of a step group node, from its name ``<steps>[i]``."""
    shown = str(node.get("displayName") or node.get("name") or "")
    match = re.search(r"\[(\d+)\]$", shown)
    return int(match.group(1)) if match else 0


# dflow 1.x names of this module, defined in ``dflow.pod_names`` and imported on first use
def __getattr__(name: str) -> Any:
    if name in ("fnva", "get_hash", "get_pod_name", "get_duration", "match"):
        from . import pod_names

        return getattr(pod_names, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
