"""The in-container runtime, run for real in a subprocess with a directory standing for /tmp."""

from __future__ import annotations

import json
import os
from pathlib import Path

import ops_sample
from harness import run_template

from dflow.python import PythonOPTemplate
from dflow.storage.catalog import read_catalog, write_catalog


def _prepare_everything(root: Path) -> None:
    arts = root / "inputs" / "artifacts"
    (arts / "one").parent.mkdir(parents=True)
    (arts / "one").write_text("hello")
    many = arts / "many"
    (many / "d").mkdir(parents=True)
    (many / "d" / "x.txt").write_text("X")
    (many / "y.txt").write_text("Y")
    write_catalog(str(many), ["y.txt", "gone.txt", "d/x.txt"])
    names = arts / "names"
    names.mkdir()
    (names / "n1").write_text("")
    write_catalog(str(names), ["n1"])
    big = root / "inputs" / "parameters" / "big"
    big.parent.mkdir(parents=True)
    big.write_text(json.dumps({"k": "v" * 1000}))


def test_every_sign_type_round_trips(tmp_path: Path) -> None:
    # GIVEN inputs of every kind placed where Argo would put them
    root = tmp_path / "root"
    _prepare_everything(root)
    template = PythonOPTemplate(ops_sample.Everything)
    text = "quotes ' \" ''' and\nnewlines {{ not a tag }} \\n\n"
    # WHEN the rendered script runs
    proc = run_template(
        template,
        root,
        {"text": text, "count": 3, "ratio": 2, "table": {"a": [1, 2]}, "maybe": None},
    )
    # THEN every input reached the OP decoded by its sign, and outputs are laid out
    assert proc.returncode == 0, proc.stderr
    params = root / "outputs" / "parameters"
    assert (params / "text").read_text() == text + "\n"  # one newline added for Argo to drop
    summary = json.loads((params / "summary").read_text())
    assert summary == {
        "count": 3,
        "ratio": 2,
        "table": {"a": [1, 2]},
        "maybe": None,
        "fallback": "dft",
        "big": {"k": "v" * 1000},
        "one": "one",
        "many": ["Y", None, "X"],
        "names": ["n1"],
        "absent": None,
    }
    assert "py/tuple" in (params / "pair").read_text()
    assert json.loads((params / "big").read_text()) == [0, 1, 2, 3, 4]
    copy = root / "outputs" / "artifacts" / "copy"
    assert read_catalog(str(copy)) == [str(copy / "work" / "a.txt")]
    assert (copy / "work" / "a.txt").read_text() == "hello!"
    listing = root / "outputs" / "artifacts" / "listing"
    assert read_catalog(str(listing)) == [
        str(listing / "work" / "sub" / "b.txt"),
        None,
        str(listing / "work" / "empty"),
    ]
    assert (listing / "work" / "empty").is_dir()
    assert not (root / "outputs" / "artifacts" / "skipped").exists()
    assert [p.name for p in (root / "outputs").iterdir()] != []
    assert not [p for p in (root / "outputs").iterdir() if p.name.startswith(".staging")]


def test_outputs_feed_the_next_op(tmp_path: Path) -> None:
    # GIVEN the output directory of one run used as the input of the next (as Argo would pass it)
    first = tmp_path / "first"
    _prepare_everything(first)
    template = PythonOPTemplate(ops_sample.Everything)
    args = {"text": "t", "count": 1, "ratio": 0.5, "table": {}, "maybe": 4}
    assert run_template(template, first, args).returncode == 0
    second = tmp_path / "second"
    _prepare_everything(second)
    arts = second / "inputs" / "artifacts"
    for name in ("one", "many"):
        target = arts / name
        if target.is_dir():
            import shutil

            shutil.rmtree(target)
        else:
            target.unlink()
    os.replace(first / "outputs" / "artifacts" / "copy", arts / "one")
    os.replace(first / "outputs" / "artifacts" / "listing", arts / "many")
    # WHEN the second run reads them
    proc = run_template(template, second, args)
    # THEN a single-path artifact keeps its file, and a list keeps order and None for missing
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((second / "outputs" / "parameters" / "summary").read_text())
    assert summary["one"] == "a.txt"
    assert summary["many"] == ["b", None, "<dir>"]
    assert summary["maybe"] == 4


def _fails(tmp_path: Path, how: str):
    root = tmp_path / how
    proc = run_template(PythonOPTemplate(ops_sample.Fails), root, {"how": how})
    return root, proc


def test_transient_error_exits_1_and_writes_nothing(tmp_path: Path) -> None:
    root, proc = _fails(tmp_path, "transient")
    assert proc.returncode == 1
    assert "try again" in proc.stderr
    assert not (root / "outputs").exists()


def test_fatal_error_exits_2(tmp_path: Path) -> None:
    root, proc = _fails(tmp_path, "fatal")
    assert proc.returncode == 2
    assert "give up" in proc.stderr
    assert not (root / "outputs").exists()


def test_unexpected_exception_exits_3(tmp_path: Path) -> None:
    _, proc = _fails(tmp_path, "crash")
    assert proc.returncode == 3
    assert "ZeroDivisionError" in proc.stderr


