"""The local engine's evaluator of Argo template tags, expressions and ``when`` conditions."""

from __future__ import annotations

import math
from typing import Any, Dict

import pytest

from dflow.engines.local.expressions import (
    ExpressionError,
    UnresolvedReference,
    evaluate,
    evaluate_condition,
    render_value,
    substitute,
)
from dflow.errors import DflowError
from dflow.expressions import argo_concat, argo_len, argo_range, argo_sum, if_expression
from dflow.io import InputParameter, OutputParameter

SCOPE: Dict[str, Any] = {
    "workflow.name": "wf-abc12",
    "pod.name": "wf-abc12-hello-123",
    "inputs.parameters.x": "2.5",
    "inputs.parameters.n": "3",
    "inputs.parameters.my-param": "hyphen",
    "inputs.parameters.json": '{"some": {"path": "deep", "list": [10, 20]}}',
    "steps.s1.outputs.parameters.msg": "ok",
    "steps.s1.outputs.result": "heads",
    "steps.my-step.outputs.parameters.nums": "[1, 2, 3]",
    "steps.my-step.outputs.parameters.nested": "[[1, 2], [3], []]",
    "tasks.t.outputs.artifacts.a": {"s3": {"key": "k/a.tgz"}},
    "item": {"key": "v", "n": 2, "list": [1, "two"]},
    "lastRetry.exitCode": "1",
    "lastRetry.status": "Failed",
    "lastRetry.duration": "12",
    "lastRetry.message": "pod deleted",
    "retries": "2",
}


# --- expressions -----------------------------------------------------------------------------

LITERALS = [
    ("1", 1),
    ("1_000", 1000),
    ("0x1F", 31),
    ("2.5", 2.5),
    ("1e3", 1000.0),
    ("'single'", "single"),
    ('"double"', "double"),
    (r"'it\'s'", "it's"),
    (r'"tab\there"', "tab\there"),
    (r'"\u00e9"', "é"),
    ("`raw\\n`", "raw\\n"),
    ("true", True),
    ("false", False),
    ("nil", None),
    ("[1, 'a', [true]]", [1, "a", [True]]),
    ("[]", []),
    ("[1, 2,]", [1, 2]),
    ("{a: 1, 'b-c': [2], 3: nil}", {"a": 1, "b-c": [2], 3: None}),
    ("{}", {}),
]

OPERATORS = [
    ("1 + 2", 3),
    ("1 + 2.5", 3.5),
    ("'a' + 'b'", "ab"),
    ("[1] + [2]", [1, 2]),
    ("7 - 10", -3),
    ("3 * 4", 12),
    ("7 / 2", 3.5),
    ("8 / 2", 4.0),
    ("7 % 3", 1),
    ("-7 % 3", -1),
    ("2 ** 10", 1024.0),
    ("2 ^ 3", 8.0),
    ("2 ** 3 ** 2", 512.0),
    ("-2 ** 2", -4.0),
    ("1 + 2 * 3", 7),
    ("(1 + 2) * 3", 9),
    ("-(3)", -3),
    ("+4", 4),
    ("!true", False),
    ("not false", True),
    ("1 == 1.0", True),
    ("'1' == 1", False),
    ("nil == nil", True),
    ("[1, 2] == [1, 2]", True),
    ("{a: 1} == {a: 1}", True),
    ("true == 1", False),
    ("1 != 2", True),
    ("1 < 2", True),
    ("2 <= 2.0", True),
    ("3 > 4", False),
    ("'b' >= 'a'", True),
    ("true && false", False),
    ("true and true", True),
    ("false || true", True),
    ("false or false", False),
    ("false && undefined_name", False),
    ("true || undefined_name", True),
    ("1 < 2 ? 'yes' : 'no'", "yes"),
    ("1 > 2 ? 'yes' : 2 > 1 ? 'inner' : 'no'", "inner"),
    ("2 in [1, 2]", True),
    ("2.0 in [1, 2]", True),
    ("'k' in {k: 1}", True),
    ("3 not in [1, 2]", True),
    ("'abc' matches '^a.c$'", True),
    ("'abc' not matches 'z'", True),
    ("'abc' contains 'b'", True),
    ("'abc' startsWith 'ab'", True),
    ("'abc' endsWith 'bc'", True),
    ("1..3", [1, 2, 3]),
    ("nil ?? 'd'", "d"),
    ("'v' ?? 'd'", "v"),
    ("not_there.x ?? 'fallback'", "fallback"),
    ("[1, 2, 3][-1]", 3),
    ("[1, 2, 3][1:]", [2, 3]),
    ("'hello'[1:3]", "el"),
    ("{a: {b: 2}}.a.b", 2),
    ("{a: 1}.missing", None),
    ("{a: 1}?.a", 1),
    ("nil?.a", None),
]

