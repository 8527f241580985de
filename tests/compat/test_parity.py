"""Import compatibility with the reference release: every public name, member and keyword.

``reference_api.json`` lists the public names of pydflow 1.8.134 per module, with the parameters
of every callable and the public members of every class (written by
``scripts/enumerate_reference_api.py`` from an installed original). Each entry is one test:

- ``dflow.utils:randstr`` - the name imports from that module;
- ``dflow.utils:randstr(length)`` - the callable accepts that keyword;
- ``dflow:Workflow.query`` / ``dflow:Workflow.query(fields)`` - a class member and its keywords.

``KEPT`` lists the differences we keep on purpose, with the reason; ``PENDING`` the ones not built
yet (expected failures). An entry of ``PENDING`` that works does not fail the test, so landing a
name never breaks it; running this file prints the counts and the entries to take out.
"""

from __future__ import annotations

import importlib
import inspect
import json
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

REFERENCE = json.loads((Path(__file__).with_name("reference_api.json")).read_text())

_ENGINE = (
    "the reference's debug-mode engine, run object by object; ours runs the rendered manifest "
    "(dflow.engines.local), so these steps of its interpreter have no counterpart"
)
_RUNTIME = (
    "the reference's in-container runtime helpers; ours is the module dflow.python.runtime, "
    "run by the step's bootstrap"
)
_MODELS = (
    "the reference's conversion into argo-workflows model objects; ours renders the whole "
    "manifest in one pure function (Workflow.to_dict) and reads it back with Workflow.from_dict"
)
_CLIENT_FIELDS = (
    "dflow.client's models are the argo-workflows package's: they take their fields as keywords "
    "through **kwargs and hold them per object, which this check cannot see "
    "(test_facade_names.py builds some)"
)
# members kept on purpose, whatever class they are on
KEPT_MEMBERS: Dict[str, str] = {
    **dict.fromkeys(
        [
            "add_children",
            "exec",
            "exec_pod",
            "exec_steps",
            "exec_with_config",
            "get_children",
            "get_sub_nodes_debug",
            "handle_outputs",
            "handle_sub_path_slices_of_artifact_list",
            "load_output_artifacts",
            "load_output_parameters",
            "prepare_argo_arguments",
            "record_input_artifacts",
            "record_input_parameters",
            "record_output_artifacts",
            "record_output_parameters",
            "register_output_artifact",
            "render_by_executor",
            "resolve",
            "run",
            "run_with_config",
            "set_output",
        ],
        _ENGINE,
    ),
    **dict.fromkeys(
        [
            "convert_to_argo",
            "convert_to_argo_artifact",
            "convert_to_argo_parameter",
            "deduplicate_templates",
            "expr_as_artifact",
            "expr_as_parameter",
            "get_path_list_parameter",
            "get_urn_parameter",
            "handle_big_parameters",
            "handle_io",
            "handle_key",
            "handle_path_list",
            "handle_reused_artifact",
            "handle_reused_artifact_with_copy",
            "handle_reused_step",
            "handle_template",
            "handle_urn",
            "recover",
            "render_script",
            "render_slices",
            "repr_as_artifact",
            "repr_as_parameter",
            "set_step",
            "set_template",
        ],
        _MODELS,
    ),
}

