"""An OP the DPDispatcher tests run remotely (imported there by module path)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import List

from dflow.python import OP, OPIO, Artifact, OPIOSign


class Square(OP):
    """One slice: squares ``x``, writes ``out-<x>.txt`` and gives its pid.

    Each item's file has a name of its own: a stacked artifact keeps the paths the OP gave (as in
    dflow 1.x without ``create_dir``), so same-named files of different items would collide.
    """

    @classmethod
    def get_input_sign(cls) -> OPIOSign:
        return OPIOSign({"x": int, "tag": str})

    @classmethod
    def get_output_sign(cls) -> OPIOSign:
        return OPIOSign({"y": int, "out": Artifact(Path), "pid": int})

    def execute(self, op_in: OPIO) -> OPIO:
        x = op_in["x"]
        if x < 0:
            raise ValueError(f"item {x} is negative")
        out = Path(f"out-{x}.txt")
        out.write_text(f"{op_in['tag']}:{x * x}")
        return OPIO({"y": x * x, "out": out, "pid": os.getpid()})


class Gather(OP):
    """Reads a stacked artifact back as a list of files, in item order."""

    @classmethod
    def get_input_sign(cls) -> OPIOSign:
        return OPIOSign({"outs": Artifact(List[Path])})

    @classmethod
    def get_output_sign(cls) -> OPIOSign:
        return OPIOSign({"texts": List[str]})

    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"texts": [p.read_text() for p in op_in["outs"]]})