SCOPED = [
    ("inputs.parameters.x", "2.5"),
    ("inputs.parameters['x']", "2.5"),
    ("inputs.parameters['my-param']", "hyphen"),
    ("steps['s1'].outputs.parameters['msg']", "ok"),
    ("steps.s1.outputs.parameters.msg", "ok"),
    ("steps['s1'].outputs.result == 'heads'", True),
    ("tasks.t.outputs.artifacts.a.s3.key", "k/a.tgz"),
    ("item", {"key": "v", "n": 2, "list": [1, "two"]}),
    ("item.key", "v"),
    ("item['n'] + 1", 3),
    ("item.list[1]", "two"),
    ("workflow.name", "wf-abc12"),
    ("pod.name", "wf-abc12-hello-123"),
    ("retries", "2"),
    ("steps.s1.outputs", {"parameters": {"msg": "ok"}, "result": "heads"}),
    ("len(steps.s1.outputs.parameters)", 1),
    ("asInt(lastRetry.exitCode) == 1", True),
    ("lastRetry.exitCode != '2'", True),
    ("asInt(lastRetry.duration) < 120 && lastRetry.status != 'Error'", True),
    ("lastRetry.message matches 'imminent node shutdown|pod deleted'", True),
]

FUNCTIONS = [
    ("asInt('42')", 42),
    ("asInt(4.9)", 4),
    ("asFloat('2.5') * 2", 5.0),
    ("asFloat(3)", 3.0),
    ("int('7')", 7),
    ("int(7.8)", 7),
    ("float('1e2')", 100.0),
    ("string(1)", "1"),
    ("string(1.5)", "1.5"),
    ("string(2.0)", "2"),
    ("string(true)", "true"),
    ("string([1, 'a'])", "[1 a]"),
    ("toJson([1, 2])", "[1,2]"),
    ("toJson({b: 1.0, a: 'x'})", '{"b":1,"a":"x"}'),
    ("toJson(nil)", "null"),
    ("jsonpath(inputs.parameters.json, '$.some.path')", "deep"),
    ("jsonpath(inputs.parameters.json, '$.some.list[1]')", 20),
    ("jsonpath('{\"a-b\": 1}', \"$['a-b']\")", 1),
    ("len('héllo')", 5),
    ("len([1, 2])", 2),
    ("len({a: 1})", 1),
    ("sum([1, 2, 3])", 6),
    ("sum([1, 2.5])", 3.5),
    ("sum([])", 0),
    ("min(3, 1, 2)", 1),
    ("max([1, 5, 2])", 5),
    ("max('a', 'b')", "b"),
    ("abs(-2)", 2),
    ("flatten([[1, [2]], 3, []])", [1, 2, 3]),
    ("keys({a: 1})", ["a"]),
    ("values({a: 1})", [1]),
    ("join(['a', 'b'], '-')", "a-b"),
    ("split('a,b', ',')", ["a", "b"]),
    ("upper('a')", "A"),
    ("trim('  a ')", "a"),
    ("type(1.5)", "float"),
    ("filter([1, 2], { # > 1})", [2]),
    ("filter([1, 2, 3], # % 2 == 1)", [1, 3]),
    ("map([1, 2], { # * 2 })", [2, 4]),
    ("map([{n: 1}, {n: 2}], {.n})", [1, 2]),
    ("map([{n: 1}], {#.n + 1})", [2]),
    ("map([[1, 2], [3]], {len(#)})", [2, 1]),
    ("all([1, 2], {# > 0})", True),
    ("any([1, 2], {# > 1})", True),
    ("none([1, 2], {# > 5})", True),
    ("one([1, 2], {# > 1})", True),
    ("count([1, 2, 3], {# >= 2})", 2),
    ("find([1, 2, 3], {# > 1})", 2),
    ("findIndex([1, 2, 3], {# > 5})", -1),
    ("sortBy([{p: 2, v: 'b'}, {p: 0, v: 'a'}], {#.p})", [{"p": 0, "v": "a"}, {"p": 2, "v": "b"}]),
    ("sortBy(['b', 'c', 'a'], {#}, 'desc')", ["c", "b", "a"]),
    ("sprig.sha1sum('abc')", "a9993e364706816aba3e25717850c26c9cd0d89d"),  # FIPS 180 vector
    ("sprig.fromJson('[1, {\"a\": null}]')", [1, {"a": None}]),
    ("sprig.toJson({a: [1]})", '{"a":[1]}'),
    ("sprig.untilStep(0, 6, 2)", [0, 2, 4]),
    ("sprig.untilStep(3, 0, -1)", [3, 2, 1]),
    ("sprig.untilStep(0, 3, 0)", []),
    ("sprig.until(3)", [0, 1, 2]),
    ("sprig.until(-2)", [0, -1]),
    ("sprig.seq(3)", "1 2 3"),
    ("sprig.seq(2, 4)", "2 3 4"),
    ("sprig.seq(0, 2, 5)", "0 2 4"),
    ("sprig.seq(4, 2)", "4 3 2"),
    ("sprig.concat([1], [2, 3], [])", [1, 2, 3]),
    ("sprig.trim('\\t x \\n')", "x"),
    ("sprig.upper('ab')", "AB"),
    ("sprig.lower('AB')", "ab"),
    ("sprig.int('12')", 12),
    ("sprig.int('nope')", 0),
    ("sprig.int(3.9)", 3),
    ("sprig.float64('2.5')", 2.5),
    ("sprig.float64('x')", 0.0),
    ("sprig.atoi('-5')", -5),
    ("sprig.atoi('5.0')", 0),
    ("sprig.add(1, '2', 3)", 6),
    ("sprig.sub(5, 7)", -2),
    ("sprig.mul(2, 3)", 6),
    ("sprig.div(-7, 2)", -3),
    ("sprig.mod(-7, 2)", -1),
    ("sprig.replace('a', 'b', 'aXa')", "bXb"),
    ("sprig.trimSuffix('.txt', 'f.txt')", "f"),
    ("sprig.trimPrefix('v', 'v1')", "1"),
    ("sprig.splitList(',', 'a,b')", ["a", "b"]),
    ("sprig.join('-', [1, 'a'])", "1-a"),
    ("sprig.default('d', '')", "d"),
    ("sprig.empty([])", True),
    ("sprig.toString(2.0)", "2"),
]