def test_output_type_error_names_op_key_and_types_and_writes_nothing(tmp_path: Path) -> None:
    root, proc = _fails(tmp_path, "badtype")
    assert proc.returncode == 2
    assert "OP Fails" in proc.stderr and "'out'" in proc.stderr
    assert "int" in proc.stderr and "str" in proc.stderr
    assert not (root / "outputs").exists()


def test_input_type_error_is_fatal(tmp_path: Path) -> None:
    root = tmp_path / "root"
    proc = run_template(PythonOPTemplate(ops_sample.Progress), root, {"steps": "many"})
    assert proc.returncode == 2
    assert "OP Progress: input 'steps' should be int, got str 'many'" in proc.stderr


def test_success_writes_outputs_and_success_tag(tmp_path: Path) -> None:
    root = tmp_path / "root"
    template = PythonOPTemplate(ops_sample.Fails).success_tag_writer("/tmp/outputs/success_tag")
    proc = run_template(template, root, {"how": "ok"})
    assert proc.returncode == 0, proc.stderr
    assert (root / "outputs" / "parameters" / "out").read_text() == "1"
    assert (root / "outputs" / "success_tag").read_text() == "1"


def test_progress_is_written_for_argo(tmp_path: Path) -> None:
    root = tmp_path / "root"
    progress = tmp_path / "progress"
    proc = run_template(
        PythonOPTemplate(ops_sample.Progress),
        root,
        {"steps": 3},
        extra_env={"ARGO_PROGRESS_FILE": str(progress)},
    )
    assert proc.returncode == 0, proc.stderr
    seen = json.loads((root / "outputs" / "parameters" / "seen").read_text())
    assert seen == ["1/3", "2/3", "3/3"]


def test_function_op_uses_defaults(tmp_path: Path) -> None:
    root = tmp_path / "root"
    proc = run_template(PythonOPTemplate(ops_sample.add), root, {"a": 5})
    assert proc.returncode == 0, proc.stderr
    assert (root / "outputs" / "parameters" / "total").read_text() == "15"
    assert (root / "outputs" / "parameters" / "note").read_text() == "5+10"


def test_packages_are_put_on_sys_path(tmp_path: Path) -> None:
    # GIVEN a package that exists only in the shipped packages artifact (catalog layout)
    root = tmp_path / "root"
    shipped = root / "inputs" / "artifacts" / "dflow_python_packages"
    pkg = shipped / "home" / "me" / "src" / "shipped_ops"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(
        "from dflow.python import OP, OPIO, OPIOSign\n"
        "class Ping(OP):\n"
        "    @classmethod\n"
        "    def get_input_sign(cls): return OPIOSign({})\n"
        "    @classmethod\n"
        "    def get_output_sign(cls): return OPIOSign({'pong': str})\n"
        "    def execute(self, op_in): return OPIO({'pong': __file__})\n"
    )
    write_catalog(str(shipped), ["home/me/src/shipped_ops"])
    # and a template that imports it by module path
    src = tmp_path / "host" / "shipped_ops"
    src.mkdir(parents=True)
    (src / "__init__.py").write_text((pkg / "__init__.py").read_text())
    import sys

    sys.path.insert(0, str(src.parent))
    try:
        import shipped_ops

        template = PythonOPTemplate(shipped_ops.Ping, python_packages=[str(src)])
    finally:
        sys.path.remove(str(src.parent))
        sys.modules.pop("shipped_ops", None)
    assert "use_packages(" in template.script
    # WHEN it runs with only the repository on its path
    proc = run_template(template, root, pythonpath=str(Path(__file__).resolve().parents[2]))
    # THEN the OP came from the shipped copy
    assert proc.returncode == 0, proc.stderr
    assert (root / "outputs" / "parameters" / "pong").read_text() == str(pkg / "__init__.py")


def test_main_module_op_ships_its_source(tmp_path: Path) -> None:
    # GIVEN an OP defined in a script's __main__ (not importable in the container)
    script = tmp_path / "user_script.py"
    script.write_text(
        "import json\n"
        "from dflow.python import OP, OPIO, OPIOSign, PythonOPTemplate\n"
        "class Local(OP):\n"
        "    @classmethod\n"
        "    def get_input_sign(cls): return OPIOSign({'x': int})\n"
        "    @classmethod\n"
        "    def get_output_sign(cls): return OPIOSign({'y': str})\n"
        "    def execute(self, op_in): return OPIO({'y': json.dumps(op_in['x'] * 2)})\n"
        "if __name__ == '__main__':\n"
        "    print(PythonOPTemplate(Local).script, end='')\n"
    )
    import subprocess
    import sys

    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, check=True
    ).stdout
    assert "class Local(OP):" in out and "import json" in out and "__main__" not in out

    # WHEN that script runs with only the parameter Argo would substitute
    root = tmp_path / "root"
    (root / "cwd").mkdir(parents=True)
    env["DFLOW_INPUT_x"] = "21"
    proc = subprocess.run(
        [sys.executable, "-c", out.replace("/tmp/", f"{root}/")],
        cwd=root / "cwd",
        env=env,
        capture_output=True,
        text=True,
    )
    # THEN the shipped class ran
    assert proc.returncode == 0, proc.stderr
    assert (root / "outputs" / "parameters" / "y").read_text() == "42"
