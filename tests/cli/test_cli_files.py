"""Files are never destroyed by accident: ``--out``, ``--plot``, ``--plots``,
``--checkpoint`` and ``sweep --out`` write over nothing steepest did not write, nor
over the command's inputs; a steepest model is replaced only with ``--force``; a
symbolic link is written through; a FIFO or a folder is refused; two runs never
write one file at once. Every node is made in the test's own temporary folder."""

from __future__ import annotations

import os

import numpy as np
import pytest
from cli_helpers import assert_user_error, classification_rows, run, run_json, run_ok, write_csv

import steepest
from steepest._files import exclusive

XOR = ("train", "--data", "xor", "--epochs", "3")


def _bytes_of(folder):
    """Every entry of ``folder`` with its bytes (None for what is not a file)."""
    return {p.name: p.read_bytes() if p.is_file() and not p.is_symlink() else None
            for p in folder.iterdir()}


@pytest.fixture
def table(tmp_path):
    return write_csv(tmp_path / "d.csv", ["size", "weight", "color", "label"],
                     classification_rows(60))


def test_train_refuses_to_write_its_model_over_its_own_csv(tmp_path, table):
    before = table.read_bytes()
    result = run("train", "--data", "d.csv", "--one-hot", "color", "--epochs", "2", "--out",
                 "d.csv", cwd=tmp_path)
    assert_user_error(result, "--out d.csv is d.csv, which this command reads; give another "
                      "name", quiet_stdout=False)
    assert table.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv"]


def test_sweep_refuses_to_write_its_model_over_its_own_csv(tmp_path, table):
    before = table.read_bytes()
    result = run("sweep", "--data", "d.csv", "--one-hot", "color", "--grid", "layers=4",
                 "--epochs", "1", "--cv", "2", "--out", "d.csv", cwd=tmp_path)
    assert_user_error(result, "--out d.csv is d.csv, which this command reads",
                      quiet_stdout=False)
    assert table.read_bytes() == before


def test_lr_find_refuses_to_draw_over_a_model(tmp_path):
    run_ok(*XOR, "--out", "m.npz", "--json", cwd=tmp_path)
    before = (tmp_path / "m.npz").read_bytes()
    result = run("lr-find", "--data", "xor", "--layers", "16", "--steps", "10", "--plot",
                 "m.npz", cwd=tmp_path)
    assert_user_error(result, "--plot m.npz exists and is a steepest model file; steepest "
                      "replaces only pictures it drew")
    assert (tmp_path / "m.npz").read_bytes() == before
    result = run("lr-find", "m.npz", "--steps", "10", "--plot", "m.npz", cwd=tmp_path)
    assert_user_error(result, "--plot m.npz is m.npz, which this command reads")


def test_lr_find_replaces_its_own_picture_but_not_another(tmp_path):
    pytest.importorskip("matplotlib")
    from PIL import Image

    args = ("lr-find", "--data", "xor", "--layers", "4", "--steps", "10", "--plot", "lr.png")
    run_ok(*args, cwd=tmp_path)
    run_ok(*args, cwd=tmp_path)  # its own picture: replaced, no question asked
    Image.new("RGB", (3, 3)).save(tmp_path / "lr.png")
    before = (tmp_path / "lr.png").read_bytes()
    assert_user_error(run(*args, cwd=tmp_path), "--plot lr.png exists and is a file steepest "
                      "did not draw")
    assert (tmp_path / "lr.png").read_bytes() == before


@pytest.mark.parametrize("name", ["lr.txt", "lr.svg", "lr"])
def test_lr_find_refuses_a_picture_it_could_not_replace_before_the_test(tmp_path, name):
    """Only PNG and GIF carry steepest's mark: another suffix (or one matplotlib has
    no writer for) is refused at once, not after the range test."""
    result = run("lr-find", "--data", "xor", "--layers", "4", "--steps", "10", "--plot", name,
                 cwd=tmp_path)
    assert_user_error(result, f"--plot {name}: a picture's name must end in .png or .gif "
                      "(pictures steepest marks as its own, so that it may replace them later)")
    assert list(tmp_path.iterdir()) == []


