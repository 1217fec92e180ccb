"""``steepest diagnose``, ``lr-find``, ``overfit-check`` and ``explain``; and the
doctor's transcripts in the docs (docs/how-to/the-doctor.md), re-run so the
documentation cannot drift from what
the commands print."""

from __future__ import annotations

import ast
import re
import shlex
from pathlib import Path

import pytest
from cli_helpers import README, run_json, run_ok, user_error

import steepest
from steepest.cli.command import CLI_WORDS

SRC = Path(steepest.__file__).parent

DOCTOR_PAGE = README.parent / "docs" / "how-to" / "the-doctor.md"
TUTORIAL = ["--data", "xor", "--layers", "1000,1000", "--activation", "sigmoid", "--init",
            "uniform01", "--loss", "sse", "--optimizer", "sgd", "--lr", "0.01"]


def test_diagnose_reports_the_tutorial_network_s_failure(tmp_path):
    out = run_ok("diagnose", *TUTORIAL, cwd=tmp_path).stdout
    assert "ERROR   no gradient reaches the weights" in out
    assert out.rstrip().endswith("verdict: not healthy (1 error, 1 warning, 0 notes)")
    report = run_json("diagnose", *TUTORIAL, cwd=tmp_path)
    assert report["healthy"] is False and report["data"] == "xor"
    assert [f["code"] for f in report["findings"]] == ["no_gradient", "saturated_units"]
    assert [layer["saturated"] for layer in report["layers"]] == [0.0, 1.0, 1.0]
    assert report["optimizer"] == "sgd" and report["learning_rate"] == 0.01


def test_the_doctor_s_advice_speaks_the_command_line_s_language(tmp_path):
    out = run_ok("diagnose", *TUTORIAL, cwd=tmp_path).stdout
    assert "--activation 'sigmoid(c=0.01)'" in out and "--init glorot" in out
    fixes = " ".join(f["fix"] for f in run_json("diagnose", *TUTORIAL, cwd=tmp_path)["findings"])
    assert "--activation 'sigmoid(c=0.01)'" in fixes and "--init glorot" in fixes
    rising = run_ok("diagnose", "--data", "xor", "--optimizer", "sgd", "--lr", "1e9",
                    cwd=tmp_path).stdout
    assert "steepest lr-find" in rising
    failed = run_ok("overfit-check", "--data", "xor", "--optimizer", "sgd", "--lr", "1e9",
                    "--epochs", "5", cwd=tmp_path, code=1).stdout
    assert "steepest diagnose" in failed
    # a learning rate inside --optimizer stands in for the default 0.01
    inside = run_json("overfit-check", "--data", "xor", "--optimizer", "sgd(learning_rate=1e9)",
                      "--epochs", "5", cwd=tmp_path, code=1)
    assert inside["diverged"] is True
    assert "a learning_rate inside --optimizer, else 0.01" in " ".join(
        run_ok("overfit-check", "--help", cwd=tmp_path).stdout.split())
    for text in (out, fixes, rising, failed):
        assert not re.search(r"steepest\.|Sigmoid\(|init='|clip_norm", text), text


