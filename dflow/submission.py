"""What submitting does besides rendering: store executors' secrets and ship local Python packages.

Both touch the outside world (a cluster, an artifact store), so they run at submission, never while
building or rendering a workflow. The store and the secret backend are imported on first use.
"""

from __future__ import annotations

import os
import uuid
from typing import Any, Dict, Iterator, List, Optional, Tuple

from .dag import DAG
from .errors import InvalidWorkflowError
from .io import S3Artifact
from .step import Step
from .steps import Steps

__all__ = ["steps_of", "store_secrets", "ship_packages", "PackagesContext"]

PACKAGES_ARTIFACT = "dflow_python_packages"


def steps_of(entry: Any) -> Iterator[Step]:
    """Every step and task reachable from a Steps or DAG, each template visited once."""
    seen = set()
    pending = [entry]
    while pending:
        template = pending.pop()
        if id(template) in seen:
            continue
        seen.add(id(template))
        if isinstance(template, Steps):
            steps: List[Step] = [s for group in template.steps for s in group]
        elif isinstance(template, DAG):
            steps = list(template.tasks)
        else:
            continue
        for step in steps:
            yield step
            pending.append(step.template)


def store_secrets(entry: Any, namespace: Optional[str], mode: str) -> None:
    """Create the secrets that steps' executors hold values for (a cluster Secret, or locally)."""
    owners = {
        id(s.executor): s.executor for s in steps_of(entry) if getattr(s.executor, "secrets", None)
    }
    if not owners:
        return
    from .secrets import create_secrets

    for executor in owners.values():
        create_secrets(executor, namespace=namespace, mode=mode)


def _local_packages(entry: Any) -> Dict[Tuple[str, ...], List[Any]]:
    """Templates that ship local package paths, grouped by their list of paths."""
    groups: Dict[Tuple[str, ...], List[Any]] = {}
    for step in steps_of(entry):
        paths = tuple(getattr(step.template, "python_packages", None) or ())
        if paths and PACKAGES_ARTIFACT in step.template.inputs.artifacts:
            groups.setdefault(paths, []).append(step.template)
    return groups


def ship_packages(entry: Any, context: Any = None) -> Optional[PackagesContext]:
    """Upload each distinct list of local packages once, flat (each under its own name), so that
    the artifact's root goes on ``sys.path``; returns a context that points templates at them."""
    groups = _local_packages(entry)
    if not groups:
        return None
    from .storage import get_client
    from .storage.transfer import upload_tar_gz

    client = get_client()
    uploaded: Dict[Tuple[str, ...], S3Artifact] = {}
    for paths in groups:
        entries = []
        for path in paths:
            if not os.path.exists(path):
                raise InvalidWorkflowError(f"python package {path!r} does not exist")
            # under one top directory: Argo unpacks a one-entry archive AS the input path
            name = os.path.basename(os.path.normpath(path))
            entries.append((os.path.abspath(path), f"{PACKAGES_ARTIFACT}/{name}"))
        names = [name for _, name in entries]
        if len(set(names)) != len(names):
            raise InvalidWorkflowError(f"python packages {list(paths)} have clashing names")
        key = client.new_key(f"upload/{uuid.uuid4()}/{PACKAGES_ARTIFACT}.tgz")
        upload_tar_gz(client, entries, key, 6)
        uploaded[paths] = S3Artifact(key)
    return PackagesContext(uploaded, context)


class PackagesContext:
    """A workflow context that gives each Python OP template its uploaded packages, after the
    workflow's own context (if any) had its say."""

    def __init__(self, uploaded: Dict[Tuple[str, ...], S3Artifact], inner: Any = None) -> None:
        self.uploaded = uploaded
        self.inner = inner

    def render(self, template: Any) -> Any:
        if self.inner is not None:
            template = self.inner.render(template)
        paths = tuple(getattr(template, "python_packages", None) or ())
        artifact = self.uploaded.get(paths)
        if artifact is None or PACKAGES_ARTIFACT not in template.inputs.artifacts:
            return template
        shipped = template.replace()
        shipped.inputs.artifacts[PACKAGES_ARTIFACT].source = artifact
        return shipped
