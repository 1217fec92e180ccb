"""The shape of the code: layers that only point down, a core that needs NumPy only,
no import cycles, and the psi recursion written once."""

from __future__ import annotations

import ast
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import steepest

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "steepest"


def _modules() -> list[str]:
    """Every module of the package but the ``__main__`` ones (which run the command)."""
    return sorted(m.name for m in pkgutil.walk_packages(steepest.__path__, "steepest.")
                  if not m.name.endswith(".__main__"))


def test_the_import_contracts_hold():
    """pyproject.toml's [tool.importlinter] contracts, checked by import-linter."""
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command;"
         " sys.exit(lint_imports_command())"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env=os.environ | {"PYTHONPATH": str(SOURCE.parent)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


@pytest.mark.slow
def test_every_module_imports_on_its_own_in_a_fresh_interpreter():
    """An import cycle shows only in some import orders: each module first, alone."""
    script = ("import importlib, sys\n"
              "for name in sys.argv[1:]:\n"
              "    importlib.import_module(name)\n")
    failures = []
    for name in _modules():
        result = subprocess.run([sys.executable, "-c", script, name], capture_output=True,
                                text=True, timeout=120)
        if result.returncode != 0:
            failures.append(f"{name}: {result.stderr.strip().splitlines()[-1]}")
    assert not failures, "\n".join(failures)


def test_importing_steepest_loads_no_optional_package():
    code = ("import sys, steepest\n"
            "print(sorted(m for m in ('matplotlib', 'sklearn', 'tqdm', 'pandas', 'dask', "
            "'PIL', 'scipy', 'onnx', 'onnxruntime', 'torch') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, check=True)
    assert result.stdout.strip() == "[]"


def _calls_to(name: str) -> list[str]:
    """Where in the package a method or function called ``name`` is defined."""
    found = []
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name == name:
                found.append(f"{path.relative_to(SOURCE)}:{node.lineno}")
    return found


def test_the_psi_recursion_and_the_training_step_are_written_once():
    # The backward sweep multiplies psi by the next layer's weights transposed; the
    # update calls the optimiser. Each of these appears in exactly one function.
    sweeps, updates = [], []
    for path in SOURCE.rglob("*.py"):
        text = path.read_text()
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef):
                continue
            body = ast.get_source_segment(text, node) or ""
            if ("psi @" in body or "dot(psi," in body) and ".T" in body:
                sweeps.append(f"{path.name}:{node.name}")
            if ".update(self.params" in body or "optimizer.update(" in body:
                updates.append(f"{path.name}:{node.name}")
    assert sweeps == ["network.py:backward"]
    assert updates == ["network.py:_train_step"]
    assert _calls_to("backward_phase") == []
