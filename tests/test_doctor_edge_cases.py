"""Edge cases of the doctor (diagnose, lr_find, overfit_check), explain and the plots:
zeroed layers, a converged network, diverging runs, strict JSON, and bad input."""

from __future__ import annotations

import io
import pickle
import re

import numpy as np
import pytest

import steepest
from steepest import GradientMonitor, Network, Snapshots
from steepest.cli import main
from steepest.datasets import spirals, xor
from steepest.errors import DataError, SteepestError

matplotlib = pytest.importorskip("matplotlib")
from steepest import plots  # noqa: E402


def _state(net: Network) -> tuple:
    """Everything the doctor's tools promise to leave alone."""
    return (net.params.tobytes(), repr(net.rng.bit_generator.state), net.epochs_trained,
            pickle.dumps(dict(net.history.items()) if hasattr(net.history, "items")
                         else net.history),
            pickle.dumps(net.optimizer))


@pytest.fixture(scope="module")
def spiral_data():
    return spirals(n_samples=200, seed=0)


# ------------------------------------------------------- diagnose, lr_find, overfit_check


def test_zero_output_layer_is_not_a_symmetry_error(spiral_data):
    # Zeroing the last layer is a legitimate initialisation: the output units are told
    # apart by their targets, so they get different gradients and do not stay twins.
    X, y = spiral_data
    y3 = y.copy()
    y3[:20] = 2
    net = Network([2, 16, 3], activation="tanh", loss="cross_entropy", seed=0)
    W0, b0, W1, b1 = net.get_weights()
    net.set_weights([W0, b0, np.zeros_like(W1), b1])
    dW1 = net.gradients(X, y3)[2]
    assert not np.allclose(dW1[:, :1], dW1)          # the units do not stay twins...
    report = steepest.diagnose(net, X, y3, optimizer="sgd", learning_rate=0.1)
    # ...so no 'symmetric_weights'; and ratios over |W| = 0 are "no data" (NaN), not
    # infinite: no 'exploding_gradients' nor 'large_updates' either.
    assert report.codes() == [], report.codes()
    output = report.layers[-1]
    assert np.isnan(output.grad_ratio) and np.isnan(output.update_ratio)
    assert output.grad_norm > 0 and np.isfinite(report.layers[0].update_ratio)


def test_zero_hidden_layer_with_random_neighbours_is_not_symmetric(spiral_data):
    X, y = spiral_data
    net = Network([2, 8, 8, 2], activation="tanh", loss="cross_entropy", seed=0)
    net.weights[1][...] = 0.0
    dW1 = net.gradients(X, y)[2]
    # W2's rows differ, so each unit of layer 1 gets its own gradient: no twins.
    assert not np.allclose(dW1[:, :1], dW1)
    assert "symmetric_weights" not in steepest.diagnose(net, X, y).codes()


def test_converged_network_is_not_an_error():
    X = np.linspace(-1, 1, 9)[:, None]
    net = Network([1, 1], activation="identity", loss="mse", dtype="float64", seed=0)
    net.set_weights([np.array([[2.0]]), np.array([0.5])])
    report = steepest.diagnose(net, X, 2 * X + 0.5)
    assert report.losses[0] == 0.0
    assert "no_gradient" not in report.codes(), str(report)
    assert report.codes() == ["converged"] and report.healthy
    # Away from the minimum, the same zero gradient (dead ReLUs) is still an error.
    dead = Network([1, 1], activation="relu", output_activation="relu", loss="mse",
                   dtype="float64", seed=0)
    dead.set_weights([np.array([[1.0]]), np.array([-5.0])])
    assert "no_gradient" in steepest.diagnose(dead, X, 2 * X + 0.5).codes()


def test_lr_find_suggestion_lies_within_the_tested_range(spiral_data):
    X, y = spiral_data
    net = Network([2, 16, 16, 2], activation="relu", loss="cross_entropy", seed=1)
    found = steepest.lr_find(net, X, y, optimizer="sgd")
    # Here the smoothed loss is lowest at the very first (noisy) point, 1e-6: looked for
    # there, the minimum made the suggestion 1e-7, below the range tested.
    assert found.learning_rates[0] <= found.suggestion <= found.learning_rates[-1], (
        found.suggestion, found.min_loss_rate)


def test_lr_find_suggestion_is_before_the_minimum(spiral_data):
    X, y = spiral_data
    net = Network([2, 16, 16, 2], activation="relu", loss="cross_entropy", seed=0)
    found = steepest.lr_find(net, X, y, optimizer="adam")
    assert found.suggestion < found.min_loss_rate, (found.suggestion, found.min_loss_rate)


