"""What runs inside a Python OP's container: decode inputs, run ``execute``, write outputs.

The rendered script is a few lines that import the OP (or define it, when its source is shipped)
and call ``run(OPClass, root="/tmp/", ...)``. Every path it uses is under ``root``:
``inputs/parameters/<key>`` (big parameters), ``inputs/artifacts/<key>``,
``outputs/parameters/<key>`` and ``outputs/artifacts/<key>``. Parameter values come from the
environment variables ``DFLOW_INPUT_<key>`` (Argo substitutes them, whatever their content).

Exit codes: 0 success, 1 ``TransientError``, 2 ``FatalError`` or a type/sign error, 3 any
other exception. Outputs are written only after ``execute`` succeeded and its outputs passed the
type check, each moved into place whole.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import traceback
from typing import Any, Dict, Iterable, List, Optional

from ...storage.catalog import has_catalog, read_catalog
from ..errors import FatalError, SignError, TransientError, TypeCheckError
from ..op import check_signed, with_defaults
from ..signs import OPIO, Artifact, BigParameter, as_sign
from .artifacts import load_input, stage_output
from .codec import decode, encode

__all__ = ["run", "make_op", "use_packages", "PARAMETER_ENV", "SLICE_ENV"]

PARAMETER_ENV = "DFLOW_INPUT_"
SLICE_ENV = "DFLOW_SLICE"
SKIP_ENV = "DFLOW_SKIP_SLICE_INPUT"
EXIT_TRANSIENT, EXIT_FATAL, EXIT_OTHER = 1, 2, 3


def use_packages(path: str) -> None:
    """Put the packages shipped in the artifact at ``path`` on ``sys.path`` (first wins)."""
    if not os.path.isdir(path):
        return
    if has_catalog(path):
        dirs: List[str] = []
        for item in read_catalog(path):
            if item is not None and os.path.dirname(item) not in dirs:
                dirs.append(os.path.dirname(item))
    else:
        dirs = [path]
    sys.path[:0] = [d for d in dirs if d not in sys.path]


def run(
    op: Any,
    root: str = "/tmp/",
    sliced: Iterable[str] = (),
    stacked: Iterable[str] = (),
    success_tag: Optional[str] = None,
    state: Optional[str] = None,
    slice_dirs: bool = False,
) -> None:
    """Run the OP ``op`` (a class, an OP object or ``"module:Class"``) once, as its container's
    main program.

    Args:
        root: the directory standing for the container's ``/tmp``.
        sliced: inputs that receive a list of which this run takes the slice in ``$DFLOW_SLICE``.
        stacked: sliced outputs: artifacts laid out per slice so the items' outputs merge into
            one, parameters written so that the fan-out lists each value as it was (a ``str``
            as a JSON string).
        success_tag: a file to write ``1`` to after success.
        state: the attributes of the OP object to run (encoded), when it was given as one.
        slice_dirs: stacked artifacts keep this run's files under ``<item>/`` (the original's
            ``create_dir``); else they keep the paths the OP gave, as in the original.
    """
    op_obj = make_op(op, state)
    op_class = type(op_obj)
    name = op_class.__name__
    try:
        slice_value = slice_index(os.environ[SLICE_ENV]) if sliced or stacked else None
        if slice_value is None or _is_true(os.environ.get(SKIP_ENV, "")):
            sliced = ()  # no index (a Steps sliced by "None"), or told to take inputs whole
        inputs = read_inputs(op_class, root, set(sliced), slice_value)
        check_signed(op_class, inputs, "input")
        op_out = with_defaults(op_class, op_obj.execute(OPIO(inputs)), "output")
        check_signed(op_class, op_out, "output")
        item = _item(slice_value) if stacked and slice_value is not None else None
        write_outputs(op_class, op_out, root, set(stacked), item, slice_dirs)
    except TransientError:
        traceback.print_exc()
        raise SystemExit(EXIT_TRANSIENT) from None
    except (FatalError, SignError, TypeCheckError) as e:
        if isinstance(e, FatalError):
            traceback.print_exc()
        else:
            print(f"dflow: {e}", file=sys.stderr)
        raise SystemExit(EXIT_FATAL) from None
    except Exception:
        traceback.print_exc()
        print(f"dflow: OP {name} failed with an unexpected exception", file=sys.stderr)
        raise SystemExit(EXIT_OTHER) from None
    if success_tag:
        _write_file(success_tag, "1")


def read_inputs(op_class: Any, root: str, sliced: set, slice_value: Any = None) -> Dict[str, Any]:
    """The OP's input values, decoded by its input sign."""
    op = op_class.__name__
    values: Dict[str, Any] = {}
    sign = op_class.get_input_sign()
    for key in sign:
        s = as_sign(sign[key])
        if isinstance(s, Artifact):
            path = os.path.join(root, "inputs", "artifacts", key)
            if key in sliced:
                whole = load_input(path, _as_list(s))
                picked = None if whole is None else _pick(op, key, whole, slice_value)
                if s.shape in ("list", "set") and isinstance(picked, (str, os.PathLike)):
                    picked = [picked]  # one path of the list, still a list, as in the original
                values[key] = picked
            else:
                values[key] = load_input(path, s)
            # a missing artifact is None: the template said it was optional (a step gave None)
            continue
        if isinstance(s, BigParameter):
            path = os.path.join(root, "inputs", "parameters", key)
            text = _read_file(path) if os.path.isfile(path) else None
        else:
            text = os.environ.get(PARAMETER_ENV + key)
        if text is None:
            if s.has_default:
                values[key] = s.default
                continue
            raise SignError(f"OP {op}: input parameter {key!r} was not given")
        value = decode(text, list if key in sliced else s.type)
        values[key] = _pick(op, key, value, slice_value) if key in sliced else value
    return values