@pytest.mark.parametrize("expr,expected", LITERALS + OPERATORS + SCOPED + FUNCTIONS)
def test_evaluate(expr: str, expected: Any) -> None:
    # GIVEN an expression WHEN evaluated THEN value and type are expr-lang's
    value = evaluate(expr, SCOPE)
    assert value == expected
    assert type(value) is type(expected)


def _out(step: str, name: str) -> Any:
    return OutputParameter(name=name).bound(f"steps.{step}", None)


def test_what_our_rendering_emits() -> None:
    # GIVEN expressions built by the DSL (the contract with dflow/expressions.py)
    nums, nested, msg = _out("my-step", "nums"), _out("my-step", "nested"), _out("s1", "msg")
    x = InputParameter(name="x")
    cases = [
        (x < 3, True),
        (x >= 2.5, True),
        (msg == "ok", True),
        (msg != "ok", False),
        ((x < 3) & (msg == "ok"), True),
        ((x > 3) | (msg == "no"), False),
        (~(x < 3), False),
        (if_expression(x < 3, msg, "'other'"), "ok"),  # a string branch is an expression
        (if_expression(x > 3, msg, "'other'"), "other"),
        (argo_range(3), "[0,1,2]"),
        (argo_range(1, 7, 2), "[1,3,5]"),
        (argo_range(x.__class__(name="n")), "[0,1,2]"),
        (argo_range(argo_len(nums)), "[0,1,2]"),
        (argo_len(nums), 3),
        (argo_sum(nums), 6),
        (argo_len(nums) > 2, True),
        (argo_concat(nested), "[1,2,3]"),
    ]
    for var, expected in cases:
        # WHEN evaluated THEN the value is what Argo computes
        assert evaluate(var.expr, SCOPE) == expected, var.expr
    # AND in a tag (as in when / withParam / parameter values) it renders like Argo
    assert substitute(str(argo_range(2)), SCOPE) == "[0,1]"
    assert substitute(str(x < 3), SCOPE) == "true"
    assert evaluate_condition(substitute(str(argo_len(nums) < 2), SCOPE)) is False


