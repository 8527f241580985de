"""Volumes of a pod on this machine: claims and host paths become directories of the engine.

A pod cannot mount anything here, so a mounted volume is copied in before the step runs and its
content copied back when the step ends (files the step deleted stay in the volume). A claim of
``spec.volumeClaimTemplates`` lives as long as its workflow, under the workflow's directory; a
``persistentVolumeClaim`` names a claim kept under the engine root across workflows; ``emptyDir``
is a fresh directory. Any other kind of volume is an error naming the template and the volume.

Being copies, volumes cannot pass files between steps running at the same time: an input
artifact given as a PVC (``step.outputs.artifacts[k].pvc()``) where nothing has been saved yet
fails its step at once (the renderer marks such mounts), rather than leaving it waiting.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Tuple

from ...errors import DflowError

if TYPE_CHECKING:
    from .scheduler import Run

__all__ = ["mount_volumes", "unmount_volumes"]

#: the templates' input artifacts given as PVCs, as the renderer marks them (``dflow.render``)
PVC_INPUTS_ANNOTATION = "dflow/pvc-inputs"

Mounted = List[Tuple[Path, Path]]  # (volume directory, its copy at the mount path)


def _sources(run: Run, tmpl: Dict[str, Any]) -> Dict[str, Any]:
    spec = run.state.data["spec"]
    found: Dict[str, Any] = {}
    for claim in spec.get("volumeClaimTemplates") or ():
        name = claim["metadata"]["name"]
        found[name] = run.layout.workflow(run.state.name) / "volumes" / name
    for volume in list(spec.get("volumes") or ()) + list(tmpl.get("volumes") or ()):
        found[volume["name"]] = volume
    return found


def _directory(run: Run, source: Any, name: str, step_dir: Path, who: str) -> Path:
    if isinstance(source, Path):
        return source
    if "persistentVolumeClaim" in source:
        claim = source["persistentVolumeClaim"]["claimName"]
        return run.layout.root / "volumes" / claim
    if "emptyDir" in source:
        return step_dir / "volumes" / name
    if "hostPath" in source:
        return Path(source["hostPath"]["path"])
    kinds = sorted(k for k in source if k != "name")
    raise DflowError(
        f"{who}: volume {name!r} ({', '.join(kinds)}) cannot be mounted on this machine"
    )


def mount_volumes(run: Run, body: Dict[str, Any], step_dir: Path, who: str) -> Mounted:
    """Copy every mounted volume (or its ``subPath``) to its mount path in the step's /tmp."""
    box = body.get("script") or body.get("container") or {}
    mounts = box.get("volumeMounts") or ()
    if not mounts:
        return []
    sources = _sources(run, body)
    inputs = _pvc_inputs(body, who)
    mounted: Mounted = []
    for mount in mounts:
        name = mount["name"]
        if name not in sources:
            raise DflowError(f"{who}: volume mount {name!r} names no volume of the workflow")
        directory = _directory(run, sources[name], name, step_dir, who)
        directory = directory / mount["subPath"] if mount.get("subPath") else directory
        if mount["mountPath"] in inputs and not directory.exists():
            raise DflowError(
                f"{who}: input artifact {inputs[mount['mountPath']]!r} is PVC {name!r} "
                f"sub-path {mount.get('subPath', '')!r}, where nothing has been saved: the "
                "local engine copies a PVC into a step when the step starts, so a step cannot "
                "wait there for what a step running at the same time saves"
            )
        directory.mkdir(parents=True, exist_ok=True)
        target = run.sandbox.host_path(step_dir, mount["mountPath"], who)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(directory, target, symlinks=True, dirs_exist_ok=True)
        mounted.append((directory, target))
    return mounted


def _pvc_inputs(body: Dict[str, Any], who: str) -> Dict[str, str]:
    """The mount paths of the template's input artifacts given as PVCs, to their names."""
    text = ((body.get("metadata") or {}).get("annotations") or {}).get(PVC_INPUTS_ANNOTATION)
    if not text:
        return {}
    try:
        paths = json.loads(text)
        return {str(path): str(name) for name, path in paths.items()}
    except (ValueError, AttributeError):
        raise DflowError(
            f"{who}: annotation {PVC_INPUTS_ANNOTATION!r} is not a JSON object"
        ) from None


def unmount_volumes(mounted: Mounted) -> None:
    """Copy what the step left at each mount path back into its volume."""
    for directory, target in mounted:
        if target.is_dir():
            shutil.copytree(target, directory, symlinks=True, dirs_exist_ok=True)
