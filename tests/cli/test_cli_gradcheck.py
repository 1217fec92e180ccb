"""``steepest gradcheck`` on random networks."""

from __future__ import annotations

import re

import pytest
from cli_helpers import run_ok


@pytest.mark.parametrize(
    "args",
    [(), ("--layers", "4,3", "--activation", "sigmoid", "--loss", "mse"),
     ("--loss", "binary_cross_entropy"), ("--activation", "sigmoid(c=0.01)", "--layers", "4"),
     ("--activation", "leaky_relu(slope=0.1)", "--loss", "sse")],
    ids=["defaults", "sigmoid-mse", "bce", "sigmoid-c", "leaky-sse"],
)
def test_gradcheck(tmp_path, args):
    out = run_ok("gradcheck", *args, cwd=tmp_path).stdout
    found = re.search(r"max relative error ([0-9.e+-]+): OK", out)
    assert found, out
    assert float(found[1]) < 1e-4
    if args and args[0] == "--layers":
        assert "[3, 4, 3, 3]" in out



def test_gradcheck_activation_with_parameters_is_used(tmp_path):
    # One hidden layer: each sigmoid(c=0.01) layer shrinks the gradient 100-fold, and
    # below about 1e-7 finite differences lose their precision.
    out = run_ok("gradcheck", "--activation", "sigmoid(c=0.01)", "--layers", "4",
                 cwd=tmp_path).stdout
    assert "hidden=sigmoid(c=0.01)" in out.splitlines()[0]