def test_lr_find_replaces_its_own_gif(tmp_path):
    pytest.importorskip("matplotlib")
    args = ("lr-find", "--data", "xor", "--layers", "4", "--steps", "10", "--plot", "lr.gif")
    run_ok(*args, cwd=tmp_path)
    run_ok(*args, cwd=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lr.gif"]


def test_a_folder_given_as_a_picture_gets_a_picture_s_name_as_the_hint(tmp_path):
    (tmp_path / "adir").mkdir()
    result = run("lr-find", "--data", "xor", "--steps", "10", "--plot", "adir", cwd=tmp_path)
    assert_user_error(result, "--plot adir is a folder; give a file name such as plot.png")


def test_a_fifo_given_as_the_plots_folder_is_called_a_fifo(tmp_path):
    pytest.importorskip("matplotlib")
    os.mkfifo(tmp_path / "fifo.npz")
    result = run(*XOR, "--plots", "fifo.npz", cwd=tmp_path)
    assert_user_error(result, "--plots fifo.npz is a FIFO (named pipe), not a folder; give a "
                      "folder for the images", quiet_stdout=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo.npz"]


def test_train_refuses_to_write_over_a_text_file(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    result = run(*XOR, "--out", "notes.txt", cwd=tmp_path)
    assert_user_error(result, "--out notes.txt exists and is not a steepest model file; "
                      "steepest replaces only files it wrote", quiet_stdout=False)
    assert notes.read_text() == "my notes\n"
    assert_user_error(run(*XOR, "--out", "notes.txt", "--force", cwd=tmp_path),
                      "is not a steepest model file", quiet_stdout=False)  # not even forced
    assert notes.read_text() == "my notes\n"


def test_replacing_a_model_needs_force(tmp_path):
    first = run_json(*XOR, "--seed", "1", "--out", "m.npz", cwd=tmp_path)
    before = (tmp_path / "m.npz").read_bytes()
    result = run(*XOR, "--seed", "2", "--out", "m.npz", cwd=tmp_path)
    assert_user_error(result, "--out m.npz already holds a steepest model; add --force to "
                      "replace it, or give another name", quiet_stdout=False)
    assert (tmp_path / "m.npz").read_bytes() == before
    second = run_json(*XOR, "--seed", "2", "--out", "m.npz", "--force", cwd=tmp_path)
    assert second["model"] == first["model"]
    assert steepest.load(tmp_path / "m.npz").seed == 2


def test_a_fifo_at_out_is_refused_and_never_opened(tmp_path):
    fifo = tmp_path / "f.npz"
    os.mkfifo(fifo)
    result = run(*XOR, "--out", "f.npz", cwd=tmp_path)  # a blocked open would hang here
    assert_user_error(result, "cannot write f.npz: it is a FIFO (named pipe), not a file",
                      quiet_stdout=False)
    assert fifo.is_fifo() and sorted(p.name for p in tmp_path.iterdir()) == ["f.npz"]


def test_a_folder_at_out_is_refused(tmp_path):
    (tmp_path / "m.npz").mkdir()
    assert_user_error(run(*XOR, "--out", "m.npz", cwd=tmp_path), "--out m.npz is a folder",
                      quiet_stdout=False)
    assert (tmp_path / "m.npz").is_dir() and list((tmp_path / "m.npz").iterdir()) == []


def test_a_symlink_at_out_is_written_through_and_stays_a_link(tmp_path):
    (tmp_path / "link.npz").symlink_to("target.npz")
    report = run_json(*XOR, "--out", "link.npz", cwd=tmp_path)
    assert os.readlink(tmp_path / "link.npz") == "target.npz"
    net = steepest.load(tmp_path / "target.npz")
    assert net.sizes == [2, 4, 2] and report["model"] == str((tmp_path / "target.npz").resolve())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.npz", "target.npz"]
    # Now the link leads to a model: replacing it needs --force, through the link too.
    assert_user_error(run(*XOR, "--out", "link.npz", cwd=tmp_path), "--force",
                      quiet_stdout=False)


def test_a_symlink_to_a_fifo_is_refused(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "m.npz").symlink_to("pipe")
    assert_user_error(run(*XOR, "--out", "m.npz", cwd=tmp_path), "it is a FIFO",
                      quiet_stdout=False)
    assert (tmp_path / "m.npz").is_symlink() and (tmp_path / "pipe").is_fifo()


def test_a_second_run_writing_the_same_out_is_refused_while_the_first_runs(tmp_path):
    with exclusive(tmp_path / "m.npz"):  # what a run holds while it trains
        result = run(*XOR, "--out", "m.npz", cwd=tmp_path)
        assert_user_error(result, f"--out m.npz: another steepest process (pid {os.getpid()}) "
                          "is writing this file; wait for it, or give another name",
                          quiet_stdout=False)
    assert not (tmp_path / "m.npz").exists()
    run_ok(*XOR, "--out", "m.npz", "--json", cwd=tmp_path)  # free once the first is done
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]  # no lock file left


def test_checkpoint_and_out_must_be_two_files(tmp_path):
    result = run(*XOR, "--out", "m.npz", "--checkpoint", "m.npz", cwd=tmp_path)
    assert_user_error(result, "--checkpoint m.npz and --out m.npz are the same file",
                      quiet_stdout=False)
    (tmp_path / "notes.txt").write_text("x")
    assert_user_error(run(*XOR, "--checkpoint", "notes.txt", cwd=tmp_path),
                      "--checkpoint notes.txt exists and is not a steepest model file",
                      quiet_stdout=False)
    assert_user_error(run(*XOR, "--checkpoint-every", "2", cwd=tmp_path),
                      "--checkpoint-every needs --checkpoint FILE", quiet_stdout=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_plots_replace_only_the_pictures_steepest_drew(tmp_path):
    pytest.importorskip("matplotlib")
    plots = tmp_path / "plots"
    run_ok(*XOR, "--out", "m.npz", "--plots", "plots", "--json", cwd=tmp_path)
    drawn = sorted(p.name for p in plots.iterdir())
    assert "training-curves.png" in drawn
    run_ok("plot", "m.npz", "--out", "plots", cwd=tmp_path)  # its own pictures: replaced
    (plots / "activations.png").write_text("my own file, named as a picture\n")
    before = _bytes_of(plots)
    for args in (("plot", "m.npz", "--out", "plots"),
                 (*XOR, "--out", "m2.npz", "--plots", "plots")):
        result = run(*args, cwd=tmp_path)
        assert_user_error(result, f"plots{os.sep}activations.png exists and is a file steepest "
                          "did not draw", quiet_stdout=False)
        assert _bytes_of(plots) == before
    assert not (tmp_path / "m2.npz").exists()


def test_the_users_metadata_never_meets_the_command_lines_record(tmp_path):
    """Files the library saved with metadata named like the command line's own keys
    work with info, predict and evaluate."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype="float32")
    np.save(tmp_path / "rows.npy", X)
    for i, metadata in enumerate(({"test": "holdout v2"}, {"data": "digits", "image": "yes"},
                                  {"classes": 10})):
        net = steepest.Network([2, 4, 2], activation="tanh", loss="cross_entropy", seed=0)
        net.fit(X, [0, 1, 1, 0], epochs=3, batch_size=None)
        net.metadata = metadata
        net.save(tmp_path / f"m{i}.npz")
        out = run_ok("info", f"m{i}.npz", cwd=tmp_path).stdout
        assert "trained on" not in out and "test:" not in out
        report = run_json("predict", f"m{i}.npz", "rows.npy", cwd=tmp_path)
        assert [p["output"] for p in report["predictions"]] == net.predict(X).tolist()
        report = run_json("evaluate", f"m{i}.npz", "--data", "xor", cwd=tmp_path)
        assert report["loss"] == pytest.approx(net.evaluate(X, [0, 1, 1, 0])["loss"])
        assert steepest.load(tmp_path / f"m{i}.npz").metadata == metadata