def test_overfit_check_reports_the_epochs_it_ran_when_it_diverges(spiral_data):
    X, y = spiral_data
    net = Network([2, 16, 16, 2], activation="relu", loss="cross_entropy", seed=0)
    result = steepest.overfit_check(net, X, y, optimizer="sgd", learning_rate=1e6)
    assert result.diverged
    assert result.epochs == len(result.losses), (result.epochs, len(result.losses), str(result))
    assert result.epochs < 300 and f"{result.epochs} epochs" in str(result)


# ------------------------------------------------------- no side effects, explain, plots, CLI


def test_doctor_tools_leave_a_trained_network_untouched(spiral_data):
    X, y = spiral_data
    net = Network([2, 16, 16, 2], activation="relu", loss="cross_entropy", dropout=0.2, seed=0)
    net.fit(X, y, epochs=2, optimizer="adam", learning_rate=0.01)
    before = _state(net)
    steepest.diagnose(net, X, y)
    assert _state(net) == before
    steepest.lr_find(net, X, y, steps=20)
    assert _state(net) == before
    steepest.overfit_check(net, X, y, epochs=20)
    assert _state(net) == before
    net.explain(X[:3], y[:3], file=io.StringIO())
    assert _state(net) == before


@pytest.mark.parametrize("loss, out, targets", [
    ("cross_entropy", None, lambda r: r.integers(0, 3, 5)),
    ("sse", "sigmoid", lambda r: r.random((5, 3))),
    ("binary_cross_entropy", None, lambda r: r.integers(0, 2, (5, 3))),
])
def test_explain_matches_gradients_and_loss_with_dropout_and_several_samples(loss, out,
                                                                             targets):
    from steepest.explain import training_step
    from steepest.optimizers import SGD

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(5, 4)), targets(rng)
    net = Network([4, 6, 3], activation="tanh", output_activation=out, loss=loss,
                  dropout=0.5, seed=0, dtype="float64")
    step = training_step(net, X, y, 0.1)
    # Dropout as in training: the very step fit takes, masks and all (a copy holds
    # the same random state, so it draws the same masks).
    done = net.copy().train_step(X, y, SGD(0.1))
    assert done.applied and step.masks[0] is not None
    np.testing.assert_array_equal(step.masks[0], done.trace.masks[0])
    for k in range(net.n_layers):
        np.testing.assert_array_equal(step.weight_grads[k], done.gradients.weights[k])
        np.testing.assert_array_equal(step.bias_grads[k], done.gradients.biases[k])
        np.testing.assert_array_equal(step.psis[k], done.gradients.psis[k])
    assert step.loss == done.loss
    # Without dropout, the step's gradient is the one net.gradients gives.
    net.dropout = [0.0]
    plain, grads = training_step(net, X, y, 0.1), net.gradients(X, y)
    for k in range(net.n_layers):
        np.testing.assert_allclose(plain.weight_grads[k], grads[2 * k], atol=1e-12)
        np.testing.assert_allclose(plain.bias_grads[k], grads[2 * k + 1], atol=1e-12)
    assert plain.loss == pytest.approx(net.evaluate(X, y)["loss"], rel=1e-12)
    net.dropout = [0.5]
    text = net.explain(X, y, file=io.StringIO())
    assert "dropout as in training" in text and "M_0 (dropout mask)" in text
    assert "5 samples" in text


def test_explain_apply_is_one_sgd_step():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(6, 3)), rng.integers(0, 2, 6)
    net = Network([3, 4, 2], activation="tanh", loss="cross_entropy", seed=0, dtype="float64")
    twin = net.copy()
    net.explain(X, y, learning_rate=0.3, apply=True, file=io.StringIO())
    twin.fit(X, y, epochs=1, batch_size=None, optimizer="sgd", learning_rate=0.3, shuffle=False)
    np.testing.assert_allclose(net.params, twin.params, atol=1e-12)


def test_gradient_monitor_does_not_change_training(spiral_data):
    X, y = spiral_data

    def run(callbacks, dtype="float32"):
        net = Network([2, 8, 8, 2], activation="relu", loss="cross_entropy", dropout=0.2,
                      seed=1, dtype=dtype)
        net.fit(X, y, epochs=3, batch_size=16, optimizer="adam", learning_rate=0.01,
                validation_split=0.2, callbacks=callbacks)
        return net

    plain = run([])
    monitor = GradientMonitor(X, y)
    watched = run([monitor])
    np.testing.assert_array_equal(plain.params, watched.params)
    assert monitor.grad_norms.shape == (4, 3)
    by_step = GradientMonitor(X, y, per="step", every=5)
    run([by_step], dtype="float64")
    assert np.all(np.diff(by_step.epochs) > 0) and np.all(np.isfinite(by_step.grad_norms))


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