def write_outputs(
    op_class: Any,
    op_out: Any,
    root: str,
    stacked: set,
    item: Optional[int] = None,
    slice_dirs: bool = False,
) -> None:
    """Stage every output, then move each into place: nothing is left half-written."""
    op = op_class.__name__
    sign = op_class.get_output_sign()
    staging = os.path.join(root, "outputs", f".staging-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    moves: List[tuple] = []
    try:
        for key in sign:
            if key not in op_out:
                continue
            s = as_sign(sign[key])
            if isinstance(s, Artifact):
                staged = stage_output(
                    op,
                    key,
                    op_out[key],
                    s,
                    os.path.join(staging, "artifacts", key),
                    item if key in stacked else None,
                    slice_dir=slice_dirs,
                    root=root,
                )
                moves.append((staged, os.path.join(root, "outputs", "artifacts", key)))
                continue
            staged = os.path.join(staging, "parameters", key)
            text = encode(op_out[key])
            if key in stacked and isinstance(op_out[key], str):
                # a fan-out lists its items' values parsed as JSON: "0" would come out 0
                text = json.dumps(op_out[key])
            if text.endswith("\n") and not isinstance(s, BigParameter):
                text += "\n"  # Argo drops one trailing newline when it reads the file
            _write_file(staged, text)
            moves.append((staged, os.path.join(root, "outputs", "parameters", key)))
        for src, dst in moves:
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            if os.path.isdir(dst) and not os.path.islink(dst):
                shutil.rmtree(dst)
            os.replace(src, dst)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def slice_index(text: str) -> Any:
    """The slice a run takes: an int or a JSON list of ints, or a Python expression of them
    written by the workflow's author (``int('3')``, ``[2*3, 7]``), as the original reads it."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    import ast

    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        pass
    safe = {"int": int, "float": float, "str": str, "range": range, "list": list, "len": len}
    try:
        return eval(compile(text, "<slices>", "eval"), {"__builtins__": safe}, {})  # noqa: S307
    except Exception as e:  # noqa: BLE001 - any failure is a bad slice expression
        raise SignError(f"slice {text!r} is neither JSON nor a Python expression: {e}") from None


def _as_list(s: Artifact) -> Artifact:
    from pathlib import Path
    from typing import List as L

    return Artifact(L[Path] if s.type in (Path, L[Path]) else L[str], optional=True)


def _pick(op: str, key: str, whole: Any, slice_value: Any) -> Any:
    """The slice of a list input this run gets: one element, or several for a list of indices."""
    if not isinstance(whole, list):
        raise SignError(
            f"OP {op}: sliced input {key!r} should be a list, got {type(whole).__name__}"
        )
    try:
        if isinstance(slice_value, list):
            return [whole[int(i)] for i in slice_value]
        return whole[int(slice_value)]
    except (IndexError, TypeError, ValueError):
        raise SignError(
            f"OP {op}: slice {slice_value!r} is out of range for input {key!r} ({len(whole)} items)"
        ) from None


def _is_true(text: str) -> bool:
    """A parameter's text read as the original reads ``dflow_skip_slice_input`` (0 is false)."""
    return text.strip().lower() not in ("", "0", "false", "none", "null")


def _item(slice_value: Any) -> int:
    return int(slice_value[0] if isinstance(slice_value, list) else slice_value)


def make_op(op: Any, state: Optional[str] = None) -> Any:
    """The OP object to run: ``op`` itself, or a new object of its class (with ``state``)."""
    if not isinstance(op, (type, str)):
        return op
    op_class = _resolve(op)
    if state is None:
        return op_class()
    obj: Any = object.__new__(op_class)  # as it was built on the submitting side, not built again
    for key, value in decode(state, dict).items():
        object.__setattr__(obj, key, value)
    return obj


def _resolve(op: Any) -> type:
    if isinstance(op, type):
        return op
    module, _, qualname = str(op).partition(":")
    import importlib

    target: Any = importlib.import_module(module)
    for part in qualname.split("."):
        target = getattr(target, part)
    return target


def _read_file(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


def _write_file(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)