def test_argo_retry_example_after_substitution() -> None:
    # GIVEN Argo's documented retry expression mixing a simple tag and an expression
    text = (
        'asInt(lastRetry.exitCode) > 0 && lastRetry.status != "Error" && '
        "asInt(lastRetry.duration) < 120 && ({{inputs.parameters.safe}} == true || "
        "lastRetry.message matches 'imminent node shutdown|pod deleted')"
    )
    scope = dict(SCOPE, **{"inputs.parameters.safe": "false"})
    # WHEN the tag is substituted and the expression evaluated THEN the regex branch decides
    assert evaluate(substitute(text, scope), scope) is True
    other = dict(scope, **{"lastRetry.message": "x"})
    assert evaluate(substitute(text, other), other) is False


ERRORS = [
    # (expression, position, words the message must contain)
    ("'a' < 1", 4, ["compare", "'a' (string)", "1 (int)"]),
    ("inputs.parameters.x > 2", 20, ["compare", "'2.5' (string)", "2 (int)"]),
    ("1 + 'a'", 2, ["invalid operation", "1 (int)", "'a' (string)"]),
    ("'a' * 2", 4, ["invalid operation"]),
    ("1.5 % 2", 4, ["%"]),
    ("1 / 0", 2, ["divide by zero"]),
    ("asFloat(x) <", 12, ["unexpected end"]),
    ("1 +* 2", 3, ["unexpected '*'"]),
    ("(1 + 2", 6, ["expected ')'"]),
    ("[1, 2", 5, ["expected ',' or ']'"]),
    ("'abc", 0, ["unterminated string"]),
    ("1 @ 2", 2, ["unexpected character '@'"]),
    ("foo(1)", 0, ["unknown function foo()"]),
    ("sprig.nope(1)", 0, ["unknown function sprig.nope()"]),
    ("len(1, 2)", 0, ["len() takes 1 argument"]),
    ("sprig.untilStep(1)", 0, ["takes 3 argument"]),
    ("len(5)", 0, ["len() of 5 (int)"]),
    ("asInt('1.5')", 0, ["asInt", "cannot convert '1.5' to int"]),
    ("asFloat('abc')", 0, ["cannot convert 'abc' to float"]),
    ("sprig.fromJson('{bad')", 0, ["not JSON"]),
    ("sprig.untilStep(0, '3', 1)", 0, ["int arguments", "'3' (string)"]),
    ("jsonpath('{}', '$.a')", 0, ["no field 'a'"]),
    ("1 && true", 2, ["needs a bool", "1 (int)"]),
    ("!1", 0, ["needs a bool"]),
    ("-'a'", 0, ["needs a number"]),
    ("1 ? 2 : 3", 2, ["not a bool"]),
    ("[1][5]", 3, ["out of range"]),
    ("nil.a", 3, ["from nil"]),
    ("# > 1", 0, ["only allowed inside a closure"]),
    ("filter([1, 'a'], {# > 0})", 20, ["compare", "'a' (string)"]),
    ("filter([1], {#})", 0, ["not a bool"]),
    ("1 in 'abc'", 2, ["in"]),
    ("'a' matches '('", 4, ["regular expression"]),
    ("", 0, ["empty expression"]),
    ("1 2", 2, ["unexpected 2"]),
    (r"'\q'", 1, ["escape"]),
]


