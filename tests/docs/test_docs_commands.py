"""The commands in the docs: every ``steepest ...`` in a ```bash block or after a
``$`` in a ```text transcript is parsed by the real command-line parser, so an
option cannot be renamed without the docs failing; the ```bash blocks that take
seconds are run, page by page, top to bottom, in a fresh folder; and the
transcripts of quick commands are compared with what the commands print."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from docs_pages import ROOT, blocks, name, pages, run_page

from steepest.cli import build_parser

# Blocks that are only parsed, never run, each with the reason. A block is named by
# its page and a piece of text found in that block alone.
PARSED_ONLY = {
    ("README.md", 'pip install -e ".[cli]" && steepest train'):
        "installs the package; the plain `steepest train` (60 epochs on the digits) is "
        "run by tests/test_cli.py::test_train_with_no_arguments_trains_the_digits",
    ("docs/index.md", 'pip install -e ".[cli]" && steepest train'):
        "the README's two commands again (see above); the test command is this suite",
    ("README.md", 'pip install -e ".[docs]" && mkdocs serve'):
        "installs; `mkdocs serve` runs until stopped (test_docs_site.py serves the site)",
    ("docs/explanation/design.md", 'pip install -e ".[docs]" && mkdocs serve'):
        "installs; `mkdocs serve` runs until stopped and `mkdocs build --strict` is "
        "test_docs_site.py's",
    ("docs/explanation/speed.md", "pip install -r benchmarks/requirements.txt"):
        "installs PyTorch and runs the benchmarks on MNIST (minutes); "
        "tests/benchmarks/test_benchmarks.py runs compare.py --smoke",
    ("docs/tutorial/index.md", 'pip install -e ".[cli,plots]"'): "installs the package",
    ("docs/how-to/command-line.md", 'pip install -e ".[cli]"\n'): "installs the package",
    ("docs/how-to/notebooks.md", "jupyter lab notebooks/"):
        "installs and starts JupyterLab; tests/test_notebooks.py runs every notebook",
    ("docs/how-to/presets-and-augmentation.md", "--preset mnist-fast"):
        "the MNIST presets train for minutes to an hour on the MNIST files; "
        "tests/test_presets.py runs each for one epoch",
    ("docs/how-to/sweeps.md", "--backend dask --workers 4"):
        "starts a Dask cluster of 4 processes on 2 cores (about 25 s); "
        "tests/test_sweep.py runs the sweep on a LocalCluster",
    ("docs/how-to/sweeps.md", "dask scheduler"):
        "needs a Dask scheduler and workers on other hosts, and MNIST",
    ("docs/how-to/playground.md", "steepest playground"):
        "installs, then serves until stopped; tests/cli/test_cli_playground.py starts it "
        "and stops it with Ctrl-C",
    ("docs/how-to/scikit-learn.md", "python benchmarks/estimators.py --data iris,wine"):
        "cross-validates nine datasets for minutes, from the repository's root; "
        "tests/benchmarks/test_benchmarks.py runs estimators.py on two datasets",
    ("docs/how-to/take-your-model-anywhere.md", "--out moons.onnx"):
        "needs the onnx package (the interop extra); tests/cli/test_cli_export.py runs "
        "`steepest export --out FILE.onnx` where it is installed",
}

# What the blocks that run leave behind, per page (relative to the page's folder).
WRITES = {
    "docs/how-to/command-line.md": ["xor-model.npz", "moons-model.npz", "digits-model.npz",
                                    "rows.npy", "plots/vanishing-gradients.png",
                                    "xor_model.py", "xor.json"],
    "docs/how-to/csv-data.md": ["admissions-model.npz", "applicants.csv"],
    "docs/how-to/model-files.md": ["moons-model.npz"],
    "docs/how-to/presets-and-augmentation.md": ["digits-model.npz", "digits-affine.npz"],
    "docs/how-to/long-runs.md": ["moons-run.npz", "moons-model.npz"],
    "docs/how-to/the-doctor.md": ["xor-model.npz"],
    "docs/how-to/take-your-model-anywhere.md": ["moons-model.npz", "moons_model.py",
                                                "moons-weights.json"],
    "docs/tutorial/see-it-learn.md": ["spirals-model.npz", "plots/decision-boundary.png",
                                      "plots/confusion-matrix.png"],
}

ENV = os.environ | {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                    "MKL_NUM_THREADS": "1"}


def heredoc_free(block: str) -> list[str]:
    """The block's command lines: continuations joined, here-document bodies left out."""
    lines, out, end = block.replace("\\\n", " ").splitlines(), [], None
    for line in lines:
        if end is not None:
            end = None if line.strip() == end else end
            continue
        marker = re.search(r"<<-?\s*['\"]?(\w+)['\"]?", line)
        end = marker.group(1) if marker else None
        out.append(line)
    return out


