"""Values marked as artifact paths: a ``str``, ``Path``, list, set or dict that names files.

dflow 1.x code tells an artifact value from a parameter value by these marker types
(``ArtifactStr("a.txt")`` is an ``str`` that is a path of an artifact); ``mark_artifact`` wraps a
plain value, ``is_artifact_value`` asks.
"""

from __future__ import annotations

from pathlib import PosixPath, WindowsPath
from typing import Any, Dict

__all__ = [
    "ArtifactStr",
    "ArtifactPosixPath",
    "ArtifactWindowsPath",
    "ArtifactList",
    "ArtifactSet",
    "ArtifactDict",
    "mark_artifact",
    "is_artifact_value",
]


class ArtifactStr(str):
    """A path (as ``str``) that is an artifact."""


class ArtifactPosixPath(PosixPath):
    """A POSIX ``Path`` that is an artifact."""


class ArtifactWindowsPath(WindowsPath):
    """A Windows ``Path`` that is an artifact."""


class ArtifactList(list):  # type: ignore[type-arg]
    """A list of paths that is one artifact."""


class ArtifactSet(set):  # type: ignore[type-arg]
    """A set of paths that is one artifact."""


class ArtifactDict(dict):  # type: ignore[type-arg]
    """A dict of paths that is one artifact."""


_MARKERS: Dict[type, type] = {
    str: ArtifactStr,
    PosixPath: ArtifactPosixPath,
    WindowsPath: ArtifactWindowsPath,
    list: ArtifactList,
    set: ArtifactSet,
    dict: ArtifactDict,
}


def mark_artifact(value: Any) -> Any:
    """``value`` as its artifact marker type (a value of another type is returned as it is)."""
    marker: Any = _MARKERS.get(type(value))
    return value if marker is None else marker(value)


def is_artifact_value(value: Any) -> bool:
    """Whether ``value`` is marked as an artifact."""
    return isinstance(value, tuple(_MARKERS.values()))