@pytest.mark.parametrize("expr,position,words", ERRORS)
def test_errors_name_the_expression_and_position(expr: str, position: int, words: Any) -> None:
    with pytest.raises(ExpressionError) as info:
        evaluate(expr, SCOPE)
    err = info.value
    assert isinstance(err, DflowError)
    assert not isinstance(err, UnresolvedReference)
    assert err.expression == expr
    assert err.position == position, str(err)
    for word in words:
        assert word in str(err), str(err)
    assert repr(expr) in str(err) and f"at position {position}" in str(err)


@pytest.mark.parametrize(
    "expr,name,position",
    [
        ("steps['s9'].outputs.parameters['p']", "steps.s9.outputs.parameters.p", 0),
        ("1 + inputs.parameters.missing", "inputs.parameters.missing", 4),
        ("item.nokey", "item.nokey", 0),
        ("asInt(lastRetry.exitCod)", "lastRetry.exitCod", 6),
        ("nothing", "nothing", 0),
    ],
)
def test_unresolved_reference_carries_the_name(expr: str, name: str, position: int) -> None:
    with pytest.raises(UnresolvedReference) as info:
        evaluate(expr, SCOPE)
    assert info.value.name == name
    assert info.value.position == position
    assert info.value.expression == expr


def test_parse_cache_does_not_leak_between_scopes() -> None:
    # GIVEN one expression text evaluated against two scopes (the parse is cached)
    assert evaluate("asInt(inputs.parameters.n) * 2", SCOPE) == 6
    assert evaluate("asInt(inputs.parameters.n) * 2", {"inputs.parameters.n": "5"}) == 10


def test_closure_sees_the_outer_scope() -> None:
    scope = {"inputs.parameters.limit": "2"}
    assert evaluate("filter([1, 2, 3], {# >= asInt(inputs.parameters.limit)})", scope) == [2, 3]
    assert evaluate("map([[1, 2]], {map(#, {# * 10})})", scope) == [[10, 20]]


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    with pytest.raises(ExpressionError):
        evaluate("(" * 5000 + "1" + ")" * 5000, {})


# --- rendering and substitution --------------------------------------------------------------


@pytest.mark.parametrize(
    "value,text",
    [
        ("plain", "plain"),
        (3, "3"),
        (3.0, "3"),
        (2.5, "2.5"),
        (-0.0, "0"),
        (1e21, "1e+21"),
        (True, "true"),
        (False, "false"),
        (None, "null"),
        ([1, 2.0, "a"], '[1,2,"a"]'),
        ({"k": [True, None], "é": 1}, '{"k":[true,null],"é":1}'),
        (math.inf, "+Inf"),
    ],
)
def test_render_value(value: Any, text: str) -> None:
    assert render_value(value) == text