# Differences kept on purpose: key (module:name[.member][(keyword)] or a prefix ending in ":")
# -> reason.
_OWNER = (
    "the reference's own wiring: it sets the step or template a reference belongs to; here "
    "Step.inputs/outputs and a template's inputs/outputs give references their owner"
)
_RENDERED = (
    "marks a script the reference has rendered already; scripts here are never rewritten, so "
    "every script is final as given"
)
_SSH_SCRIPT = (
    "the reference's SSH executor builds its script from these steps in Python; ours renders "
    "one shell script (dflow.executors.base) with the same effect"
)
KEPT: Dict[str, str] = {
    **dict.fromkeys(
        [
            f"dflow.python.utils:{name}"
            for name in (
                "copy_results",
                "copy_results_and_return_path_item",
                "get_input_slices",
                "handle_input_artifact",
                "handle_input_parameter",
                "handle_lineage",
                "handle_output_artifact",
                "handle_output_parameter",
                "try_to_execute",
            )
        ],
        _RUNTIME,
    ),
    "dflow.python.opio:t": (
        "a loop variable the reference leaves at module level (it ends as NestedDictPath)"
    ),
    "dflow.python.python_op_template:PicklableFunctionOP": (
        "the reference pickles @OP.function OPs into the script through this holder; ours ships "
        "the function's module path or its source (dflow.python.source)"
    ),
    **dict.fromkeys(
        ["dflow.executor:run_script", "dflow.executor:render_script_with_tmp_root"],
        "the reference's script builders of its executors; ours is "
        "dflow.executors.container.container_run",
    ),
    **{
        f"{module}:ArgoStep(workflow)": (
            "the reference hands each step view its workflow for debug-mode lookups; a step "
            "view here holds all it answers"
        )
        for module in ("dflow", "dflow.argo_objects")
    },
    **{
        f"{module}:{cls}.{member}": _SSH_SCRIPT
        for module, cls in (
            ("dflow", "RemoteExecutor"),
            ("dflow.executor", "RemoteExecutor"),
            ("dflow", "SlurmRemoteExecutor"),
            ("dflow.slurm", "SlurmRemoteExecutor"),
        )
        for member in (
            "download",
            "execute",
            "get_script",
            "mkdir_and_download",
            "run",
            "upload",
            "upload_if_exists",
        )
    },
    **{
        f"{module}:{cls}({kw})": _OWNER
        for module in ("dflow", "dflow.io")
        for cls in (
            "InputArtifact",
            "InputParameter",
            "Inputs",
            "OutputArtifact",
            "OutputParameter",
            "Outputs",
        )
        for kw in ("step", "template")
    },
    **{
        f"{module}:{cls}(script_rendered)": _RENDERED
        for module, cls in (
            ("dflow", "ShellOPTemplate"),
            ("dflow", "PythonScriptOPTemplate"),
            ("dflow.op_template", "ShellOPTemplate"),
            ("dflow.op_template", "PythonScriptOPTemplate"),
            ("dflow.op_template", "ScriptOPTemplate"),
        )
    },
    **{
        f"dflow.step:{name}": _ENGINE
        for name in [
            "add_slices",
            "backup",
            "download_artifact_debug",
            "download_with_lock",
            "eval_expr",
            "expression",
            "get_var",
            "render_expr",
            "render_item",
            "render_script",
            "replace_argo_func",
            "untar",
        ]
    },
}

# Not built yet (expected failures): key -> note.
PENDING: Dict[str, str] = dict.fromkeys(
    [],
    "not built yet",
)


def _keywords(params: Optional[List[str]]) -> List[str]:
    """The names a caller may pass as keywords (not ``*args``, ``**kw`` or positional-only)."""
    return [
        p.rstrip("=")
        for p in params or []
        if p != "*" and not p.startswith("*") and not p.endswith("/")
    ]


def _items(
    module: str, name: str, desc: Dict[str, Any]
) -> Iterator[Tuple[str, Optional[str], Optional[str]]]:
    """Every check one reference name makes: (key, member, keyword)."""
    yield f"{module}:{name}", None, None
    for kw in _keywords(desc.get("params")):
        yield f"{module}:{name}({kw})", None, kw
    for member, mdesc in desc.get("members", {}).items():
        yield f"{module}:{name}.{member}", member, None
        for kw in _keywords(mdesc.get("params")):
            yield f"{module}:{name}.{member}({kw})", member, kw


NAMES = [
    (module, name, desc)
    for module, names in REFERENCE["modules"].items()
    for name, desc in names.items()
]


