"""steepest.plots._mpl: matplotlib imported only to draw, figures, panels, saving."""

from __future__ import annotations

import sys

import pytest

matplotlib = pytest.importorskip("matplotlib")
from matplotlib.figure import Figure  # noqa: E402

from steepest import Network, plots  # noqa: E402
from steepest._files import is_steepest_picture  # noqa: E402
from steepest.errors import ConfigError, SteepestError  # noqa: E402


def test_save_figure_writes_a_png_atomically(tmp_path):
    fig = plots.plot_history({"loss": [1.0, 0.5]})
    path = plots.save_figure(fig, tmp_path / "curves.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["curves.png"]
    with pytest.raises(SteepestError, match="does not exist"):
        plots.save_figure(fig, tmp_path / "missing" / "curves.png")


def test_save_figure_refuses_a_format_matplotlib_cannot_write(tmp_path):
    fig = plots.plot_history({"loss": [1.0, 0.5]})
    with pytest.raises(ConfigError, match=r"^cannot write .*curves\.txt: matplotlib cannot "
                       r"write \.txt pictures; end the name with one of .*\.gif, .*\.png, "):
        plots.save_figure(fig, tmp_path / "curves.txt")
    assert list(tmp_path.iterdir()) == []


def test_save_figure_marks_pngs_and_gifs_as_steepest_s(tmp_path):
    fig = plots.plot_history({"loss": [1.0, 0.5]})
    for name in ("curves.png", "curves.gif"):
        assert is_steepest_picture(plots.save_figure(fig, tmp_path / name)), name
    assert not is_steepest_picture(plots.save_figure(fig, tmp_path / "curves.jpg"))


def test_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ConfigError, match=r'pip install "steepest\[plots\]"'):
        plots.plot_history({"loss": [1.0]})


def test_figure_gives_off_screen_panels_to_draw_into(moons_run):
    fig, axes = plots.figure(2)
    assert isinstance(fig, Figure) and len(axes) == 2
    assert plots.plot_gradient_norms(moons_run[3], which="both", ax=axes) is fig
    assert [len(ax.get_lines()) for ax in axes] == [2, 2]


def test_plots_draw_into_given_axes(spiral_data):
    X, y = spiral_data
    net = Network([2, 8, 2], activation="relu", loss="cross_entropy", seed=0)
    fig, (ax,) = plots.figure(1)
    assert plots.plot_decision_boundary(net, X, y, ax=ax, resolution=20) is fig
    fig, (ax,) = plots.figure(1)
    assert plots.plot_error_surface(net, X, y, (0, 0, 0), (0, 2, 0), ax=ax,
                                    resolution=5) is fig
    fig, axes = plots.figure(1)
    assert plots.plot_activation_histograms(net, X, ax=axes) is fig
    fig, axes = plots.figure(3)
    with pytest.raises(SteepestError):  # wrong number of panels: a clear error
        plots.plot_activation_histograms(net, X, ax=axes)


def test_importing_steepest_does_not_import_matplotlib():
    import subprocess

    code = ("import sys, steepest, steepest.plots, steepest.doctor; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


def test_check_available_names_the_extra(monkeypatch):
    plots.check_available()
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ConfigError, match=r'need matplotlib: pip install "steepest\[plots\]"'):
        plots.check_available()