def test_gif_leaves_no_temporary_file_when_drawing_fails(tmp_path, spiral_data):
    pytest.importorskip("PIL")
    X, y = spiral_data
    net = Network([2, 4, 2], activation="relu", loss="cross_entropy", seed=0)
    snaps = Snapshots()
    snaps.param_vectors += [net.params.copy(), np.zeros(3)]  # the 2nd frame cannot be drawn
    snaps.epochs += [0, 1]
    with pytest.raises(ValueError):
        plots.animate_decision_boundary(net, X, y, snaps, tmp_path / "b.gif", resolution=10)
    assert list(tmp_path.iterdir()) == []


def test_cli_nan_csv_is_a_one_line_error(tmp_path, capsys):
    rows = ["a,b,label", "0.1,0.2,0", "nan,0.4,1", "0.5,0.6,0", "0.7,0.8,1"]
    (tmp_path / "nan.csv").write_text("\n".join(rows) + "\n")
    for command in ("diagnose", "explain", "overfit-check"):
        assert main([command, "--data", str(tmp_path / "nan.csv")]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "NaN" in err, err


def test_doctor_bad_inputs_raise_steepest_errors():
    X, y = xor()
    net = Network([2, 4, 2], activation="tanh", loss="cross_entropy", seed=0)
    Xn = X.astype(float)
    Xn[0, 0] = np.nan
    for call in (lambda: steepest.diagnose(net, Xn, y), lambda: steepest.lr_find(net, Xn, y),
                 lambda: steepest.overfit_check(net, Xn, y),
                 lambda: steepest.diagnose(net, X, y + 5),
                 lambda: steepest.diagnose(net, X[:, :1], y),
                 lambda: net.explain(X, y - 1, file=io.StringIO())):
        with pytest.raises(SteepestError):
            call()


def _strict_json(text: str):
    import json

    def refuse(constant: str):
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("command, code", [("overfit-check", 1), ("diagnose", 0)])
def test_doctor_json_stays_json_when_the_loss_diverges(command, code, capsys):
    args = [command, "--data", "xor", "--activation", "identity", "--optimizer", "sgd",
            "--lr", "1e30", "--json"]
    assert main(args) == code
    out = capsys.readouterr().out
    try:
        _strict_json(out)
    except ValueError as exc:
        raise AssertionError(f"{exc}: {out[:300]}") from None


def test_error_surface_refuses_a_path_of_other_weights(spiral_data):
    from steepest import WeightPath

    X, y = spiral_data
    net = Network([2, 4, 2], activation="relu", loss="cross_entropy", seed=0)
    path = WeightPath((0, 0, 0), (0, 1, 0))
    net.fit(X, y, epochs=1, callbacks=[path])
    try:
        fig = plots.plot_error_surface(net, X, y, first=(1, 0, 0), path=path, resolution=5)
    except SteepestError:
        return
    axis = fig.axes[0]
    raise AssertionError(f"path of W0[0, 0], W0[1, 0] drawn over {axis.get_xlabel()}, "
                         f"{axis.get_ylabel()}")


def test_explain_never_prints_minus_zero():
    # -0.0 (here an input; also X.T @ psi with a zero signal) used to print as "-0".
    net = Network([2, 1], activation="identity", loss="mse", dtype="float64", seed=0)
    net.set_weights([np.array([[1.0], [1.0]]), np.array([0.0])])
    X = np.array([[-0.0, -2.0]])
    text = net.explain(X, X.sum(axis=1, keepdims=True), file=io.StringIO())
    assert "[[0, -2]]" in text
    assert not re.search(r"(?<![\w.])-0(?![\w.])", text), text


def test_decision_boundary_counts_the_bad_values_of_x(spiral_data):
    X, y = spiral_data
    net = Network([2, 4, 2], activation="relu", loss="cross_entropy", seed=0)
    bad = X.copy()
    bad[3, 1] = np.nan
    bad[5, 0] = np.inf
    with pytest.raises(DataError, match=r"found 2 NaN or infinite values \(of 400\)"):
        plots.plot_decision_boundary(net, bad, y, resolution=10)


def test_decision_boundary_refuses_negative_labels(spiral_data):
    X, y = spiral_data
    net = Network([2, 4, 2], activation="relu", loss="cross_entropy", seed=0)
    with pytest.raises(DataError, match=r"class labels 0, 1, \.\.\., got -1"):
        plots.plot_decision_boundary(net, X, y - 1, resolution=10)


def test_cli_explain_says_how_many_rows_it_used(capsys):
    # xor has 4 rows: asking for 100 explains a step on those 4, and the header says so.
    assert main(["explain", "--data", "xor", "--samples", "100"]) == 0
    assert "4 samples" in capsys.readouterr().out.splitlines()[0]