def commands(line: str) -> list[list[str]]:
    """The simple commands of one shell line: split at ``&&``, ``||``, ``;`` and
    ``|``, comments and redirections dropped, leading ``VAR=value`` dropped."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|<>")
    lexer.whitespace_split = True
    found, current, redirect = [], [], False
    for token in lexer:
        if token in ("&&", "||", ";", "|"):
            found.append(current)
            current, redirect = [], False
        elif set(token) <= set("<>&"):
            redirect = True
        elif not redirect:
            current.append(token)
    found.append(current)
    return [[*dropwhile_assignments(c)] for c in found if c]


def dropwhile_assignments(words: list[str]) -> list[str]:
    while words and re.fullmatch(r"[A-Za-z_]\w*=\S*", words[0]):
        words = words[1:]
    return words


def steepest_commands() -> list[tuple[str, list[str]]]:
    """Every ``steepest`` command in the docs: ``(where, arguments)``."""
    found = []
    for page in pages():
        for number, block in enumerate(blocks(page, "bash"), 1):
            for line in heredoc_free(block):
                for words in commands(line):
                    if words[0] == "steepest":
                        found.append((f"{name(page)} bash block {number}", words[1:]))
        for block in blocks(page, "text"):
            for line in block.splitlines():
                if line.startswith("$ steepest "):
                    found.append((f"{name(page)} transcript", shlex.split(line)[2:]))
    return found


def test_every_steepest_command_in_the_docs_parses():
    found = steepest_commands()
    assert len(found) >= 30
    subcommands = {args[0] for _, args in found}
    assert subcommands >= {"train", "evaluate", "predict", "info", "gradcheck", "demo", "plot",
                           "sweep", "diagnose", "lr-find", "overfit-check", "explain",
                           "export"}
    for where, args in found:
        try:
            build_parser().parse_args(args)
        except SystemExit as exit:
            pytest.fail(f"{where}: `steepest {shlex.join(args)}` does not parse ({exit})")


def test_the_command_splitter():
    assert commands("pip install -e '.[cli]' && steepest train   # main job") == [
        ["pip", "install", "-e", ".[cli]"], ["steepest", "train"]]
    assert commands("OPENBLAS_NUM_THREADS=1 dask worker tcp://h:8786; steepest info m.npz > o") \
        == [["dask", "worker", "tcp://h:8786"], ["steepest", "info", "m.npz"]]
    assert heredoc_free("cat > t.csv <<'CSV'\na,b\n1,2\nCSV\nsteepest train --data t.csv \\\n"
                        "  --epochs 2\n") == ["cat > t.csv <<'CSV'",
                                              "steepest train --data t.csv    --epochs 2"]
    with pytest.raises(SystemExit):  # and the parser does refuse a wrong option
        build_parser().parse_args(["train", "--learning-rate", "0.1"])


def _run_or_parse(page: Path) -> list[tuple[str, str | None]]:
    """Each bash block of the page and, if it is only parsed, why."""
    out = []
    for block in blocks(page, "bash"):
        reasons = [why for (where, text), why in PARSED_ONLY.items()
                   if where == name(page) and text in block]
        assert len(reasons) <= 1, block
        out.append((block, reasons[0] if reasons else None))
    return out


def test_every_parsed_only_entry_names_one_block():
    for (where, text) in PARSED_ONLY:
        found = [b for b in blocks(ROOT / where, "bash") if text in b]
        assert len(found) == 1, f"{where}: {text!r} is in {len(found)} bash blocks"


def _shims(folder: Path) -> dict[str, str]:
    """An environment whose ``steepest`` and ``python`` are this interpreter's."""
    folder.mkdir()
    for command, prefix in (("steepest", "-m steepest "), ("python", "")):
        shim = folder / command
        shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" {prefix}"$@"\n')
        shim.chmod(0o755)
    return ENV | {"PATH": f"{folder}{os.pathsep}{ENV.get('PATH', '')}"}


