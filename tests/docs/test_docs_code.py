"""Every Python block of the README and of every docs page runs: per page, top to
bottom, in one namespace (as a reader pastes them in order), and every value a
comment claims (``net.n_params  # 29``) is checked. Then what each page promises:
the printed reports, the messages, what the networks learned."""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from docs_pages import ROOT, blocks, claims, name, pages, run_block, run_page

RUNNABLE = [page for page in pages() if blocks(page, "python")]


def text_block(page: str, first_line: str) -> str:
    """The page's ```text block that starts with ``first_line``."""
    [block] = [b for b in blocks(ROOT / page, "text") if b.startswith(first_line)]
    return block


# ------------------------------------------------------------------ per-page promises


def readme(ns: dict[str, Any], printed: str) -> None:
    assert ns["net"].evaluate(ns["X"][500:], ns["y"][500:])["accuracy"] > 0.95
    assert Path("quadrants.npz").is_file()  # net.save wrote it (in the test's folder)


def index(ns: dict[str, Any], printed: str) -> None:
    assert "total parameters: 354" in printed
    # net.summary() prints the page's table exactly.
    assert text_block("docs/index.md", "Network 2 -> 16 -> 16 -> 2") in printed
    assert ns["history"]["val_accuracy"][-1] > 0.95


def shapes(ns: dict[str, Any], printed: str) -> None:
    assert [W.shape for W in ns["net"].weights] == [(2, 3), (3, 3), (3, 2)]


def tutorials_examples(ns: dict[str, Any], printed: str) -> None:
    target = [[0.3, 0.67]]
    np.testing.assert_allclose(ns["first"].predict(ns["X_one"]), target, atol=1e-3)
    assert ns["net_xor"].evaluate(ns["X_xor"], ns["y_xor"])["accuracy"] == 1.0
    assert np.round(ns["rule"].predict(ns["X_unseen"])[:, 0]).tolist() == [0, 1, 0]
    assert all(not g.any() for g in ns["wide"].gradients(ns["X_one"], ns["y_one"]))
    np.testing.assert_allclose(ns["scaled"].predict(ns["X_one"]), target, atol=0.01)


def training(ns: dict[str, Any], printed: str) -> None:
    np = ns["np"]
    np.testing.assert_allclose(
        ns["tutorial"].predict(np.array([[0.2, 0.3]])), [[0.3, 0.67]], atol=1e-3
    )
    assert len(ns["history"]) < 100  # early stopping stopped it
    assert np.array_equal(ns["once"].params, ns["twice"].params)


def gradient_check(ns: dict[str, Any], printed: str) -> None:
    assert "max relative error" in printed and ": OK" in printed
    assert ns["result"].passed(1e-6)
    # The page's report has the printed one's layout: the header, then per layer its
    # index and shape (the errors themselves are rounding noise).
    shown = text_block("docs/tutorial/gradient-check.md", "gradient check").splitlines()
    report = printed[printed.index("gradient check"):].splitlines()[: len(shown)]
    assert shown[:2] == report[:2]
    for row, printed_row in zip(shown[2:-1], report[2:-1], strict=True):
        assert row.split()[:3] == printed_row.split()[:3]
    assert report[-1].startswith("max relative error") and report[-1].endswith(": OK")


def see_it_learn(ns: dict[str, Any], printed: str) -> None:
    out = Path(ns["out"])
    assert (out / "gradient-norms.png").is_file() and (out / "boundary.gif").is_file()
    assert {Path(p).name for p in ns["paths"]} >= {"confusion-matrix.png",
                                                    "first-layer-weights.png"}


def the_doctor(ns: dict[str, Any], printed: str) -> None:
    assert ns["report"].codes() == ["no_gradient", "saturated_units"]
    assert ns["check"].passed
    # net.explain prints the page's worked example exactly.
    assert text_block("docs/how-to/the-doctor.md", "one training step") in printed


def model_files(ns: dict[str, Any], printed: str) -> None:
    assert np.array_equal(ns["same"].params, ns["straight"].params)
    assert "model.npz: not a readable model file (truncated or corrupt" in printed


def design(ns: dict[str, Any], printed: str) -> None:
    assert "class labels must lie in 0..9" in printed
    assert "X must be 2-D (n_samples, n_features=784), got shape (5, 28, 28)" in printed


def csv_data(ns: dict[str, Any], printed: str) -> None:
    assert ns["X"].shape == (5, 5) and ns["y"].dtype == np.int64


def take_your_model_anywhere(ns: dict[str, Any], printed: str) -> None:
    # The page shows the predict function the Python file holds, word for word.
    shown = text_block("docs/how-to/take-your-model-anywhere.md", "def predict(X):")
    assert shown in Path("digits_predict.py").read_text()
    assert Path("digits.onnx").is_file() and Path("digits_predict_weights.npz").is_file()


