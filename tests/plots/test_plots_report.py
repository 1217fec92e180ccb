"""steepest.plots.report: activation statistics and histograms (with the doctor's
thresholds), and every picture of a model written at once."""

from __future__ import annotations

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
from PIL import Image  # noqa: E402

from steepest import GradientMonitor, Network, Thresholds, diagnose, plots  # noqa: E402
from steepest.activations import Activation, get_activation  # noqa: E402
from steepest.plots.report import _output_range  # noqa: E402


def test_activation_statistics_saturated_sigmoid_and_dead_relu():
    X = np.array([[0.2, 0.3]])
    wide = Network([2, 1000, 1000, 2], activation="sigmoid", init="uniform01", seed=0)
    first, second = plots.activation_statistics(wide, X)
    assert second["saturated"] == 1.0 and first["saturated"] < 0.1
    assert second["dead"] is None and second["activation"] == "sigmoid"

    relu = Network([2, 6, 6, 2], activation="relu", loss="cross_entropy", seed=0)
    relu.biases[1][:3] = -100.0  # three units of layer 1 can never fire
    stats = plots.activation_statistics(relu, np.random.default_rng(0).uniform(size=(50, 2)))
    assert stats[1]["dead"] == 0.5 and stats[1]["saturated"] is None


def test_plot_activation_histograms_one_panel_per_hidden_layer():
    X = np.random.default_rng(0).normal(size=(40, 3))
    net = Network([3, 5, 4, 2], activation="tanh", loss="cross_entropy", seed=0)
    fig = plots.plot_activation_histograms(net, X, bins=10)
    assert len(fig.axes) == 2
    counts = [p.get_height() for p in fig.axes[1].patches]
    assert len(counts) == 10 and sum(counts) == 40 * 4
    assert fig.axes[0].get_title().startswith("layer 0 (tanh), ")
    assert fig.axes[0].get_title().endswith("saturated")


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_the_marks_are_the_doctor_s_with_the_same_thresholds(activation):
    rng = np.random.default_rng(0)
    X, y = rng.normal(scale=3.0, size=(64, 3)), rng.integers(0, 2, 64)
    net = Network([3, 8, 6, 2], activation=activation, loss="cross_entropy", seed=0,
                  dtype="float64")
    for thresholds in (Thresholds(), Thresholds(saturation_margin=0.2)):
        doctor = diagnose(net, X, y, steps=1, thresholds=thresholds)  # every row, in order
        marks = plots.activation_statistics(net, X, thresholds)
        assert [(m["saturated"], m["dead"]) for m in marks] == [
            (s.saturated, s.dead) for s in doctor.layers[:-1]]
    if activation != "relu":  # a wider margin counts more outputs as saturated
        default, wide = (plots.activation_statistics(net, X, Thresholds(saturation_margin=m))
                         for m in (0.01, 0.2))
        assert wide[0]["saturated"] > default[0]["saturated"]


def test_the_histogram_titles_count_with_the_given_thresholds():
    # tanh(2.3 .. 2.6) lies between 0.980 and 0.989: within 0.05 of 1, not within 0.01.
    X = np.array([[1.0], [-1.0]])
    net = Network([1, 4, 2], activation="tanh", loss="cross_entropy", seed=0)
    net.weights[0][...] = [[2.3, 2.4, 2.5, 2.6]]
    net.biases[0][...] = 0.0
    title = plots.plot_activation_histograms(net, X).axes[0].get_title()
    assert title == "layer 0 (tanh), 0% saturated"
    wide = plots.plot_activation_histograms(net, X, thresholds=Thresholds(saturation_margin=0.05))
    assert wide.axes[0].get_title() == "layer 0 (tanh), 100% saturated"


class HardTanh(Activation):
    """``clip(z, -1, 1)``: flat tails, a name steepest has never heard of."""

    name = "hard_tanh_for_a_test"

    def forward(self, Z: np.ndarray) -> np.ndarray:
        return np.clip(Z, -1.0, 1.0)

    def backward(self, Z: np.ndarray, A: np.ndarray, grad_A: np.ndarray) -> np.ndarray:
        grad_A *= np.abs(Z) < 1
        return grad_A

    def saturated(self, A: np.ndarray, margin: float) -> np.ndarray:
        return np.abs(A) > 1 - margin


def test_the_marks_and_the_range_ask_the_activation():
    net = Network([2, 6, 2], activation=HardTanh(), loss="cross_entropy", seed=0)
    net.weights[0][...] = 10.0 * np.sign(net.weights[0])  # most sums far beyond +-1
    X = np.random.default_rng(0).uniform(-1, 1, size=(30, 2))
    (facts,) = plots.activation_statistics(net, X)
    assert facts["activation"] == "hard_tanh_for_a_test" and facts["saturated"] > 0.5
    axis = plots.plot_activation_histograms(net, X, bins=8).axes[0]
    assert axis.get_title().endswith(f"{facts['saturated']:.0%} saturated")
    bars = axis.patches
    assert bars[0].get_x() == -1.0 and bars[-1].get_x() + bars[-1].get_width() == 1.0


@pytest.mark.parametrize("name, bounds", [
    ("sigmoid", (0.0, 1.0)), ("sigmoid(c=0.01)", (0.0, 1.0)), ("tanh", (-1.0, 1.0)),
    ("relu", None), ("leaky_relu", None), ("identity", None), ("softmax", None),
])
def test_a_histogram_spans_a_bounded_activation_s_whole_range(name, bounds):
    assert _output_range(get_activation(name)) == bounds


def test_write_model_plots_for_images(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.uniform(size=(40, 25)), rng.integers(0, 3, size=40)
    net = Network([25, 6, 3], activation="relu", loss="cross_entropy", seed=0)
    monitor = GradientMonitor(X, y)
    net.fit(X, y, epochs=2, callbacks=[monitor])
    paths = plots.write_model_plots(net, X, y, tmp_path / "out", classes=["a", "b", "c"],
                                    monitor=monitor)
    names = [p.name for p in paths]
    assert names == ["training-curves.png", "gradient-norms.png", "activations.png",
                     "confusion-matrix.png", "first-layer-weights.png", "misclassified.png"]
    for p in paths:
        with Image.open(p) as image:
            assert image.format == "PNG" and image.size[0] > 200


def test_write_model_plots_for_2d_data_and_regression(moons_run, tmp_path):
    net, X, y, *_ = moons_run
    names = [p.name for p in plots.write_model_plots(net, X, y, tmp_path, classes=["0", "1"])]
    assert "decision-boundary.png" in names and "first-layer-weights.png" not in names
    regression = Network([3, 4, 1], activation="tanh", output_activation="identity", loss="mse")
    rows = np.random.default_rng(0).normal(size=(10, 3))
    names = [p.name for p in plots.write_model_plots(regression, rows, rows[:, 0], tmp_path)]
    assert names == ["activations.png"]
