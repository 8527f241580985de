"""Validate manifests against Argo's own JSON schema (tests/data/argo/schema.json).

As SPEC section 5 asks: rooted at the Workflow definition, ``IntOrString`` relaxed to string or
integer, and unknown properties forbidden (upstream's schema allows any, which hides typos).
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any, Dict

SCHEMA_PATH = Path(__file__).parent / "data" / "argo" / "schema.json"
WORKFLOW = "io.argoproj.workflow.v1alpha1.Workflow"


def _strict(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _strict(v) for k, v in node.items()}
        if out.get("type") == "object" and "properties" in out:
            out.setdefault("additionalProperties", False)
        return out
    if isinstance(node, list):
        return [_strict(v) for v in node]
    return node


@functools.cache
def _validator(kind: str = WORKFLOW) -> Any:
    from jsonschema import Draft202012Validator

    definitions = copy.deepcopy(json.loads(SCHEMA_PATH.read_text())["definitions"])
    definitions["io.k8s.apimachinery.pkg.util.intstr.IntOrString"] = {"type": ["string", "integer"]}
    definitions = _strict(definitions)
    schema = {"$ref": f"#/definitions/{kind}", "definitions": definitions}
    return Draft202012Validator(schema)


def validate_manifest(manifest: Dict[str, Any], kind: str = WORKFLOW) -> None:
    """Raise AssertionError listing every schema violation of ``manifest``."""
    errors = sorted(_validator(kind).iter_errors(manifest), key=lambda e: list(e.path))
    if errors:
        lines = [f"- at {'/'.join(map(str, e.path)) or '<root>'}: {e.message}" for e in errors[:20]]
        raise AssertionError("manifest does not match Argo's schema:\n" + "\n".join(lines))