SUBSTITUTIONS = [
    ("echo {{inputs.parameters.x}}", "echo 2.5"),
    ("{{ inputs.parameters.x }}|{{inputs.parameters.x}}", "2.5|2.5"),
    ("{{inputs.parameters.my-param}}", "hyphen"),
    ("{{steps.s1.outputs.parameters.msg}}", "ok"),
    ("{{workflow.name}}/{{pod.name}}", "wf-abc12/wf-abc12-hello-123"),
    ("{{item}}", '{"key":"v","n":2,"list":[1,"two"]}'),
    ("{{item.key}}-{{item.n}}-{{item.list}}", 'v-2-[1,"two"]'),
    ("{{tasks.t.outputs.artifacts.a}}", '{"s3":{"key":"k/a.tgz"}}'),
    ("{{=asInt(inputs.parameters.n) + 1}}", "4"),
    ("{{=asFloat(inputs.parameters.x) * 2}}", "5"),
    ("{{=asFloat(inputs.parameters.x) / 2}}", "1.25"),
    ("{{=1 < 2}} {{=1 > 2}}", "true false"),
    ("{{=nil}}", "null"),
    ("{{=toJson(sprig.untilStep(0, 3, 1))}}", "[0,1,2]"),
    ("{{=sprig.untilStep(0, 3, 1)}}", "[0,1,2]"),
    ("{{=item}}", '{"key":"v","n":2,"list":[1,"two"]}'),
    ("{{=inputs.parameters['my-param']}}", "hyphen"),
    ("{{=toJson({a: {b: 1}})}}", '{"a":{"b":1}}'),
    ("{{=map([1, 2], {# * 2})}}", "[2,4]"),
    ("{{='}}' + 'x'}}", "}}x"),
    ("{{=asInt('{{inputs.parameters.n}}') * 2}}", "6"),
    ("{{={{inputs.parameters.n}} + 1}}", "4"),
    ("no tags at all", "no tags at all"),
    ("a single { brace } and }} alone", "a single { brace } and }} alone"),
    ("", ""),
]


@pytest.mark.parametrize("text,expected", SUBSTITUTIONS)
def test_substitute(text: str, expected: str) -> None:
    assert substitute(text, SCOPE) == expected


def test_inserted_values_are_not_substituted_again() -> None:
    # GIVEN values that look like tags
    scope = {
        "inputs.parameters.a": "{{inputs.parameters.b}}",
        "inputs.parameters.b": "B",
        "inputs.parameters.c": "{{=1 + 1}}",
    }
    # WHEN substituted THEN they are inserted verbatim, in tags and in expressions alike
    text = "{{inputs.parameters.a}} {{inputs.parameters.c}} {{=inputs.parameters.a}}"
    assert substitute(text, scope) == "{{inputs.parameters.b}} {{=1 + 1}} {{inputs.parameters.b}}"


def test_unknown_simple_tag_raises_or_stays() -> None:
    text = "x={{inputs.parameters.x}} y={{steps.later.outputs.result}} z={{=steps.later.id}}"
    with pytest.raises(UnresolvedReference) as info:
        substitute(text, SCOPE)
    assert info.value.name == "steps.later.outputs.result"
    assert info.value.position == text.index("{{steps")
    # WHEN not strict THEN only what is known is replaced, the rest stays for later
    assert substitute(text, SCOPE, strict=False) == (
        "x=2.5 y={{steps.later.outputs.result}} z={{=steps.later.id}}"
    )


def test_non_strict_leaves_an_expression_with_an_unknown_inner_tag() -> None:
    text = "{{=asInt('{{steps.later.outputs.result}}') + 1}} {{=asInt(inputs.parameters.n) + 1}}"
    assert substitute(text, SCOPE, strict=False) == (
        "{{=asInt('{{steps.later.outputs.result}}') + 1}} 4"
    )
    with pytest.raises(UnresolvedReference, match="steps.later.outputs.result"):
        substitute(text, SCOPE)