def _reason(key: str, table: Dict[str, str]) -> Optional[str]:
    """The entry of ``table`` for ``key``: the key itself, its name or member, or its module."""
    module_name, _, rest = key.partition(":")
    candidates = [key, key.split("(")[0]]
    if "." in rest.split("(")[0]:
        candidates.append(f"{module_name}:{rest.split('.')[0]}")
    candidates.append(f"{module_name}:")
    for candidate in candidates:
        if candidate in table:
            return table[candidate]
    if table is KEPT and module_name.startswith("dflow.client") and rest != rest.split("(")[0]:
        return _CLIENT_FIELDS
    if table is KEPT and module_name.startswith("dflow.client") and "." in rest:
        return _CLIENT_FIELDS
    if table is KEPT and "." in rest.split("(")[0]:
        return KEPT_MEMBERS.get(rest.split("(")[0].split(".", 1)[1])
    return None


def _accepts(obj: Any, keyword: str) -> bool:
    """Whether ``obj(...)`` takes ``keyword``; a class's ``**kwargs`` counts if a base takes it."""
    targets = [obj]
    if inspect.isclass(obj):
        targets = [base.__init__ for base in obj.__mro__ if base is not object]
    for target in targets:
        try:
            params = inspect.signature(target).parameters
        except (TypeError, ValueError):
            return False
        param = params.get(keyword)
        if param is not None and param.kind in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY):
            return True
        if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
            return False
    return False


def works(module: str, name: str, member: Optional[str], keyword: Optional[str]) -> bool:
    """Whether ``from module import name`` (then ``.member``, then ``keyword=``) works here."""
    try:
        obj = getattr(importlib.import_module(module), name)
        if member is not None:
            obj = getattr(obj, member)
    except (ImportError, AttributeError):
        return False
    return keyword is None or _accepts(obj, keyword)


def outcome(module: str, name: str, desc: Dict[str, Any]) -> Dict[str, List[str]]:
    """The keys of one reference name, sorted into ok / kept / pending / broken / fixed."""
    out: Dict[str, List[str]] = {"ok": [], "kept": [], "pending": [], "broken": [], "fixed": []}
    for key, member, keyword in _items(module, name, desc):
        if _reason(key, KEPT) is not None:
            out["kept"].append(key)
            continue
        good = works(module, name, member, keyword)
        pending = _reason(key, PENDING) is not None
        out[
            "fixed" if good and pending else "ok" if good else "pending" if pending else "broken"
        ].append(key)
    return out


@pytest.mark.parametrize(("module", "name", "desc"), NAMES, ids=[f"{m}:{n}" for m, n, _ in NAMES])
def test_reference_name(module: str, name: str, desc: Dict[str, Any]) -> None:
    # GIVEN a public name of the reference WHEN imported from the same module THEN it is there,
    # with every member and keyword, except the differences listed in KEPT and PENDING
    result = outcome(module, name, desc)
    assert not result["broken"], f"missing here: {result['broken']}"
    if result["pending"]:
        pytest.xfail(f"not built yet: {result['pending']}")


def test_tables_name_real_entries() -> None:
    # GIVEN the keys of KEPT and PENDING WHEN matched with the reference THEN each names something
    keys = {key for module, name, desc in NAMES for key, _, _ in _items(module, name, desc)}
    prefixes = {key.split(":")[0] + ":" for key in keys}
    stale = [key for key in (*KEPT, *PENDING) if key not in keys and key not in prefixes]
    assert not stale, f"entries naming nothing in the reference: {stale}"


def report() -> str:
    """Counts of the names, keywords and members that work here (run this file to print them)."""
    totals: Dict[str, List[int]] = {"names": [0, 0], "keywords": [0, 0], "members": [0, 0]}
    for module, name, desc in NAMES:
        for _key, member, keyword in _items(module, name, desc):
            kind = "keywords" if keyword else "members" if member else "names"
            totals[kind][1] += 1
            totals[kind][0] += works(module, name, member, keyword)
    stale = [key for m, n, d in NAMES for key in outcome(m, n, d)["fixed"]]
    counts = ", ".join(f"{kind} {ok}/{total}" for kind, (ok, total) in totals.items())
    return counts + "".join(f"\nworks now, take out of PENDING: {key}" for key in stale)


if __name__ == "__main__":
    print(report())
