"""dflow 1.x's ``dflow.python.opio``: the signs of an OP's inputs and outputs, which live in
``dflow.python.signs``."""

from __future__ import annotations

from .signs import OPIO, Artifact, BigParameter, OPIOSign, Parameter

__all__ = ["OPIO", "OPIOSign", "Artifact", "Parameter", "BigParameter"]
