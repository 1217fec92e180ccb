"""Bad model files given to ``evaluate``, ``predict`` and ``info``: one-line errors."""

from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import assert_user_error, run


@pytest.mark.parametrize("command", ["evaluate", "predict", "info"])
def test_bad_model_files(tmp_path, digits_model, command):
    extra = ("x.npy",) if command == "predict" else ()
    np.save(tmp_path / "x.npy", np.zeros(64))

    def check(model: str, *fragments: str) -> None:
        assert_user_error(run(command, model, *extra, cwd=tmp_path), model, *fragments)

    check("missing.npz", "no such model file")
    data = digits_model.read_bytes()
    (tmp_path / "truncated.npz").write_bytes(data[: len(data) // 2])
    check("truncated.npz", "truncated or corrupt")
    if command != "info":
        return  # the same loader: the other bad files once are enough
    (tmp_path / "random.npz").write_bytes(np.random.default_rng(0).bytes(4096))
    check("random.npz", "not a readable model file")
    np.save(tmp_path / "array.npy", np.zeros((3, 3)))
    check("array.npy", "not a readable model file")
    (tmp_path / "empty.npz").write_bytes(b"")
    check("empty.npz", "empty or truncated")
