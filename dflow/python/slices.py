"""``Slices``: how a fanned-out Python OP step splits its inputs and stacks its outputs."""

from __future__ import annotations

from typing import Any, List, Optional

from ..errors import InvalidWorkflowError
from .errors import SignError
from .signs import Artifact, OPIOSign, as_sign

__all__ = ["FIELDS", "Slices"]


# the order dflow 1.x writes the fields of a Slices in
FIELDS = (
    "input_parameter",
    "input_artifact",
    "output_parameter",
    "output_artifact",
    "sub_path",
    "slices",
    "group_size",
    "shuffle",
    "random_seed",
    "pool_size",
    "pool_timeout",
    "register_first_only",
    "create_dir",
    "raise_for_group",
)


class Slices:
    """Slice list inputs per item of a fan-out and stack the outputs back in item order.

    Args:
        slices: an item's slice index, ``"{{item}}"`` by default (``"{{item.order}}"`` with
            ``sub_path``): after Argo's substitution an int, a JSON list of ints, or a Python
            expression of them (``"int('{{item}}')"``).
        input_parameter / input_artifact: inputs given as a whole list; each item gets its element.
        output_parameter / output_artifact: outputs stacked into one list parameter / one artifact.
        sub_path: accepted for compatibility; the container always takes its slice of the catalog.
        group_size: run the items in groups of this many consecutive items, one pod per group;
            the stacked outputs stay one entry per item, in item order.
        pool_size: worker processes that run the items of one group in parallel (``-1``: one per
            item of the group); without ``group_size`` every pod has one item and it has no effect.
        pool_timeout: seconds a group's pool may take for all its items before the pod fails.
        shuffle / random_seed: with ``group_size``, cut the groups from the item positions in
            the order ``random.seed(random_seed); random.shuffle(positions)`` gives (as dflow
            1.x does), e.g. to spread costly neighbouring items; the stacked outputs stay in item
            order. Without ``group_size`` it changes nothing.
        register_first_only: lineage registration of the first slice only; there is no lineage
            here, so it has nothing to change (as in the original without lineage).
        create_dir: each item's output artifacts in a directory of their own (``<item>/``);
            without it the items' files keep the paths the OP gave, as in the original (a pod
            running a group of items always keeps them apart).
        raise_for_group: whether a group pod fails when any of its items fails. Here a group
            pod always fails then (its retry covers the group), whatever the value; the
            original with False (its default) passes the other items' outputs on.
    """

    def __init__(
        self,
        slices: Optional[str] = None,
        input_parameter: Optional[List[str]] = None,
        input_artifact: Optional[List[str]] = None,
        output_parameter: Optional[List[str]] = None,
        output_artifact: Optional[List[str]] = None,
        sub_path: bool = False,
        group_size: Optional[int] = None,
        shuffle: bool = False,
        random_seed: int = 0,
        pool_size: Optional[int] = None,
        pool_timeout: Optional[int] = None,
        register_first_only: bool = False,
        create_dir: bool = False,
        raise_for_group: bool = False,
    ) -> None:
        _check_count("group_size", group_size, allow_all=False)
        _check_count("pool_size", pool_size, allow_all=True)
        if pool_timeout is not None and (
            isinstance(pool_timeout, bool)
            or not isinstance(pool_timeout, (int, float))
            or pool_timeout <= 0
        ):
            raise InvalidWorkflowError(
                f"Slices: pool_timeout must be positive seconds, got {pool_timeout!r}"
            )
        if isinstance(random_seed, bool) or not isinstance(random_seed, int):
            raise InvalidWorkflowError(f"Slices: random_seed must be an int, got {random_seed!r}")
        if slices is None:
            slices = "{{item.order}}" if sub_path and group_size is None else "{{item}}"
        self.slices = str(slices)
        self.input_parameter = list(input_parameter or [])
        self.input_artifact = list(input_artifact or [])
        self.output_parameter = list(output_parameter or [])
        self.output_artifact = list(output_artifact or [])
        self.sub_path = sub_path
        self.group_size = group_size
        self.shuffle = bool(shuffle)
        self.random_seed = random_seed
        self.pool_size = pool_size
        self.pool_timeout = pool_timeout
        self.register_first_only = register_first_only
        self.create_dir = create_dir
        self.raise_for_group = raise_for_group

    @property
    def inputs(self) -> List[str]:
        return self.input_parameter + self.input_artifact

    def check(self, op: str, input_sign: OPIOSign, output_sign: OPIOSign) -> None:
        """Every sliced name must be an input/output of the OP of the matching kind."""
        lists = (
            ("input_parameter", self.input_parameter, input_sign, False),
            ("input_artifact", self.input_artifact, input_sign, True),
            ("output_parameter", self.output_parameter, output_sign, False),
            ("output_artifact", self.output_artifact, output_sign, True),
        )
        for field, names, sign, artifact in lists:
            for key in names:
                if key not in sign:
                    where = "input" if field.startswith("input") else "output"
                    raise SignError(
                        f"OP {op}: Slices.{field} names {key!r}, which is not an {where} of the OP "
                        f"(it has: {', '.join(sign) or 'none'})"
                    )
                if isinstance(as_sign(sign[key]), Artifact) != artifact:
                    kind = "an artifact" if artifact else "a parameter"
                    raise SignError(f"OP {op}: Slices.{field} names {key!r}, which is not {kind}")

        if self.group_size is not None and self.slices.replace(" ", "") != "{{item}}":
            raise InvalidWorkflowError(
                f"OP {op}: Slices(group_size={self.group_size}) needs slices='{{{{item}}}}' "
                f"(each item is its slice index), got slices={self.slices!r}"
            )

    def evalable_repr(self, imports: Any) -> str:
        """Python source that makes these Slices again: the arguments not left at default."""
        import inspect

        from ..pyrepr import evalable_repr

        params = inspect.signature(Slices.__init__).parameters
        default_slices = (
            "{{item.order}}" if self.sub_path and self.group_size is None else "{{item}}"
        )
        given = {}
        for k in FIELDS:
            v, default = getattr(self, k), params[k].default
            if v == default or (default is None and v in ([], {})):
                continue
            if k == "slices" and v == default_slices:
                continue
            given[k] = v
        imports.add(("dflow.python", "Slices"))
        return "Slices(%s)" % ", ".join(
            f"{k}={evalable_repr(v, imports)}" for k, v in given.items()
        )

    def __repr__(self) -> str:
        grouping = ""
        if self.group_size is not None:
            grouping += f", group_size={self.group_size}"
        if self.pool_size is not None:
            grouping += f", pool_size={self.pool_size}"
        if self.shuffle:
            grouping += f", shuffle=True, random_seed={self.random_seed}"
        return (
            f"Slices({self.slices!r}, input_parameter={self.input_parameter}, "
            f"input_artifact={self.input_artifact}, output_parameter={self.output_parameter}, "
            f"output_artifact={self.output_artifact}{grouping})"
        )


def _check_count(field: str, value: Any, allow_all: bool) -> None:
    """``group_size``/``pool_size`` are positive ints (``pool_size=-1``: as many as items)."""
    if value is None:
        return
    ok = isinstance(value, int) and not isinstance(value, bool)
    ok = ok and (value > 0 or (allow_all and value == -1))
    if not ok:
        wanted = "a positive int or -1" if allow_all else "a positive int"
        raise InvalidWorkflowError(f"Slices: {field} must be {wanted}, got {value!r}")


def is_reference(value: Any) -> bool:
    """True for a value only known at run time (a reference or a ``{{...}}`` string)."""
    from ..expressions import ArgoVar

    return isinstance(value, ArgoVar) or (isinstance(value, str) and "{{" in value)