def test_every_translation_names_words_the_library_uses():
    """The command line's words replace the library's; a table entry whose library
    text is gone would translate nothing."""
    texts = [node.value for path in SRC.rglob("*.py") if "cli" not in path.relative_to(SRC).parts
             for node in ast.walk(ast.parse(path.read_text()))
             if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    assert [words for words in CLI_WORDS if not any(words in text for text in texts)] == []


def test_diagnose_a_saved_model_leaves_the_file_alone(tmp_path, xor_model):
    before = xor_model.read_bytes()
    report = run_json("diagnose", xor_model, "--steps", "2", cwd=tmp_path)
    assert xor_model.read_bytes() == before
    assert report["samples"] == 4 and len(report["losses"]) == 3
    assert report["optimizer"] == "adam"                      # the model's own
    assert run_json("diagnose", xor_model, "--optimizer", "sgd", "--lr", "0.5",
                    cwd=tmp_path)["learning_rate"] == 0.5


def test_activation_with_parameters(tmp_path):
    report = run_json("diagnose", "--data", "xor", "--layers", "8",
                      "--activation", "sigmoid(c=0.01)", cwd=tmp_path)
    assert report["layers"][0]["activation"] == "sigmoid(c=0.01)"
    assert "c must be a positive number" in user_error(
        "diagnose", "--activation", "sigmoid(c=-1)", cwd=tmp_path)
    assert "unknown activation 'swish'" in user_error(
        "explain", "--activation", "swish", cwd=tmp_path)
    assert "softmax belongs on the output layer" in user_error(
        "lr-find", "--activation", "softmax", cwd=tmp_path)


def test_optimizer_and_init_with_parameters(tmp_path):
    report = run_json("diagnose", "--data", "xor", "--layers", "8", "--optimizer",
                      "momentum(momentum=0.5)", "--lr", "0.1", "--init", "uniform",
                      cwd=tmp_path)
    assert report["optimizer"] == "momentum" and report["learning_rate"] == 0.1
    assert "unknown init 'zeros'" in user_error(
        "overfit-check", "--init", "zeros", cwd=tmp_path)


def test_network_flags_cannot_be_combined_with_a_model(tmp_path, xor_model):
    message = user_error("diagnose", xor_model, "--layers", "8", cwd=tmp_path)
    assert "--layers builds a new network" in message and "xor.npz" in message
    assert "missing.npz: no such model file" in user_error(
        "overfit-check", tmp_path / "missing.npz", cwd=tmp_path)


def test_options_a_command_would_not_use_are_refused(tmp_path, xor_model):
    assert user_error("lr-find", "--lr", "0.1", cwd=tmp_path) == (
        "steepest lr-find: error: --lr is not used here: the range test tries every rate "
        "from --start to --stop")
    assert user_error("explain", xor_model, "--optimizer", "sgd", cwd=tmp_path) == (
        "steepest explain: error: --optimizer is not used here: the step explained is plain "
        "gradient descent, W - lr * dW")
    assert "--seed draws a new network's weights" in user_error(
        "explain", xor_model, "--seed", "3", cwd=tmp_path)
    for argv in (["diagnose", xor_model], ["evaluate", xor_model],
                 ["plot", xor_model, "--out", "plots"]):
        assert ("--data-dir is for the IDX files of mnist and fashion-mnist, not for --data "
                "xor") in user_error(*argv, "--data-dir", ".", cwd=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_lr_find_prints_the_suggestion_and_writes_the_plot(tmp_path):
    pytest.importorskip("matplotlib")
    args = ("lr-find", "--data", "moons", "--layers", "8", "--steps", "40")
    out = run_ok(*args, "--plot", "lr.png", cwd=tmp_path).stdout
    assert re.search(r"^suggested learning rate: [0-9.e-]+ ", out, re.M)
    assert f"plot saved to {(tmp_path / 'lr.png').resolve()}" in out
    assert (tmp_path / "lr.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = run_json(*args, cwd=tmp_path)
    assert 1e-6 <= report["suggestion"] <= report["min_loss_rate"] and report["plot"] is None
    # 40 steps to --stop 1.0, then on until the loss diverges
    assert len(report["learning_rates"]) == len(report["losses"])
    assert report["stopped_early"] or len(report["learning_rates"]) > 40
    assert "cannot write" in user_error(*args, "--plot", tmp_path / "no" / "lr.png",
                                        cwd=tmp_path)


def test_overfit_check_exit_codes(tmp_path):
    out = run_ok("overfit-check", "--data", "xor", "--layers", "8", cwd=tmp_path).stdout
    assert "PASSED" in out
    report = run_json("overfit-check", *TUTORIAL, "--epochs", "10", cwd=tmp_path, code=1)
    assert report["passed"] is False and report["samples"] == 4 and report["epochs"] == 10
    assert report["final_loss"] == pytest.approx(report["initial_loss"])


def test_explain_prints_one_step(tmp_path, xor_model):
    out = run_ok("explain", "--data", "xor", "--layers", "2", "--loss", "sse", "--lr", "0.5",
                 cwd=tmp_path).stdout
    assert out.startswith("one training step: Network 2 -> 2 -> 2, loss sse, 1 sample")
    for marker in ("forward phase", "backward phase", "update: W_i <- W_i - 0.5 * dW_i"):
        assert marker in out
    report = run_json("explain", xor_model, "--samples", "4", cwd=tmp_path)
    layer = report["layers"][0]
    assert layer["X"]["shape"] == [4, 2] and layer["W"]["shape"] == [2, 4]
    assert set(layer) == {"layer", "X", "W", "b", "Z", "A", "psi", "dW", "db"}
    assert report["learning_rate"] == 0.1


# ---------------------------------------------------------------------- the docs' transcripts


def doc_transcripts(command: str) -> list[tuple[list[str], list[str]]]:
    """Each ``$ steepest COMMAND ...`` of the doctor page's text blocks: its arguments
    and the lines printed after it."""
    found = []
    for block in re.findall(r"```text\n(.*?)```", DOCTOR_PAGE.read_text(), re.S):
        lines = block.rstrip("\n").split("\n")
        if lines[0].startswith(f"$ steepest {command} "):
            found.append((shlex.split(lines[0])[3:], lines[1:]))
    return found


def test_docs_doctor_output_is_what_the_command_prints(tmp_path):
    transcripts = doc_transcripts("diagnose")
    assert len(transcripts) == 2
    for args, shown in transcripts:
        printed = run_ok("diagnose", *args, cwd=tmp_path).stdout.rstrip("\n").split("\n")
        # The findings and the verdict word for word; before them, the header lines
        # and each table row's layer, activation, shape and saturated/dead columns
        # (the other figures are rounded floats).
        start = shown.index("findings:") if "findings:" in shown else shown.index(
            "findings: none")
        assert shown[start:] == printed[printed.index(shown[start]):]
        if shown[0] == "...":
            continue
        assert shown[:2] == printed[:2]
        rows = [line for line in shown if re.match(r"^\d+ {2,}[a-z]", line)]
        printed_rows = [line for line in printed if re.match(r"^\d+ {2,}[a-z]", line)]
        assert len(rows) == len(printed_rows) == 3
        for row, printed_row in zip(rows, printed_rows, strict=True):
            cells, printed_cells = row.split(), printed_row.split()
            assert cells[:4] + cells[-2:] == printed_cells[:4] + printed_cells[-2:]
    assert "no gradient reaches the weights" in "\n".join(transcripts[0][1])
    assert "findings: none" in transcripts[1][1]


def test_docs_lr_find_output_is_what_the_command_prints(tmp_path):
    pytest.importorskip("matplotlib")
    [(args, shown)] = doc_transcripts("lr-find")
    printed = run_ok("lr-find", *args, cwd=tmp_path).stdout.rstrip("\n").split("\n")
    assert shown[:3] == printed[:3]
    assert (tmp_path / "lr.png").is_file()
