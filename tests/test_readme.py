"""Every Python block of the README runs, top to bottom, in one namespace."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_blocks_run(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert len(blocks) >= 8
    namespace: dict = {}
    for number, block in enumerate(blocks, 1):
        exec(compile(block, f"README.md python block {number}", "exec"), namespace)
    printed = capsys.readouterr().out
    assert "total parameters: 354" in printed
    assert "max relative error" in printed and ": OK" in printed
    assert "class labels must lie in 0..9" in printed
    assert "X must be 2-D (n_samples, n_features=784), got shape (5, 28, 28)" in printed
    np = namespace["np"]
    np.testing.assert_allclose(
        namespace["tutorial"].predict(np.array([[0.2, 0.3]])), [[0.3, 0.67]], atol=1e-3
    )
    assert namespace["result"].passed(1e-6)


def test_every_code_fence_is_closed():
    fences = [line for line in README.read_text().splitlines() if line.startswith("```")]
    assert len(fences) % 2 == 0
    # Opening fences name a language; closing ones are bare.
    assert all(f != "```" for f in fences[::2]) and all(f == "```" for f in fences[1::2])
