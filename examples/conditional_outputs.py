"""Conditional outputs: a Steps whose output comes from whichever branch ran (if_expression)."""

from __future__ import annotations

import sys

from dflow import (
    InputParameter,
    Inputs,
    OutputArtifact,
    OutputParameter,
    Outputs,
    ShellOPTemplate,
    Step,
    Steps,
    Workflow,
    if_expression,
)

flip = ShellOPTemplate(
    name="flip",
    image="alpine:3",
    script="mkdir -p /tmp/outputs && echo {{inputs.parameters.side}} > /tmp/outputs/side",
    inputs=Inputs(parameters={"side": InputParameter(value="heads")}),
    outputs=Outputs(parameters={"side": OutputParameter(value_from_path="/tmp/outputs/side")}),
)

say = ShellOPTemplate(
    name="say",
    image="alpine:3",
    script="mkdir -p /tmp/outputs && echo {{inputs.parameters.word}} | tee /tmp/outputs/word",
    inputs=Inputs(parameters={"word": InputParameter()}),
    outputs=Outputs(
        parameters={"word": OutputParameter(value_from_path="/tmp/outputs/word")},
        artifacts={"file": OutputArtifact(path="/tmp/outputs/word")},
    ),
)


def build(side: str = "heads") -> Workflow:
    game = Steps(
        "game",
        outputs=Outputs(
            parameters={"said": OutputParameter(default="nothing")},
            artifacts={"file": OutputArtifact()},
        ),
    )
    coin = Step("coin", flip, parameters={"side": side})
    game.add(coin)
    heads = Step(
        "win", say, parameters={"word": "win"}, when=coin.outputs.parameters["side"] == "heads"
    )
    tails = Step(
        "lose", say, parameters={"word": "lose"}, when=coin.outputs.parameters["side"] == "tails"
    )
    game.add([heads, tails])
    is_heads = coin.outputs.parameters["side"] == "heads"
    game.outputs.parameters["said"].value_from_expression = if_expression(
        is_heads, heads.outputs.parameters["word"], tails.outputs.parameters["word"]
    )
    game.outputs.artifacts["file"].from_expression = if_expression(
        is_heads, heads.outputs.artifacts["file"], tails.outputs.artifacts["file"]
    )
    wf = Workflow("conditional-outputs")
    wf.add(Step("play", game))
    return wf


def main() -> int:
    wf = build()
    wf.submit()
    phase = wf.wait()
    play = wf.query_step(name="play")[0]
    print(f"workflow {wf.id}: {phase}; said {play.outputs.parameters['said'].value}")
    return 0 if phase == "Succeeded" else 1


if __name__ == "__main__":
    sys.exit(main())
