"""What submitting does besides rendering: store executors' secrets and ship local Python packages.

Both touch the outside world (a cluster, an artifact store), so they run at submission, never while
building or rendering a workflow. The store and the secret backend are imported on first use.
"""

from __future__ import annotations

import os
import uuid
from typing import Any, Dict, List, Optional, Tuple

from .errors import InvalidWorkflowError
from .graph import steps_of
from .io import S3Artifact
from .python.template import PACKAGES_ARTIFACT

__all__ = [
    "store_secrets",
    "ship_packages",
    "PackagesContext",
    "upload_python_packages",
    "upload_local_artifacts",
]


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


def upload_local_artifacts(entry: Any) -> None:
    """Upload each ``LocalArtifact`` the steps take as input (once per object), so that the
    manifest names it by its store key."""
    from .artifact_sources import LocalArtifact

    pending = [
        source
        for step in steps_of(entry)
        for source in step.artifacts.values()
        if isinstance(source, LocalArtifact) and source.uploaded is None
    ]
    if not pending:
        return
    from .storage import get_client
    from .storage.artifacts import save_artifact

    client = get_client()
    for source in pending:
        if source.uploaded is None:
            if not os.path.exists(source.local_path):
                raise InvalidWorkflowError(f"{source!r}: no such file or directory")
            # one entry under its own name, which Argo places as the input path itself
            name = os.path.basename(source.local_path)
            key = client.new_key(f"upload/{uuid.uuid4()}/{name}.tgz")
            save_artifact(client, source.local_path, key)
            source.uploaded = S3Artifact(key)


def _package_lists(entry: Any, extra: Tuple[str, ...]) -> List[Tuple[str, ...]]:
    """The distinct lists of local packages that Python OP templates ship (``extra`` added)."""
    lists: Dict[Tuple[str, ...], None] = {}
    for step in steps_of(entry):
        paths = _packages_of(step.template, extra)
        if paths:
            lists[paths] = None
    return list(lists)


def _packages_of(template: Any, extra: Tuple[str, ...]) -> Tuple[str, ...]:
    artifact = template.inputs.artifacts.get(PACKAGES_ARTIFACT)
    if artifact is None or artifact.source is not None:
        return ()  # not a Python OP, or its packages were given as an upload already
    own = tuple(getattr(template, "python_packages", None) or ())
    if not getattr(template, "upload_dflow", True):
        extra = ()  # the image brings its own dflow
    return own + tuple(p for p in extra if p not in own)


def runtime_package() -> str:
    """The directory of the ``dflow`` package, shipped so that any Python image runs OPs."""
    return os.path.dirname(os.path.abspath(__file__))


def ship_packages(
    entry: Any, context: Any = None, ship_dflow: bool = False
) -> Optional[PackagesContext]:
    """Upload each distinct list of local packages once, flat (each under its own name), so that
    the artifact's root goes on ``sys.path``; returns a context that points templates at them.

    With ``ship_dflow`` the ``dflow`` package itself goes along, for images without it.
    """
    extra = (runtime_package(),) if ship_dflow else ()
    lists = _package_lists(entry, extra)
    if not lists:
        return None
    from .storage import get_client

    client = get_client()
    uploaded = {paths: upload_python_packages(paths, client) for paths in lists}
    return PackagesContext(uploaded, extra, context)


def upload_python_packages(python_packages: Any, client: Any = None) -> S3Artifact:
    """Upload local packages (directories or modules) as one artifact, flat, each under its own
    name; ``PythonOPTemplate(python_packages=<the answer>)`` puts them on the OP's path."""
    from .storage import get_client
    from .storage.transfer import upload_tar_gz

    if isinstance(python_packages, (str, os.PathLike)):
        python_packages = [python_packages]
    paths = [os.fspath(p) for p in python_packages]
    entries = []
    for path in paths:
        if not os.path.exists(path):
            raise InvalidWorkflowError(f"python package {path!r} does not exist")
        # under one top directory: Argo unpacks a one-entry archive AS the input path
        name = os.path.basename(os.path.normpath(path))
        entries.append((os.path.abspath(path), f"{PACKAGES_ARTIFACT}/{name}"))
    names = [name for _, name in entries]
    if len(set(names)) != len(names):
        raise InvalidWorkflowError(f"python packages {paths} have clashing names")
    client = client or get_client()
    key = client.new_key(f"upload/{uuid.uuid4()}/{PACKAGES_ARTIFACT}.tgz")
    upload_tar_gz(client, entries, key, 6)
    return S3Artifact(key)


class PackagesContext:
    """A workflow context that gives each Python OP template its uploaded packages, after the
    workflow's own context (if any) had its say."""

    def __init__(
        self,
        uploaded: Dict[Tuple[str, ...], S3Artifact],
        extra: Tuple[str, ...] = (),
        inner: Any = None,
    ) -> None:
        self.uploaded = uploaded
        self.extra = extra
        self.inner = inner

    def render(self, template: Any) -> Any:
        if self.inner is not None:
            template = self.inner.render(template)
        artifact = self.uploaded.get(_packages_of(template, self.extra))
        if artifact is None:
            return template
        shipped = template.replace()
        shipped.inputs.artifacts[PACKAGES_ARTIFACT].source = artifact
        return shipped
