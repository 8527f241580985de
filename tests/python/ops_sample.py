"""OPs the runtime tests run in real subprocesses (imported there by module path)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, List, Optional, Set

from dflow.python import (
    OP,
    OPIO,
    Artifact,
    BigParameter,
    FatalError,
    OPIOSign,
    Parameter,
    TransientError,
)


class Everything(OP):
    """Takes one value of every sign type and echoes them back as outputs."""

    @classmethod
    def get_input_sign(cls) -> OPIOSign:
        return OPIOSign(
            {
                "text": str,
                "count": int,
                "ratio": float,
                "table": Dict[str, List[int]],
                "maybe": Optional[int],
                "fallback": Parameter(str, default="dft"),
                "big": BigParameter(dict),
                "one": Artifact(Path),
                "many": Artifact(List[Path]),
                "names": Artifact(Set[str]),
                "absent": Artifact(Path, optional=True),
            }
        )

    @classmethod
    def get_output_sign(cls) -> OPIOSign:
        return OPIOSign(
            {
                "text": str,
                "summary": dict,
                "pair": tuple,
                "big": BigParameter(list),
                "copy": Artifact(Path),
                "listing": Artifact(List[Path]),
                "skipped": Artifact(Path, optional=True),
            }
        )

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        os.makedirs("work/sub", exist_ok=True)
        Path("work/a.txt").write_text(op_in["one"].read_text() + "!")
        Path("work/sub/b.txt").write_text("b")
        os.makedirs("work/empty", exist_ok=True)
        return OPIO(
            {
                "text": op_in["text"],
                "summary": {
                    "count": op_in["count"],
                    "ratio": op_in["ratio"],
                    "table": op_in["table"],
                    "maybe": op_in["maybe"],
                    "fallback": op_in["fallback"],
                    "big": op_in["big"],
                    "one": op_in["one"].name,
                    "many": [_describe(p) for p in op_in["many"]],
                    "names": sorted(os.path.basename(n) for n in op_in["names"]),
                    "absent": op_in["absent"],
                },
                "pair": (1, "two"),
                "big": list(range(5)),
                "copy": Path("work/a.txt"),
                "listing": [Path("work/sub/b.txt"), Path("work/missing.txt"), Path("work/empty")],
            }
        )


def _describe(path: Optional[Path]) -> Optional[str]:
    if path is None:
        return None
    return path.read_text() if path.is_file() else "<dir>"


class Fails(OP):
    """Fails the way its input says."""

    @classmethod
    def get_input_sign(cls) -> OPIOSign:
        return OPIOSign({"how": str})

    @classmethod
    def get_output_sign(cls) -> OPIOSign:
        return OPIOSign({"out": int, "file": Artifact(Path)})

    def execute(self, op_in: OPIO) -> OPIO:
        Path("produced.txt").write_text("x")
        if op_in["how"] == "transient":
            raise TransientError("try again")
        if op_in["how"] == "fatal":
            raise FatalError("give up")
        if op_in["how"] == "crash":
            raise ZeroDivisionError("boom")
        if op_in["how"] == "badtype":
            return OPIO({"out": "not an int", "file": Path("produced.txt")})
        return OPIO({"out": 1, "file": Path("produced.txt")})


class Progress(OP):
    """Reports progress three times."""

    @classmethod
    def get_input_sign(cls) -> OPIOSign:
        return OPIOSign({"steps": int})

    @classmethod
    def get_output_sign(cls) -> OPIOSign:
        return OPIOSign({"seen": List[str]})

    def execute(self, op_in: OPIO) -> OPIO:
        self.progress_total = op_in["steps"]
        seen = []
        for i in range(1, op_in["steps"] + 1):
            self.progress_current = i
            seen.append(Path(os.environ["ARGO_PROGRESS_FILE"]).read_text())
        return OPIO({"seen": seen})


class Square(OP):
    """One slice: squares a number and writes it to a file named after it."""

    @classmethod
    def get_input_sign(cls) -> OPIOSign:
        return OPIOSign({"x": int, "src": Artifact(Path), "tag": str})

    @classmethod
    def get_output_sign(cls) -> OPIOSign:
        return OPIOSign({"y": int, "out": Artifact(Path)})

    def execute(self, op_in: OPIO) -> OPIO:
        x = op_in["x"]
        out = Path(f"result-{x}.txt")
        out.write_text(f"{op_in['tag']}:{op_in['src'].read_text()}:{x * x}")
        return OPIO({"y": x * x, "out": out})


class Gather(OP):
    """Reads a stacked artifact back as a list of paths."""

    @classmethod
    def get_input_sign(cls) -> OPIOSign:
        return OPIOSign({"outs": Artifact(List[Path])})

    @classmethod
    def get_output_sign(cls) -> OPIOSign:
        return OPIOSign({"texts": List[str]})

    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"texts": [p.read_text() for p in op_in["outs"]]})


@OP.function
def add(a: int, b: int = 10) -> {"total": int, "note": str}:  # noqa: F821, F722
    return {"total": a + b, "note": f"{a}+{b}"}
