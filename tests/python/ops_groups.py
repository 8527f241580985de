"""OPs for the grouped-slices tests (imported by module path in real subprocesses)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import List

from dflow.python import OP, OPIO, Artifact, FatalError, OPIOSign, Parameter, TransientError


class Cube(OP):
    """One slice: cubes ``x``, writes ``out.txt`` (the same name for every item) and its pid."""

    @classmethod
    def get_input_sign(cls) -> OPIOSign:
        return OPIOSign(
            {
                "x": int,
                "meet": Parameter(str, default=""),
                "per": Parameter(int, default=1),
                "fail_on": Parameter(int, default=-1),
            }
        )

    @classmethod
    def get_output_sign(cls) -> OPIOSign:
        return OPIOSign({"y": int, "pair": List[int], "out": Artifact(Path), "pid": int})

    def execute(self, op_in: OPIO) -> OPIO:
        x = op_in["x"]
        if x == op_in["fail_on"]:
            raise (TransientError if x % 2 else FatalError)(f"item {x} fails")
        if op_in["meet"]:
            # x counts from 1: items x of one group of `per` share a folder
            _meet(Path(op_in["meet"]) / str((x - 1) // op_in["per"]), x)
        Path("out.txt").write_text(f"cube {x} = {x**3}")
        return OPIO({"y": x**3, "pair": [x, -x], "out": Path("out.txt"), "pid": _process_id()})


def _process_id() -> int:
    """This process, told apart from others: pids repeat across PID namespaces (each container
    has its own), the namespace's inode tells them apart."""
    return os.stat("/proc/self/ns/pid").st_ino * 2**22 + os.getpid()


def _meet(folder: Path, x: int, others: int = 1, limit: float = 30.0) -> None:
    """Wait until another item has started too: only items really running at once get past."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"started-{x}").write_text("")
    deadline = time.monotonic() + limit
    while len(list(folder.glob("started-*"))) < others + 1:
        if time.monotonic() > deadline:
            raise FatalError(f"item {x}: no other item ran at the same time")
        time.sleep(0.01)


class Total(OP):
    """Consumes stacked outputs: the list parameter and the list of files."""

    @classmethod
    def get_input_sign(cls) -> OPIOSign:
        return OPIOSign({"ys": List[int], "pairs": List[List[int]], "outs": Artifact(List[Path])})

    @classmethod
    def get_output_sign(cls) -> OPIOSign:
        return OPIOSign({"total": int, "texts": List[str], "pairs": List[List[int]]})

    def execute(self, op_in: OPIO) -> OPIO:
        texts = [p.read_text() for p in op_in["outs"]]
        return OPIO({"total": sum(op_in["ys"]), "texts": texts, "pairs": op_in["pairs"]})


class Cubes(OP):
    """A whole group at once: ``x`` is the list of the group's items; ``short`` drops one."""

    @classmethod
    def get_input_sign(cls) -> OPIOSign:
        return OPIOSign({"x": List[int], "short": Parameter(bool, default=False)})

    @classmethod
    def get_output_sign(cls) -> OPIOSign:
        return OPIOSign({"y": List[int]})

    def execute(self, op_in: OPIO) -> OPIO:
        ys = [x**3 for x in op_in["x"]]
        return OPIO({"y": ys[1:] if op_in["short"] else ys})
