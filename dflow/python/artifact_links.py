"""Where a running step's artifacts are stored, read from ``$ARGO_TEMPLATE``.

Argo gives every pod its template, with the input artifacts' store keys and the step's archive
location, as JSON in ``ARGO_TEMPLATE`` (the local engine does the same). An output artifact
without a key of its own is saved under the archive location, as ``<name>.tgz`` (``<name>`` when
``archive: none``).
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any, Dict

from ..errors import DflowError

__all__ = ["input_artifact_key", "output_artifact_key", "console_link", "TEMPLATE_ENV"]

TEMPLATE_ENV = "ARGO_TEMPLATE"


def _template() -> Dict[str, Any]:
    text = os.environ.get(TEMPLATE_ENV)
    if not text:
        raise DflowError(
            f"${TEMPLATE_ENV} is not set: artifact keys are known only inside a running step"
        )
    return json.loads(text)  # type: ignore[no-any-return]


def _artifact(template: Dict[str, Any], direction: str, name: str) -> Dict[str, Any]:
    for art in (template.get(direction) or {}).get("artifacts") or ():
        if art.get("name") == name:
            return art  # type: ignore[no-any-return]
    raise DflowError(f"template {template.get('name')!r} has no {direction[:-1]} artifact {name!r}")


def input_artifact_key(name: str) -> str:
    """The store key of input artifact ``name`` of the running step."""
    from ..storage.paths import get_key

    return str(get_key(_artifact(_template(), "inputs", name)))


def output_artifact_key(name: str) -> str:
    """The store key output artifact ``name`` of the running step is saved to."""
    from ..storage.paths import get_key

    template = _template()
    art = _artifact(template, "outputs", name)
    key = get_key(art, raise_error=False)
    if key is not None:
        return key
    base = get_key(template.get("archiveLocation") or {})
    if "none" in (art.get("archive") or {}):
        return f"{base}/{name}"
    return f"{base}/{name}.tgz"


def console_link(key: str) -> str:
    """The store's web console page of ``key`` (a directory page unless it is a ``.tgz``)."""
    from ..config import s3_config

    if not key.endswith(".tgz"):
        key += "/"
    encoded = base64.b64encode(key.encode()).decode()
    return f"{s3_config['console']}/buckets/{s3_config['bucket_name']}/browse/{encoded}"