RUN_PAGES = [page for page in pages()
             if any(why is None for _, why in _run_or_parse(page))]


@pytest.mark.parametrize("page", RUN_PAGES, ids=name)
def test_bash_blocks_run(page, tmp_path):
    env = _shims(tmp_path / "bin")
    work = tmp_path / "work"
    work.mkdir()
    ran = 0
    for block, why in _run_or_parse(page):
        if why is not None:
            continue
        result = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=work, env=env,
                                capture_output=True, text=True, timeout=600, check=False)
        assert result.returncode == 0, f"{name(page)}:\n{block}\n{result.stderr[-2000:]}"
        assert "Traceback" not in result.stderr, result.stderr
        ran += 1
    assert ran
    for written in WRITES.get(name(page), []):
        assert (work / written).is_file(), f"{name(page)} did not write {written}"


def test_every_page_that_runs_commands_says_what_they_write():
    assert {name(page) for page in RUN_PAGES} - {"docs/tutorial/gradient-check.md"} == set(WRITES)


# ------------------------------------------------------------------ transcripts


def transcripts(command: str) -> list[tuple[str, list[str], list[str]]]:
    """``(page, arguments, lines shown)`` of each ``$ steepest COMMAND ...`` transcript."""
    found = []
    for page in pages():
        for block in blocks(page, "text"):
            lines = block.rstrip("\n").split("\n")
            if lines[0].startswith(f"$ steepest {command}"):
                found.append((name(page), shlex.split(lines[0])[2:], lines[1:]))
    return found


def steepest(args: list[str], cwd: Path) -> list[str]:
    result = subprocess.run([sys.executable, "-m", "steepest", *args], cwd=cwd, env=ENV,
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout.rstrip("\n").split("\n")


def test_demo_tutorials_transcripts_are_what_it_prints(tmp_path):
    shown = transcripts("demo tutorials")
    assert {page for page, _, _ in shown} == {"docs/index.md",
                                              "docs/tutorial/tutorials-examples.md"}
    printed = steepest(["demo", "tutorials"], tmp_path)
    for page, args, lines in shown:
        assert args == ["demo", "tutorials"]
        # Word for word, but for the time taken.
        assert lines[:-1] == printed[:-1], page
        assert lines[-1].startswith("done in ") and printed[-1].startswith("done in ")


def test_sweep_transcript_is_what_it_prints(tmp_path):
    [(page, args, lines)] = transcripts("sweep")
    printed = steepest(args, tmp_path)
    assert len(lines) == len(printed)
    for line, printed_line in zip(lines, printed, strict=True):
        if line.startswith("model saved to "):
            assert printed_line == f"model saved to {tmp_path / 'moons-sweep-model.npz'}"
        elif re.match(r"\d+ ", line):  # a candidate: all but its fit time, word for word
            cells, printed_cells = line.split(), printed_line.split()
            assert cells[:3] + cells[4:] == printed_cells[:3] + printed_cells[4:], page
        elif not line.startswith("["):  # progress lines: below, as they may come in any order
            assert line == printed_line, page

    def progress(lines: list[str]) -> list[tuple[str, str]]:
        """``(counter, candidate and score)`` of each progress line, times left out."""
        found = [line.split(" ", 1) for line in lines if line.startswith("[")]
        return [(counter, re.sub(r" \(\S+ s per fit\)$", "", rest)) for counter, rest in found]

    shown, ran = progress(lines), progress(printed)
    assert [c for c, _ in shown] == [c for c, _ in ran] == ["[1/4]", "[2/4]", "[3/4]", "[4/4]"]
    assert sorted(rest for _, rest in shown) == sorted(rest for _, rest in ran), page


def test_multi_label_predict_transcript_is_what_it_prints(tmp_path, monkeypatch):
    [(page, args, lines)] = transcripts("predict labels.npz")
    monkeypatch.chdir(tmp_path)
    run_page(ROOT / page)  # its python block writes labels.npz and rows.npy
    assert steepest(args, tmp_path) == lines


def test_divergence_transcript_is_what_it_prints(tmp_path):
    [(page, args, lines)] = [t for t in transcripts("train") if "--lr" in t[1]
                             and "1e6" in t[1]]
    result = subprocess.run([sys.executable, "-m", "steepest", *args], cwd=tmp_path, env=ENV,
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() + result.stderr.splitlines() == lines, page
