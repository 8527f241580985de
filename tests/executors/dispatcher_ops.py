"""An OP the DPDispatcher tests run remotely (imported there by module path)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import List

from dflow.python import OP, OPIO, Artifact, OPIOSign


class Square(OP):
    """One slice: squares ``x``, writes ``out.txt`` (the same name for every item) and its pid."""

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
        Path("out.txt").write_text(f"{op_in['tag']}:{x * x}")
        return OPIO({"y": x * x, "out": Path("out.txt"), "pid": os.getpid()})


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
