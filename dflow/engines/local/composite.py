"""Steps (groups in sequence, a group's steps in parallel) and DAGs (tasks when deps allow)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple

from ...errors import DflowError
from .arguments import composite_outputs, condition_holds, expand_items, resolve_arguments
from .depends import TaskResult, check_depends, dependencies_met, dependency_names, find_cycle
from .expressions import ExpressionError
from .hooks import HookedStep, with_hooks
from .scope import aggregate_scope, item_label, item_scope, node_scope

if TYPE_CHECKING:
    from .scheduler import Run

__all__ = ["run_steps", "run_dag"]

Outcome = Tuple[str, str, Dict[str, Any]]
EMPTY = "Skipped, empty params"  # Argo's message on a step that fans out over no items


def _in_parallel(jobs: List[Callable[[], Any]], limit: Optional[threading.Semaphore]) -> List[Any]:
    """Run ``jobs`` in threads (at most ``limit`` at once); results in job order."""
    results: List[Any] = [None] * len(jobs)

    def work(i: int) -> None:
        try:
            if limit is None:
                results[i] = jobs[i]()
            else:
                with limit:
                    results[i] = jobs[i]()
        except Exception as exc:  # noqa: BLE001 - a crashed job must not leave its slot empty
            results[i] = exc

    if len(jobs) == 1:
        work(0)
    else:
        threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(len(jobs))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    for r in results:
        if isinstance(r, BaseException):
            raise r  # every job has finished; the caller turns it into an error
    return results


def _limit(tmpl: Dict[str, Any]) -> Optional[threading.Semaphore]:
    n = tmpl.get("parallelism")
    return threading.Semaphore(int(n)) if n else None


def _tolerated(step: Dict[str, Any], node: Dict[str, Any]) -> bool:
    """Whether a finished child lets its parent go on."""
    phase = node["phase"]
    cont = step.get("continueOn") or {}
    if phase == "Failed":
        return bool(cont.get("failed"))
    if phase == "Error":
        return bool(cont.get("error"))
    return True


def _children(
    run: Run,
    step: Dict[str, Any],
    scope: Dict[str, Any],
    base: str,
    boundary: str,
    parent: str,
    who: str,
) -> Tuple[Optional[List[Any]], List[Callable[[], Dict[str, Any]]]]:
    """The jobs of one step or task: one per item of its loop (or one), each giving a node."""
    sname = step["name"]
    try:
        items = expand_items(step, scope, who)
    except (DflowError, ExpressionError) as exc:
        message = str(exc)
        return None, [
            lambda: run._error_node(
                base, sname, step.get("template", ""), boundary, parent, message
            )
        ]
    listed: List[Any] = [None] if items is None else items
    jobs = []
    for i, item in enumerate(listed):
        if items is None:
            name, display, local = base, sname, scope
        else:
            label = f"({i}:{item_label(item)})"
            name, display, local = base + label, sname + label, {**scope, **item_scope(item)}
        job = _job(run, step, local, name, display, boundary, parent, who)
        batch = run.settings.batch_size
        if items is not None and batch and i >= batch:
            job = _delayed(run, job, (i // batch) * run.settings.batch_interval)
        jobs.append(job)
    return items, jobs


def _delayed(run: Run, job: Callable[[], Any], seconds: float) -> Callable[[], Any]:
    """``job`` started ``seconds`` later (``debug_batch_size``), or at once on termination."""

    def later() -> Any:
        run.groups.cancelled.wait(seconds)
        return job()

    return later


def _job(
    run: Run,
    step: Dict[str, Any],
    scope: Dict[str, Any],
    name: str,
    display: str,
    boundary: str,
    parent: str,
    who: str,
) -> Callable[[], Dict[str, Any]]:
    template = step.get("template", "")

    def job() -> Dict[str, Any]:
        try:
            holds, text = condition_holds(step, scope)
            if not holds:
                return run.skipped(
                    name, display, template, boundary, parent, f"when '{text}' evaluated false"
                )
            if "templateRef" in step or "inline" in step:
                raise DflowError(
                    f"{who}: templateRef and inline templates are not supported locally"
                )
            params, arts = resolve_arguments(step, scope, who)
        except (DflowError, ExpressionError) as exc:
            return run._error_node(name, display, template, boundary, parent, str(exc))
        try:
            node = with_hooks(
                HookedStep(run, step, scope, name, display, boundary, parent, who),
                lambda: run.execute(template, params, arts, name, display, boundary, parent, who),
            )
            if run.settings.failfast and not _tolerated(step, node):
                run.failed_fast = True  # debug_failfast: the rest stops now
                run.groups.terminate()
            return node
        except Exception as exc:  # noqa: BLE001 - a bug must fail the step, not the whole group
            return run._error_node(
                name, display, template, boundary, parent, f"{who} (template {template!r}): {exc!r}"
            )

    return job


def _outputs(run: Run, tmpl: Dict[str, Any], scope: Dict[str, Any], who: str) -> Outcome:
    try:
        return "Succeeded", "", composite_outputs(tmpl, scope, who)
    except (DflowError, ExpressionError) as exc:
        return "Failed", str(exc), {}


def run_steps(
    run: Run, tmpl: Dict[str, Any], node: Dict[str, Any], scope: Dict[str, Any], who: str
) -> Outcome:
    """Run the groups of a Steps template one after the other."""
    local = dict(scope)
    limit = _limit(tmpl)
    previous = [node["id"]]
    for i, group in enumerate(tmpl.get("steps") or ()):
        gname = f"{node['name']}[{i}]"
        gnode = run.state.add_node(gname, f"[{i}]", "StepGroup", tmpl["name"], node["id"], None)
        for p in previous:
            run.state.link(p, gnode["id"])
        plan = []
        jobs: List[Callable[[], Dict[str, Any]]] = []
        for step in group:
            swho = f"step {step['name']!r} of {tmpl['name']!r}"
            items, step_jobs = _children(
                run, step, local, f"{gname}.{step['name']}", node["id"], gnode["id"], swho
            )
            plan.append((step, items, len(step_jobs)))
            jobs.extend(step_jobs)
        results = _in_parallel(jobs, limit)
        failed = []
        pos = 0
        for step, items, count in plan:
            nodes = results[pos : pos + count]
            pos += count
            prefix = f"steps.{step['name']}"
            if items is None:
                local.update(node_scope(prefix, nodes[0], run.store.read_text))
            elif nodes:
                local.update(aggregate_scope(prefix, nodes))
            else:  # as Argo: a node of its own, skipped
                base = f"{gname}.{step['name']}"
                skipped = run.skipped(
                    base, step["name"], step.get("template", ""), node["id"], gnode["id"], EMPTY
                )
                results.append(skipped)
                local[f"{prefix}.status"] = "Skipped"
            failed += [n for n in nodes if not _tolerated(step, n)]
        previous = [n["id"] for n in results] or [gnode["id"]]
        if failed or run.groups.cancelled.is_set():
            message = f"child '{failed[0]['id']}' failed" if failed else "terminated"
            run.state.update(gnode["id"], phase="Failed", message=message)
            return "Failed", message, {}
        run.state.update(gnode["id"], phase="Succeeded")
    return _outputs(run, tmpl, local, who)


def run_dag(
    run: Run, tmpl: Dict[str, Any], node: Dict[str, Any], scope: Dict[str, Any], who: str
) -> Outcome:
    """Run the tasks of a DAG, each as soon as its dependencies allow."""
    tasks = {t["name"]: t for t in (tmpl.get("dag") or {}).get("tasks") or ()}
    deps = {n: dependency_names(t) for n, t in tasks.items()}
    for n, d in deps.items():
        unknown = d - set(tasks)
        if unknown:
            return (
                "Error",
                f"{who}: task {n!r} depends on {sorted(unknown)[0]!r}, not a task of it",
                {},
            )
        try:
            check_depends(tasks[n], d)
        except DflowError as exc:
            return "Error", f"{who}: {exc}", {}
    cycle = find_cycle(deps)
    if cycle:
        return (
            "Error",
            f"{who}: tasks {' -> '.join(repr(c) for c in cycle + cycle[:1])} depend on each "
            "other in a cycle",
            {},
        )
    local = dict(scope)
    limit = _limit(tmpl)
    results: Dict[str, TaskResult] = {}
    started: set = set()
    failed: List[Dict[str, Any]] = []
    cond = threading.Condition()

    def finish(
        task: Dict[str, Any],
        items: Optional[List[Any]],
        nodes: List[Dict[str, Any]],
        group: Optional[Dict[str, Any]],
    ) -> None:
        prefix = f"tasks.{task['name']}"
        if items is None:
            phase = nodes[0]["phase"]
            update = node_scope(prefix, nodes[0], run.store.read_text)
            bad = [n for n in nodes if not _tolerated(task, n)]
        else:
            bad = [n for n in nodes if not _tolerated(task, n)]
            phase = "Failed" if bad else "Succeeded"
            update = aggregate_scope(prefix, nodes)
            if not nodes:  # as Argo: the task's node is skipped
                phase, update = "Skipped", {f"{prefix}.status": "Skipped"}
            if group is not None:
                fields = {} if nodes else {"type": "Skipped", "message": EMPTY}
                run.state.update(group["id"], phase=phase, **fields)
        with cond:
            local.update(update)
            continued = not bad and phase in ("Failed", "Error")
            results[task["name"]] = TaskResult(phase, continued, [n["phase"] for n in nodes])
            failed.extend(bad)
            cond.notify_all()

    def launch(task: Dict[str, Any], snapshot: Dict[str, Any]) -> None:
        try:
            _launch(task, snapshot)
        except Exception as exc:  # noqa: BLE001 - a bug must fail the task, not hang the DAG
            bad = run._error_node(
                f"{node['name']}.{task['name']}",
                task["name"],
                task.get("template", ""),
                node["id"],
                node["id"],
                f"task {task['name']!r}: {exc!r}",
            )
            finish(task, None, [bad], None)

    def _launch(task: Dict[str, Any], snapshot: Dict[str, Any]) -> None:
        tname = task["name"]
        base = f"{node['name']}.{tname}"
        twho = f"task {tname!r} of {tmpl['name']!r}"
        parents = [
            run.state.nodes[_nid(run, node, d)]["id"]
            for d in deps[tname]
            if _nid(run, node, d) in run.state.nodes
        ]
        fanned = any(k in task for k in ("withItems", "withParam", "withSequence"))
        group = None
        if fanned:
            group = run.state.add_node(
                base, tname, "TaskGroup", task.get("template"), node["id"], None
            )
            for p in parents or [node["id"]]:
                run.state.link(p, group["id"])
            parent = group["id"]
        else:
            parent = (parents or [node["id"]])[0]
        items, jobs = _children(run, task, snapshot, base, node["id"], parent, twho)
        nodes = _in_parallel(jobs, None)
        for p in parents[1:] if not fanned else ():
            run.state.link(p, nodes[0]["id"])
        finish(task, items, nodes, group)

    threads: List[threading.Thread] = []
    with cond:
        while True:
            stop = bool(failed) or run.groups.cancelled.is_set()
            ready = (
                [] if stop else [n for n in tasks if n not in started and deps[n] <= set(results)]
            )
            for n in ready:
                started.add(n)
                try:
                    go = dependencies_met(tasks[n], results)
                except Exception as exc:  # noqa: BLE001 - record it, or the loop waits forever
                    failed.append({"id": n, "message": f"{who}: task {n!r}: {exc}", "own": 1})
                    results[n] = TaskResult("Error", False, [])
                    break
                if not go:
                    run.skipped(
                        f"{node['name']}.{n}",
                        n,
                        tasks[n].get("template", ""),
                        node["id"],
                        node["id"],
                        "omitted: depends condition not met",
                        "Omitted",
                    )
                    results[n] = TaskResult("Omitted", False, [])
                    continue
                t = threading.Thread(
                    target=_limited, args=(limit, launch, tasks[n], dict(local)), daemon=True
                )
                threads.append(t)
                t.start()
            if ready:
                continue
            if started <= set(results):
                break
            cond.wait(1.0)
    for t in threads:
        t.join()
    if failed and failed[0].get("own"):
        return "Error", failed[0]["message"], {}
    if failed or run.groups.cancelled.is_set():
        message = f"child '{failed[0]['id']}' failed" if failed else "terminated"
        return "Failed", message, {}
    return _outputs(run, tmpl, local, who)


def _limited(limit: Optional[threading.Semaphore], fn: Callable[..., None], *args: Any) -> None:
    if limit is None:
        fn(*args)
    else:
        with limit:
            fn(*args)


def _nid(run: Run, node: Dict[str, Any], task: str) -> str:
    from .state import node_id

    return node_id(run.state.name, f"{node['name']}.{task}")