def test_non_strict_still_reports_broken_expressions() -> None:
    with pytest.raises(ExpressionError) as info:
        substitute("{{='a' < 1}}", SCOPE, strict=False)
    assert "'a' (string)" in str(info.value)


@pytest.mark.parametrize(
    "text,reason",
    [
        ("echo {{inputs.parameters.x", "unclosed tag"),
        ("echo {{=1 + 1", "unclosed expression tag"),
        ("{{='abc}}", "unclosed expression tag"),
        ("{{= }}", "empty expression tag"),
    ],
)
def test_malformed_tags(text: str, reason: str) -> None:
    with pytest.raises(ExpressionError, match=reason):
        substitute(text, SCOPE)


def test_long_script_with_many_tags() -> None:
    # GIVEN a 2 KB script with ten tags, substituted twice (the second time from the cache)
    scope = {f"inputs.parameters.p{i}": f"v{i}" for i in range(10)}
    script = "".join(f"line {i}: {{{{inputs.parameters.p{i}}}}}\n" + "#" * 190 for i in range(10))
    for _ in range(2):
        out = substitute(script, scope)
        assert "{{" not in out
        assert [f"line {i}: v{i}" in out for i in range(10)] == [True] * 10
        assert len(out) == len(script) - 10 * len("{{inputs.parameters.p0}}") + 10 * 2


# --- when conditions -------------------------------------------------------------------------

CONDITIONS = [
    ("2 < 3", True),
    ("3 < 2", False),
    ("10 > 9", True),
    ("'10' > '9'", False),
    ("2.5 <= 2.5", True),
    ("1 == 1.0", True),
    ("'a' == 'a'", True),
    ('"a" != "b"', True),
    ("heads == heads", True),
    ("tails == heads", False),
    ("Succeeded != Failed", True),
    ("true", True),
    ("false", False),
    (" true ", True),
    ("!false", True),
    ("!(1 < 2)", False),
    ("true && false", False),
    ("false || true", True),
    ("(1 < 2) && (heads == heads || 1 > 2)", True),
    ("1 < 2 && 2 < 3 || false", True),
    ("true == true", True),
    ("true == 'true'", False),
    ("2 == '2'", False),
    ("abc =~ '^a.c$'", True),
    ("'abc' !~ 'z'", True),
    ("1 + 2 == 3", True),
    ("2 ** 3 == 8", True),
    ("-1 < 0", True),
    ("'a' + 'b' == ab", True),
    ("sub.domain == sub.domain", True),
    ("'it\\'s' == \"it's\"", True),
]


@pytest.mark.parametrize("text,expected", CONDITIONS)
def test_evaluate_condition(text: str, expected: bool) -> None:
    assert evaluate_condition(text) is expected


def test_when_after_substitution() -> None:
    # GIVEN the classic coin flip condition written with a simple tag
    when = "{{steps.s1.outputs.result}} == heads"
    assert evaluate_condition(substitute(when, SCOPE)) is True
    assert evaluate_condition(substitute("{{steps.s1.outputs.result}} == tails", SCOPE)) is False


@pytest.mark.parametrize(
    "text,words",
    [
        ("2 < 'a'", ["cannot compare", "'a' (string)"]),
        ("heads ==", ["unexpected end"]),
        ("1 && true", ["not a bool"]),
        ("(1 < 2", ["expected ')'"]),
        ("hello world == x", ["unexpected 'world'"]),
        ("a @ b", ["unexpected '@'", "quote"]),
        ("heads", ["not a bool"]),
        ("1 + 2", ["not a bool"]),
        ("", ["empty condition"]),
        ("abc =~ '('", ["regular expression"]),
        ("a - b", ["not a number"]),
    ],
)
def test_condition_errors_name_the_condition(text: str, words: Any) -> None:
    with pytest.raises(ExpressionError) as info:
        evaluate_condition(text)
    message = str(info.value)
    assert "condition" in message
    assert repr(text.strip()) in message or repr(text) in message
    for word in words:
        assert word in message, message
