"""A group of slices in one container: the OP runs once over the group, or once per item.

``Slices(group_size=g)`` fans a step out over groups: each container gets the whole item list
(``$DFLOW_ITEMS``, JSON) and the position of its group's first item (``$DFLOW_GROUP``), and takes
``items[start:start + g]`` (``shuffle``: the groups are cut from a seeded shuffle of the
positions). As in the original dflow:

* without ``pool_size`` the OP runs once, in the pod's working directory, with each sliced input
  the list of the group's slices, and gives each sliced output as the list of the items' values;
* with ``pool_size`` it runs once per item, serially (``1``) or in a process pool, each item in
  the pod's working directory (``create_dir``: in ``<item>/`` under it).

Every output parameter is written as the JSON list of the items' values (the wrapper around the
fan-out concatenates the groups' lists); every output artifact holds one catalog per item, each
item's files at the paths the OP gave (``create_dir``: under ``<item>/``), as one-item containers
lay them out. Outputs are written only when every item succeeded; otherwise the exit code is the
first non-transient failure's (1 when all failures were transient).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import traceback
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from ...storage.catalog import write_catalog
from ..errors import FatalError, SignError, TransientError, TypeCheckError
from ..op import check_signed, with_defaults
from ..signs import OPIO, Artifact, as_sign
from . import EXIT_FATAL, EXIT_OTHER, EXIT_TRANSIENT, _item, _write_file, make_op, read_inputs
from .artifacts import stage_output
from .codec import encode

__all__ = ["run_group", "ITEMS_ENV", "GROUP_ENV"]

ITEMS_ENV = "DFLOW_ITEMS"
GROUP_ENV = "DFLOW_GROUP"

# (exit code or 0, {parameter: wire element}, staged artifact directory or None)
_Result = Tuple[int, Dict[str, Any], Optional[str]]
_job: Dict[str, Any] = {}  # what pool workers need, set before they are forked


def run_group(
    op: Any,
    root: str = "/tmp/",
    sliced: Sequence[str] = (),
    group_size: int = 1,
    pool_size: Optional[int] = None,
    state: Optional[str] = None,
    pool_timeout: Optional[float] = None,
    shuffle: bool = False,
    random_seed: int = 0,
    success_tag: Optional[str] = None,
    raise_for_group: bool = False,
    slice_dirs: bool = False,
    stacked: Sequence[str] = (),
) -> None:
    """Run the OP for the items of this container's group, as the container's main program.

    ``slice_dirs`` (the original's ``create_dir``) keeps each item's files under ``<item>/``;
    ``stacked`` names the sliced outputs, which an OP run once over the group (no
    ``pool_size``) gives as lists of the items' values.

    With ``shuffle`` the groups are cut from the item positions in the order Python's
    ``random.shuffle`` gives them with ``random_seed``, as dflow 1.x groups them, and every
    output parameter is written as ``[{"p": position, "v": "<value's JSON>"}, ...]`` so that the
    wrapper can put the values back in item order.

    With ``success_tag`` (the step counts successes) and not ``raise_for_group``, a group with
    failed items still succeeds, as in dflow 1.x: its outputs hold ``None`` for each failed item
    (a null parameter value, a catalog entry with no path) and the tag file the number of items
    that succeeded. Otherwise any failed item fails the pod, which writes no outputs.
    """
    op_class = type(make_op(op, state))
    try:
        items = json.loads(os.environ[ITEMS_ENV])
        start = int(os.environ[GROUP_ENV])
        if not isinstance(items, list):
            raise ValueError(f"{ITEMS_ENV} is not a JSON list")
    except (KeyError, ValueError) as e:
        print(f"dflow: OP {op_class.__name__}: no item group to run ({e})", file=sys.stderr)
        raise SystemExit(EXIT_FATAL) from None
    positions = group_positions(len(items), start, group_size, shuffle, random_seed)
    mine = [items[p] for p in positions]
    cwd = os.getcwd()
    staging = os.path.join(root, "outputs", f".group-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    _job.update(op=op_class, make=(op, state), root=root, sliced=set(sliced), cwd=cwd)
    _job.update(staging=staging, slice_dirs=slice_dirs)
    try:
        try:
            if pool_size is None:
                results = _run_once(mine, set(stacked))
            else:
                results = _run_all(list(enumerate(mine)), pool_size, pool_timeout)
        except TimeoutError:
            print(
                f"dflow: OP {op_class.__name__}: the group's pool did not finish within "
                f"pool_timeout={pool_timeout} s",
                file=sys.stderr,
            )
            raise SystemExit(EXIT_OTHER) from None
        codes = [code for code, _, _ in results if code]
        if codes and (success_tag is None or raise_for_group):
            hard = [c for c in codes if c != EXIT_TRANSIENT]
            print(
                f"dflow: OP {op_class.__name__}: {len(codes)} of {len(mine)} items failed",
                file=sys.stderr,
            )
            raise SystemExit(hard[0] if hard else EXIT_TRANSIENT)
        if codes:
            print(
                f"dflow: OP {op_class.__name__}: {len(codes)} of {len(mine)} items failed; "
                "their outputs are None (raise_for_group=False)",
                file=sys.stderr,
            )
        failed = [_item(item) for item, (code, _, _) in zip(mine, results) if code]
        _write_group_outputs(
            op_class, root, staging, results, positions if shuffle else None, failed,
            per_group=set(stacked) if pool_size is None else None,  # the OP ran once
        )  # fmt: skip
        if success_tag:
            _write_file(success_tag, str(len(mine) - len(codes)))
    finally:
        os.chdir(cwd)
        shutil.rmtree(staging, ignore_errors=True)


def group_positions(count: int, start: int, size: int, shuffle: bool, seed: int) -> List[int]:
    """The positions of the items of the group starting at ``start`` (of ``count`` items)."""
    order = list(range(count))
    if shuffle:
        import random

        random.Random(seed).shuffle(order)  # the order random.seed(seed); random.shuffle gives
    return order[start : start + size]


def _run_all(
    jobs: List[Tuple[int, Any]], pool_size: Optional[int], timeout: Optional[float] = None
) -> List[_Result]:
    workers = len(jobs) if pool_size == -1 else min(pool_size or 1, len(jobs))
    if workers <= 1:
        return [_run_item(job) for job in jobs]
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    pool = context.Pool(workers)
    try:
        results = pool.map_async(_run_item, jobs, chunksize=1).get(timeout)
    except BaseException as exc:
        _kill(pool)
        if isinstance(exc, multiprocessing.TimeoutError):
            raise TimeoutError from None
        raise
    # closed, not terminated: Pool.terminate's SIGTERM is lost on a worker still starting up
    # (between its fork and Python's signal set-up), and then its join never returns
    pool.close()
    pool.join()
    return results


def _kill(pool: Any) -> None:
    """Stop ``pool`` at once: SIGKILL reaches its workers whatever state they are in."""
    for worker in getattr(pool, "_pool", []):
        if worker.exitcode is None:
            worker.kill()
    pool.terminate()


def _run_item(job: Tuple[int, Any]) -> _Result:
    """One item: inputs, ``execute`` (in ``<item>/`` with ``slice_dirs``), checks, outputs."""
    position, item = job
    op_class = _job["op"]
    if _job["slice_dirs"]:
        workdir = os.path.join(_job["cwd"], str(_item(item)))
        os.makedirs(workdir, exist_ok=True)
        os.chdir(workdir)
    try:
        inputs = read_inputs(op_class, _job["root"], _job["sliced"], item)
        check_signed(op_class, inputs, "input")
        op_obj = make_op(*_job["make"])
        op_out = with_defaults(op_class, op_obj.execute(OPIO(inputs)), "output")
        check_signed(op_class, op_out, "output")
        return 0, *_stage_item(op_class, op_out, _item(item), position)
    except BaseException as e:  # noqa: BLE001 - every failure is the item's exit code
        return _failed(op_class, e, f"on item {item!r} "), {}, None
    finally:
        os.chdir(_job["cwd"])


def _run_once(items: List[Any], stacked: Set[str]) -> List[_Result]:
    """The group in one ``execute``: sliced inputs are lists of the items' slices; each sliced
    output (in ``stacked``) a list of the items' values, parted back into one result per item."""
    op_class = _job["op"]
    op = op_class.__name__
    try:
        inputs = read_inputs(op_class, _job["root"], _job["sliced"], list(items))
        check_signed(op_class, inputs, "input")
        op_obj = make_op(*_job["make"])
        op_out = with_defaults(op_class, op_obj.execute(OPIO(inputs)), "output")
        check_signed(op_class, op_out, "output")
        for key in stacked:
            value = op_out.get(key)
            if value is not None and (not isinstance(value, list) or len(value) != len(items)):
                raise FatalError(
                    f"OP {op}: sliced output {key!r} of a group of {len(items)} items should be "
                    f"a list of as many values, got {value!r}"
                )
        results: List[_Result] = []
        for position, item in enumerate(items):
            part = {
                k: (None if v is None else v[position]) if k in stacked else v
                for k, v in op_out.items()
            }
            one = position == 0  # an output not sliced is the group's: staged with the first
            results.append((0, *_stage_item(op_class, part, _item(item), position, stacked, one)))
        return results
    except BaseException as e:  # noqa: BLE001 - every failure is the group's exit code
        code = _failed(op_class, e, "")
        return [(code, {}, None) for _ in items]


def _failed(op_class: Any, e: BaseException, where: str) -> int:
    """Report the failure ``e`` of the OP, and the exit code it gives."""
    if isinstance(e, TransientError):
        traceback.print_exc()
        return EXIT_TRANSIENT
    if isinstance(e, (FatalError, SignError, TypeCheckError)):
        if isinstance(e, FatalError):
            traceback.print_exc()
        else:
            print(f"dflow: {e}", file=sys.stderr)
        return EXIT_FATAL
    if isinstance(e, SystemExit):
        code = e.code if isinstance(e.code, int) else EXIT_OTHER
        return code or EXIT_OTHER
    traceback.print_exc()
    print(f"dflow: OP {op_class.__name__} failed {where}with an unexpected exception",
          file=sys.stderr)  # fmt: skip
    return EXIT_OTHER


def _stage_item(
    op_class: Any,
    op_out: Any,
    item: int,
    position: int,
    parted: Set[str] = frozenset(),  # type: ignore[assignment]
    whole: bool = True,
) -> Tuple[Dict[str, Any], Optional[str]]:
    """The item's parameter values as wire elements, its artifacts staged (under ``<item>/``
    with ``slice_dirs``). ``parted`` outputs hold this item's part of a list the OP gave for
    the group; the others, parameters and artifacts, are taken only when ``whole``."""
    op = op_class.__name__
    sign = op_class.get_output_sign()
    params: Dict[str, Any] = {}
    staged_root = os.path.join(_job["staging"], f"{position:06d}")
    for key in sign:
        s = as_sign(sign[key])
        if isinstance(s, Artifact):
            if key in op_out and (whole or key in parted):
                value = op_out[key]
                if key in parted:  # one item's part: a path, or a list of paths
                    s = _part_sign(s)
                    value = list(value) if isinstance(value, (list, tuple, set)) else [value]
                stage_output(op, key, value, s, os.path.join(staged_root, key),
                             item, slice_dir=_job["slice_dirs"], root=_job["root"])  # fmt: skip
        elif key in op_out and (whole or key in parted):
            value = op_out[key]  # a str stays one: "0" is not the number 0
            params[key] = value if isinstance(value, str) else _element(encode(value))
    return params, staged_root


def _part_sign(sign: Artifact) -> Artifact:
    """The sign of one item's part of a list artifact: a list of paths (or of strings)."""
    from pathlib import Path
    from typing import List as L

    args = getattr(sign.type, "__args__", None) or (sign.type,)
    return Artifact(L[str] if args[0] is str else L[Path], optional=True)


def _element(text: str) -> Any:
    """An item's value as a fan-out aggregates it: JSON when the wire text is JSON, else text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _write_group_outputs(
    op_class: Any,
    root: str,
    staging: str,
    results: List[_Result],
    positions: Optional[List[int]] = None,
    failed: Sequence[int] = (),
    per_group: Optional[Set[str]] = None,
) -> None:
    """Merge the items' artifacts and write every parameter as the list of the items' values
    (with ``positions``: of ``{"p": position, "v": "<value's JSON>"}``); ``failed`` items have
    ``None`` in both. With ``per_group`` (the sliced outputs of an OP run once over the group),
    each other parameter is the group's one value, listed once, as the original's group pod
    gives it."""
    sign = op_class.get_output_sign()
    merged = os.path.join(staging, "merged")
    moves: List[Tuple[str, str]] = []
    for key in sign:
        s = as_sign(sign[key])
        if isinstance(s, Artifact):
            target = os.path.join(merged, "artifacts", key)
            for _, _, staged in results:
                part = os.path.join(staged or "", key)
                if staged and os.path.isdir(part):
                    shutil.copytree(
                        part, target, symlinks=True, copy_function=_link, dirs_exist_ok=True
                    )
            for item in failed:  # listed without a path: the reader gets None in its place
                write_catalog(target, [None], name=f"item-{item:06d}", item=item)
            if os.path.isdir(target):
                moves.append((target, os.path.join(root, "outputs", "artifacts", key)))
            continue
        values: List[Any] = [params.get(key) for _, params, _ in results]
        if all(key not in params for _, params, _ in results):
            continue
        if per_group is not None and key not in per_group:
            values = values[:1]
        if positions is not None:
            values = [{"p": p, "v": _compact(v)} for p, v in zip(positions, values)]
        path = os.path.join(merged, "parameters", key)
        _write_file(path, _compact(values))
        moves.append((path, os.path.join(root, "outputs", "parameters", key)))
    for src, dst in moves:
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if os.path.isdir(dst) and not os.path.islink(dst):
            shutil.rmtree(dst)
        os.replace(src, dst)


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _link(src: str, dst: str) -> None:
    if os.path.lexists(dst):  # items that wrote the same path: the last one's stays
        os.remove(dst)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
