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
                     "plot", "diagnose", "lr-find", "overfit-check", "explain", "export",
                     "playground"]
    for command in COMMANDS:
        assert command.summary and "\n" not in command.summary
        assert command.name in listed
        assert command.summary.split()[0] in listed
    assert set(subparsers(build_parser())) == set(names)


def test_every_option_states_its_default():
    for name, parser in subparsers(build_parser()).items():
        for action in parser._actions:
            if (isinstance(action, argparse._HelpAction) or not action.option_strings
                    or action.help == argparse.SUPPRESS):  # refused, saying why
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


@pytest.mark.parametrize(("args", "option"), [
    (("train", "--data", ""), "--data"), (("train", "--out", ""), "--out"),
    (("train", "--plots", ""), "--plots"), (("train", "--data-dir", ""), "--data-dir"),
    (("train", "--data", "d.csv", "--target", ""), "--target"),
    (("train", "--data", "d.csv", "--one-hot", ""), "--one-hot"),
    (("evaluate", "m.npz", "--data", ""), "--data"), (("export", ""), "MODEL"),
    (("export", "m.npz", "--out", ""), "--out"), (("lr-find", "--plot", ""), "--plot"),
    (("train", "--checkpoint", ""), "--checkpoint"), (("train", "--resume", ""), "--resume"),
    (("info", ""), "MODEL"), (("evaluate", ""), "MODEL"), (("plot", "", "--out", "p"), "MODEL"),
    (("plot", "m.npz", "--out", ""), "--out"), (("predict", "", "x.npy"), "MODEL"),
    (("predict", "m.npz", "x.npy", ""), "INPUT"), (("diagnose", ""), "MODEL"),
    (("demo", "--plots", ""), "--plots"),
])
def test_an_empty_string_is_not_an_option_left_out(tmp_path, args, option):
    """``--out "$OUT"`` with OUT unset is refused, not taken for the default."""
    message = assert_user_error(run(*args, cwd=tmp_path))
    assert message.startswith(f"steepest {args[0]}: error: argument {option}: needs a value, "
                              "got an empty string")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["train", "gradcheck", "diagnose", "lr-find",
                                     "overfit-check", "explain"])
def test_activation_with_parameters_is_accepted_by_every_command(command):
    args = build_parser().parse_args([command, "--activation", "sigmoid(c=0.01)"])
    assert args.activation == "sigmoid(c=0.01)"


def test_no_help_text_sends_the_reader_to_the_readme():
    texts = [build_parser().format_help()]
    texts += [parser.format_help() for parser in subparsers(build_parser()).values()]
    assert not [text for text in texts if "README" in text]
    assert "'Presets and augmentation' in the docs" in " ".join(
        subparsers(build_parser())["train"].format_help().split())


class ReaderLeavesAfter(io.StringIO):
    """Standard output whose reader leaves after ``lines`` lines: a closed pipe."""

    def __init__(self, lines: int) -> None:
        super().__init__()
        self.lines = lines

    def write(self, text: str) -> int:
        if self.getvalue().count("\n") >= self.lines:
            raise BrokenPipeError(32, "Broken pipe")
        return super().write(text)


def test_a_closed_output_stops_the_printing_not_the_command(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out, err = ReaderLeavesAfter(1), io.StringIO()
    code = main(["train", "--data", "xor", "--epochs", "30", "--out", "m.npz"], out, err)
    assert (code, err.getvalue()) == (0, "")
    assert out.getvalue().startswith("data: xor") and out.getvalue().count("\n") == 1
    assert steepest.load(tmp_path / "m.npz").epochs_trained == 30


def test_a_missing_optional_package_no_check_foresaw_is_one_line(tmp_path, monkeypatch):
    """Every command checks what it needs up front; should one slip through, the
    line names the package and the command's extra, never a traceback."""
    def needs_a_package(*args: object) -> None:
        raise ModuleNotFoundError("No module named 'tqdm.auto'", name="tqdm.auto")

    monkeypatch.setattr("steepest.cli.commands.info.load_checkpoint", needs_a_package)
    message = assert_user_error(run("info", "m.npz", cwd=tmp_path))
    assert message == ("steepest info: error: needs the optional package 'tqdm', which is not "
                       'installed: pip install "steepest[cli]"')

    def broken_steepest(*args: object) -> None:
        raise ImportError("cannot import name 'x' from 'steepest.io'", name="steepest.io")

    monkeypatch.setattr("steepest.cli.commands.info.load_checkpoint", broken_steepest)
    with pytest.raises(ImportError):  # a bug in steepest shows its traceback
        run("info", "m.npz", cwd=tmp_path)


MISSING_PACKAGES = [
    (["train", "--epochs", "1"], "sklearn", "pip install 'steepest[data]'"),
    (["train", "--data", "xor", "--threads", "1"], "threadpoolctl",
     '--threads needs threadpoolctl: pip install "steepest[cli]"'),
    (["train", "--data", "xor", "--plots", "plots"], "matplotlib",
     'plots need matplotlib: pip install "steepest[plots]"'),
    (["evaluate", "{model}"], "sklearn", "pip install 'steepest[data]'"),
    (["predict", "{model}", "{image}"], "PIL",
     "reading images needs Pillow: pip install 'steepest[images]'"),
    (["plot", "{model}", "--out", "plots"], "matplotlib", 'pip install "steepest[plots]"'),
    (["sweep", "--grid", "lr=0.1"], "joblib", 'a sweep needs joblib: pip install '
     '"steepest[sweep]"'),
    (["diagnose"], "sklearn", "pip install 'steepest[data]'"),
    (["lr-find", "--data", "xor", "--plot", "lr.png"], "matplotlib",
     'plots need matplotlib: pip install "steepest[plots]"'),
    (["demo", "vanishing", "--plots", "plots"], "matplotlib", 'pip install "steepest[plots]"'),
]


@pytest.mark.parametrize(("argv", "missing", "line"), MISSING_PACKAGES,
                         ids=[f"{argv[0]}-{missing}" for argv, missing, _ in MISSING_PACKAGES])
def test_a_missing_optional_package_is_one_line_naming_the_extra(tmp_path, monkeypatch,
                                                                 digits_model, argv, missing,
                                                                 line):
    from cli_helpers import digit_png, hide_modules

    image = digit_png(tmp_path / "one.png", (28, 28), "1", 3)
    hide_modules(monkeypatch, missing)
    argv = [a.format(model=digits_model, image=image) for a in argv]
    # (train has printed its plan when it finds --threads cannot be honoured)
    message = assert_user_error(run(*argv, cwd=tmp_path), line, quiet_stdout=False)
    assert message.startswith(f"steepest {argv[0]}: error: ")
    assert not {p.name for p in tmp_path.iterdir()} - {"one.png", "plots"}  # nothing written


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
