"""Parameter values decode by their sign: strings stay strings, whatever they look like."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple, Union

import pytest

from dflow.python.runtime.codec import decode, encode


@pytest.mark.parametrize(
    "value, signed",
    [
        ("123", str),
        ("123", Optional[str]),
        ("true", Union[str, int]),
        ("see py/thing", str),
        (None, Optional[str]),
        (7, int),
        (1.5, float),
        ([1, 2], List[int]),
        ({"a": [1]}, Dict[str, List[int]]),
        ((1, 2), Tuple[int, int]),
        ({"x": None}, Any),
    ],
)
def test_round_trip(value, signed):
    assert decode(encode(value), signed) == value


def test_text_that_only_mentions_py_is_not_unpickled():
    assert decode("see py/thing", Any) == "see py/thing"
