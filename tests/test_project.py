"""The project's promises about itself: the README's commands and the main job."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    block = re.search(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert block, "the README starts with a bash block of commands"
    return [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_readme_starts_with_main_job_and_test_commands():
    main_job, tests = _readme_commands()[:2]
    assert main_job.startswith("pip install")
    assert main_job.endswith("&& steepest train")
    assert tests.endswith("python -m pytest -q")


def test_the_docs_home_page_shows_the_same_two_commands():
    block = re.search(r"```bash\n(.*?)```", (ROOT / "docs" / "index.md").read_text(), re.S)
    assert block, "docs/index.md has a bash block of commands"
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines()]
    assert commands == _readme_commands()[:2]


def test_ci_runs_the_readme_test_command_exactly():
    test_command = _readme_commands()[1]
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert test_command in ci_lines, f"{test_command!r} is not a line of .ci/run"


def test_demo_trains_the_tutorial_examples():
    result = subprocess.run(
        [sys.executable, "-m", "steepest", "demo", "tutorials"], capture_output=True, text=True,
        timeout=120, check=True,
    )
    out = result.stdout
    assert "target [.3, .67]" in out
    assert re.search(r"after training \(target", out)
    assert "accuracy 100%" in out  # XOR
    assert result.stderr == ""
