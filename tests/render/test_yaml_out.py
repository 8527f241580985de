"""The fast YAML writer reads back, with PyYAML, as exactly what it was given."""

from __future__ import annotations

import pytest
import yaml

from dflow.render.yaml_out import dump_yaml

TRICKY_STRINGS = [
    "x", "1", "yes", "No", "null", "~", "", " lead", "trail ", "a: b", "- x", "#c", "{{x}}",
    "'q'", '"dq"', "1.5", "0x1f", "1e3", "@a", "`", "a\tb", "é", "multi\nline\n", "multi\nline",
    "with\n\nblank\n", "  indented\nx", "ends\n\n", "\n", "trailing \nspace", "tab\tin\nblock",
    "nul\x00", "crlf\r\n", "[1, 2]", "{a: 1}", "!tag", "&anchor", "*ref", "? key", "%dir", "a #b",
    "2026-11-28", "12:30", ".inf", "-", "...", "---",
]  # fmt: skip


@pytest.mark.parametrize("text", TRICKY_STRINGS)
def test_strings_round_trip_as_values_keys_and_items(text):
    value = {"v": text, text: 1, "list": [text, {"k": text}]}
    assert yaml.safe_load(dump_yaml(value)) == value


@pytest.mark.parametrize(
    "value",
    [
        {
            "list": [
                [1, 2],
                [],
                {},
                {"k": [{"a": 1, "b": [1, {"c": None}]}]},
                True,
                False,
                None,
                3.5,
                -1,
            ]
        },
        {"nested": {"x": {"y": {"z": []}}}},
        [{"a": 1}, [1, [2, [3]]], "s"],
        {"script": "import sys\nx = r'''{{inputs.parameters.x}}'''\nprint(f\"{x}\")\n"},
        {},
        [],
    ],
)
def test_structures_round_trip(value):
    assert yaml.safe_load(dump_yaml(value)) == value


def test_scripts_are_written_as_literal_blocks():
    text = dump_yaml({"source": "echo a\necho b\n"})
    assert text == "source: |\n  echo a\n  echo b\n"
