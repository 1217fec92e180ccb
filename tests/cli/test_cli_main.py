"""``main`` and the parser: the command table, help texts, streams and usage errors."""

from __future__ import annotations

import argparse
import ast
import io
from pathlib import Path

import pytest
from cli_helpers import assert_user_error, run

import steepest
from steepest import register
from steepest.activations import ACTIVATIONS, Activation
from steepest.cli import COMMANDS, build_parser, main


def subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_command_has_a_one_line_description_in_the_help(tmp_path):
    out = run("--help", cwd=tmp_path).stdout
    listed = out.split("commands:")[1]
    names = [command.name for command in COMMANDS]
    assert names == ["train", "evaluate", "predict", "info", "gradcheck", "demo", "sweep",
                     "plot", "diagnose", "lr-find", "overfit-check", "explain", "export"]
    for command in COMMANDS:
        assert command.summary and "\n" not in command.summary
        assert command.name in listed
        assert command.summary.split()[0] in listed
    assert set(subparsers(build_parser())) == set(names)


def test_every_option_states_its_default():
    for name, parser in subparsers(build_parser()).items():
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction) or not action.option_strings:
                continue
            text = action.help or ""
            assert "default" in text or "required" in text, (name, action.option_strings, text)


def test_activation_names_come_from_the_registry(monkeypatch):
    monkeypatch.setattr(ACTIVATIONS, "_classes", dict(ACTIVATIONS._classes))  # undone after

    @register
    class Swish(Activation):
        name = "swish_for_the_help_test"

    help_text = " ".join(subparsers(build_parser())["train"].format_help().split())
    activation_help = help_text.split("--activation NAME")[-1].split("--")[0]
    assert "swish_for_the_help_test" in activation_help
    assert "softmax" not in activation_help  # not a hidden layer's activation
    args = build_parser().parse_args(["train", "--activation", "swish_for_the_help_test"])
    assert args.activation == "swish_for_the_help_test"


def test_main_writes_only_to_the_streams_it_is_given(tmp_path, capfd, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runs = [["--help"], ["--version"], ["train", "--help"], [], ["train", "--lr", "x"],
            ["train", "--data", "xor", "--epochs", "2"], ["train", "--data", "nope"],
            ["demo", "tutorials"], ["info", "xor-model.npz"],
            ["gradcheck", "--activation", "sigmoid(c=0.01)", "--layers", "4"]]
    for argv in runs:
        out, err = io.StringIO(), io.StringIO()
        code = main(argv, stdout=out, stderr=err)
        assert out.getvalue() or err.getvalue(), argv
        assert code in (0, 2), (argv, code, err.getvalue())
    assert capfd.readouterr() == ("", "")


def test_help_version_and_usage_errors_return_their_codes(tmp_path):
    result = run("--version", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, f"steepest {steepest.__version__}\n")
    result = run("train", "--help", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("usage: steepest train")
    assert result.stderr == ""


def test_command_line_errors(tmp_path):
    assert_user_error(run(cwd=tmp_path), "required")
    assert_user_error(run("predict", "model.npz", cwd=tmp_path), "required")
    message = assert_user_error(run("tain", cwd=tmp_path), "invalid choice")
    assert message.endswith("(see steepest --help)")


@pytest.mark.parametrize("command", ["train", "gradcheck", "diagnose", "lr-find",
                                     "overfit-check", "explain"])
def test_activation_with_parameters_is_accepted_by_every_command(command):
    args = build_parser().parse_args([command, "--activation", "sigmoid(c=0.01)"])
    assert args.activation == "sigmoid(c=0.01)"


SRC = Path(steepest.__file__).parent


def _imports(path: Path) -> set[str]:
    """The modules a source file imports, relative ones resolved within steepest."""
    package = ["steepest", *path.parent.relative_to(SRC).parts]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found |= {module, *(f"{module}.{alias.name}" for alias in node.names)}
    return found


def test_nothing_below_the_command_line_imports_it():
    for path in SRC.rglob("*.py"):
        inside = path.is_relative_to(SRC / "cli") or path == SRC / "__main__.py"
        if not inside:
            assert not any(m == "steepest.cli" or m.startswith("steepest.cli.")
                           for m in _imports(path)), path
    above = ("steepest.cli", "steepest.plots", "steepest.diagnose", "steepest.doctor",
             "steepest.sklearn", "steepest.sweep")
    parsing = _imports(SRC / "_parsing.py")
    assert not any(m.startswith(above) for m in parsing), parsing