def sweeps(ns: dict[str, Any], printed: str) -> None:
    assert ns["search"].best_params == {"layers": (16,), "lr": 0.01}
    assert "rank" in printed  # the table was printed


PROMISES = {
    "README.md": readme,
    "docs/index.md": index,
    "docs/tutorial/shapes-and-maths.md": shapes,
    "docs/tutorial/tutorials-examples.md": tutorials_examples,
    "docs/tutorial/training.md": training,
    "docs/tutorial/gradient-check.md": gradient_check,
    "docs/tutorial/see-it-learn.md": see_it_learn,
    "docs/how-to/the-doctor.md": the_doctor,
    "docs/how-to/model-files.md": model_files,
    "docs/how-to/csv-data.md": csv_data,
    "docs/how-to/sweeps.md": sweeps,
    "docs/how-to/take-your-model-anywhere.md": take_your_model_anywhere,
    "docs/explanation/design.md": design,
}


# Pages whose blocks use packages the test extra does not install (the interop extra
# does, and .ci/run installs it): where one is missing, the page is skipped, saying so.
NEEDS = {"docs/how-to/take-your-model-anywhere.md": ("onnx", "onnxruntime", "torch")}


@pytest.mark.parametrize("page", RUNNABLE, ids=name)
def test_python_blocks_run_and_keep_their_promises(page, capsys, tmp_path, monkeypatch):
    missing = [m for m in NEEDS.get(name(page), ()) if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"{name(page)} needs {', '.join(missing)}: pip install -e \".[interop]\"")
    monkeypatch.chdir(tmp_path)  # files a block writes land here
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # and its tempfile.mkdtemp()s
    namespace, checked = run_page(page)
    printed = capsys.readouterr().out
    # Every claim was checked: none sits on a line the check cannot see (a
    # statement over several lines).
    assert checked == sum(len(claims(code)) for code in blocks(page, "python"))
    promise = PROMISES.get(name(page))
    if promise is not None:
        promise(namespace, printed)
    assert checked > 0 or promise is not None, f"{name(page)}: nothing checks what it shows"


def test_every_promise_names_a_page_with_python_blocks():
    assert set(PROMISES) <= {name(page) for page in RUNNABLE}
    assert sum(len(blocks(page, "python")) for page in pages()) >= 8


def test_every_code_fence_is_closed_and_named():
    for page in pages():
        fences = [line for line in page.read_text().splitlines() if line.startswith("```")]
        assert len(fences) % 2 == 0, name(page)
        # Opening fences name a language; closing ones are bare.
        assert all(f != "```" for f in fences[::2]), name(page)
        assert all(f == "```" for f in fences[1::2]), name(page)


def test_a_false_claim_fails():
    # The claim check itself: a comment that does not match the value is an error.
    with pytest.raises(AssertionError, match="the comment says 3"):
        run_block("1 + 1                 # 3\n", {}, "example")
    with pytest.raises(AssertionError, match="shape"):
        run_block("import numpy as np\nnp.zeros((2, 3)).shape   # (3, 2): shape\n", {},
                  "example")
    assert run_block("import numpy as np\nnp.zeros((2, 3))   # (2, 3): a shape\n"
                     "{'a': 1.0, 'b': 2}   # {'a': 1.001, 'b': ...}\n"
                     "0.95   # about 1\n", {}, "example") == 2


# ------------------------------------------------------------------ code that needs data
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.mark.skipif(not (SHARED_DATA / "mnist").is_dir()
                    or not (SHARED_DATA / "fashion-mnist").is_dir(),
                    reason=f"no MNIST and Fashion-MNIST files in {SHARED_DATA}")
def test_py_blocks_run_where_the_data_files_are(tmp_path, monkeypatch):
    """The ```py blocks load MNIST and Fashion-MNIST from the cache folder and from
    relative paths: lay those out (links to the shared files, no download) and run
    them."""
    shown = [(page, code) for page in pages() for code in blocks(page, "py")]
    assert [name(page) for page, _ in shown] == ["docs/how-to/datasets.md"]
    work = tmp_path / "work"
    (work / "data").mkdir(parents=True)
    (work / "data" / "fashion-mnist").symlink_to(SHARED_DATA / "fashion-mnist")
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "data").symlink_to(SHARED_DATA)
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "mnist").symlink_to(SHARED_DATA / "mnist")
    monkeypatch.setenv("STEEPEST_DATA", str(tmp_path / "cache"))
    monkeypatch.chdir(work)
    for page, code in shown:
        namespace: dict[str, Any] = {}
        run_block(code, namespace, f"{name(page)} py block")
        assert namespace["X_train"].shape == (60000, 784)
        assert namespace["X_test"].shape == (10000, 784)
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["mnist"]  # nothing fetched
