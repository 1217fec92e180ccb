"""The vanishing-gradient story behind ``steepest demo vanishing`` (the command
itself is tested in tests/cli/test_cli_plot.py), and the README's pictures."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")
from PIL import Image

from steepest import demos


def written(stdout: str) -> list[Path]:
    """The files a command says it wrote; each must be an image of its suffix's format."""
    paths = [Path(p) for p in re.findall(r"^wrote (.+)$", stdout, re.M)]
    for path in paths:
        assert path.is_absolute()
        with Image.open(path) as image:
            assert image.format == path.suffix[1:].upper()
    return paths


@pytest.fixture(scope="module")
def runs():
    return demos.vanishing_runs()


def test_plain_sigmoid_gets_no_gradient_and_does_not_learn(runs):
    plain = runs[0]
    assert plain.label.startswith("sigmoid (")
    assert not plain.monitor.grad_norms.any()  # exactly 0 at every layer, every epoch
    assert plain.loss_after == plain.loss_before and not plain.learned
    np.testing.assert_array_equal(plain.net.predict(demos.VANISHING_X), [[1.0, 1.0]])


def test_scaled_sigmoid_and_leaky_relu_get_gradients_and_learn(runs):
    for run in runs[1:]:
        assert (run.initial_grad_norms > 1e-8).all(), run.label
        assert run.learned and run.loss_after < 1e-5, run.label
        np.testing.assert_allclose(run.net.predict(demos.VANISHING_X), demos.VANISHING_Y,
                                   atol=2e-3)
    scaled = runs[1]
    assert scaled.label.startswith("sigmoid c=0.01")
    # The scaled sigmoid's first layer gets orders of magnitude more than plain sigmoid's 0,
    # and each layer back from the output gets less (the 0.25 * c bound per layer).
    assert scaled.initial_grad_norms[0] > 1e6 * max(runs[0].initial_grad_norms[0], 1e-300)
    assert np.all(np.diff(np.log10(scaled.initial_grad_norms)) > 1)


def test_demo_vanishing_prints_norms_verdicts_and_writes_figures(runs, monkeypatch, capsys,
                                                                 tmp_path):
    monkeypatch.setattr(demos, "vanishing_runs", lambda: runs)
    paths = demos.vanishing(tmp_path)
    out = capsys.readouterr().out
    assert re.search(r"^  sigmoid \(lr 100\)\s+0\s+0\s+0$", out, re.M), out
    assert "sigmoid (lr 100): does not learn (loss 0.2994 -> 0.2994" in out
    assert re.search(r"^sigmoid c=0.01 \(lr 100\): learns \(loss 0.29\d* -> ", out, re.M)
    assert re.search(r"^leaky_relu \(lr 0.01\): learns ", out, re.M)
    assert "f'(z) = a(1 - a) = 0" in out
    assert [p.name for p in paths] == ["vanishing-gradients.png", "vanishing-loss.png",
                                       "vanishing-gradient-norms.png",
                                       "vanishing-activations.png"]
    assert written(out) == [p.resolve() for p in paths]
