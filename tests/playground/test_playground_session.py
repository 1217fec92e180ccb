"""steepest.playground.session: a tab's network trained by fit itself, so every
figure the page shows is the library's: the same weights as a plain fit, the
same step as steepest explain, the same report as the doctor."""

from __future__ import annotations

import math

import numpy as np
import pytest

from steepest import Network, diagnose
from steepest.errors import ConfigError
from steepest.explain import format_step, training_step
from steepest.playground import views
from steepest.playground.export import python_code
from steepest.playground.session import Session
from steepest.playground.settings import Limits, Settings

LIMITS = Limits()


def session(**changes) -> Session:
    return Session(LIMITS, Settings().updated(changes, LIMITS))


def run_code(code: str) -> dict:
    """Run exported code (quietly); its variables."""
    import contextlib
    import io

    scope: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, "playground.py", "exec"), scope)
    return scope


@pytest.mark.parametrize("changes", [
    {},
    {"dataset": "spiral", "classes": 3, "layers": [8, 8], "activations": ["relu"],
     "optimizer": "adam", "learning_rate": 0.01, "regularization": "l2", "reg_rate": 0.001,
     "features": ["x1", "x2", "sinx1"], "batch_size": 7},
    {"dataset": "hills", "layers": [6], "regularization": "l1", "reg_rate": 0.001,
     "schedule": "cosine", "dropout": 0.1, "train_ratio": 70, "seed": 3},
    {"dataset": "moons", "loss": "mse", "output": "sigmoid", "init": "he", "noise": 20},
], ids=["defaults", "spiral-adam-l2", "hills-l1-cosine-dropout", "moons-mse"])
def test_the_playground_trains_as_its_exported_code_does(changes):
    # The page trains in pieces (an epoch a frame, or what fits in a time budget);
    # the exported code trains in one fit: the same network, weight for weight.
    s = session(**changes)
    s.train(3)
    s.train(1)
    s.train(seconds=0.01)
    s.train(2)
    scope = run_code(python_code(s))
    net: Network = scope["net"]
    assert net.epochs_trained == s.epoch >= 7
    np.testing.assert_array_equal(net.params, s.net.params)
    assert net.history.to_dict() == s.net.history.to_dict()


def test_the_figures_are_fits_and_evaluates():
    s = session()
    before = s.figures()
    assert before["test_loss"] == s.net.evaluate(s.test_inputs, s.data.y_test)["loss"]
    assert before["train_loss"] == s.net.evaluate(s.train_inputs, s.data.y_train)["loss"]
    s.train(5)
    figures = s.figures()
    history = s.net.history
    assert len(history) == 5
    assert figures["train_loss"] == history["loss"][-1]
    assert figures["test_loss"] == pytest.approx(history["val_loss"][-1], rel=1e-12)
    assert figures["accuracy"] == pytest.approx(history["val_accuracy"][-1], rel=1e-12)
    matrix = np.array(figures["confusion"])
    assert matrix.sum() == len(s.data.y_test)
    assert np.trace(matrix) / matrix.sum() == pytest.approx(figures["accuracy"])
    values = session(dataset="plane")
    values.train(3)
    f = values.figures()
    predicted = values.net.predict(values.test_inputs)[:, 0]
    assert f["rmse"] == pytest.approx(np.sqrt(np.mean((predicted - values.data.y_test) ** 2)),
                                      rel=1e-5)
    assert set(f) == {"train_loss", "test_loss", "r2", "rmse"}


def test_a_frame_holds_every_unit_the_weights_and_the_new_epochs():
    s = session(features=["x1", "x2", "x1x2"], layers=[5, 3])
    s.train(2)
    header, arrays = views.decode(s.frame({"playing": True}))
    assert header["epoch"] == 2 and header["playing"] is True
    assert header["history"]["from"] == 0 and len(header["history"]["loss"]) == 2
    np.testing.assert_array_equal(arrays["params"], s.net.params)
    # 3 features, 5 + 3 hidden units, 2 outputs, each a picture
    assert arrays["units"].shape == (13, views.UNIT_GRID, views.UNIT_GRID)
    assert len(header["scales"]) == 13
    # the output picture is the network's own prediction at each grid point
    classes = arrays["output"][0].ravel()
    np.testing.assert_array_equal(classes, s.net.predict_classes(s.grid_inputs))
    # the second frame sends only what is new
    s.train(1)
    header, _ = views.decode(s.frame())
    assert header["history"]["from"] == 2 and len(header["history"]["loss"]) == 1


def test_a_units_picture_is_its_output_over_the_grid():
    s = session(layers=[3])
    _, arrays = views.decode(s.frame())
    trace = s.net.forward(s.grid_inputs)
    every = trace.outputs[0].reshape(views.OUTPUT_GRID, views.OUTPUT_GRID, 3)[::2, ::2]
    unit = every[:, :, 1].ravel()  # hidden unit 2, every 2nd grid point
    picture = arrays["units"][2 + 1].ravel().astype(np.float64)  # after the 2 features
    np.testing.assert_allclose((picture - 128) / 127, unit, atol=1 / 127)


def test_training_settings_carry_on_with_the_same_weights():
    s = session()
    s.train(4)
    generation, params = s.generation, s.net.params.copy()
    change = s.update({"learning_rate": 0.3, "batch_size": 25, "regularization": "l2",
                       "reg_rate": 0.01})
    assert not change.reset and s.generation == generation and s.epoch == 4
    np.testing.assert_array_equal(s.net.params, params)
    assert s.optimizer.learning_rate == 0.3 and s.optimizer.lr == 0.3
    s.train(1)
    assert s.epoch == 5 and s.net.history["lr"][-1] == 0.3
    change = s.update({"optimizer": "adam"})
    assert not change.reset and "adam" in change.message and s.optimizer.name == "adam"
    s.update({"schedule": "exponential(rate=0.5)"})
    s.train(2)
    assert s.net.history["lr"][-2:] == pytest.approx([0.3, 0.15])  # counted from the change


def test_the_data_and_the_architecture_start_a_new_network():
    s = session()
    s.train(2)
    for changes in ({"layers": [3, 3, 3]}, {"features": ["x1"]}, {"noise": 10},
                    {"dataset": "xor"}, {"dropout": 0.2}, {"activations": ["relu"]}):
        generation = s.generation
        change = s.update(changes)
        assert change.reset and "starts afresh" in change.message
        assert s.generation == generation + 1 and s.epoch == 0
        s.train(1)
    assert s.net.sizes == [1, 3, 3, 3, 2]


def test_a_setting_the_library_refuses_changes_nothing():
    s = session()
    s.train(1)
    net, settings = s.net, s.settings
    with pytest.raises(ConfigError, match="cross_entropy"):
        s.update({"loss": "cross_entropy", "output": "tanh"})
    assert s.net is net and s.settings == settings
    with pytest.raises(ConfigError, match="noise must be a whole number"):
        s.update({"noise": -1})
    assert s.settings == settings


def test_the_stop_conditions():
    s = session(stop_epochs=6)
    s.train(seconds=30)
    assert s.epoch == 6 and s.stopped == "stopped at epoch 6, as asked"
    s.train(3)
    assert s.epoch == 6  # stopped stays stopped...
    s.update({"stop_epochs": 8})
    s.train(seconds=30)
    assert s.epoch == 8  # ...until the condition changes
    s = session(stop_loss=0.5, learning_rate=0.3)
    s.train(seconds=60)
    assert s.net.history["val_loss"][-1] <= 0.5 < min(s.net.history["val_loss"][:-1])
    assert s.stopped.startswith(f"stopped at epoch {s.epoch}: test loss")


def test_a_diverging_run_stops_with_the_last_good_weights():
    s = session(dataset="plane", layers=[8, 8], activations=["relu"], optimizer="sgd",
                learning_rate=10.0, batch_size=1)
    s.train(seconds=30)
    assert s.stopped.startswith("training diverged")
    assert np.isfinite(s.net.params).all()
    header, _ = views.decode(s.frame())
    assert header["stopped"] == s.stopped


def test_one_step_explained_is_steepest_explains():
    s = session(batch_size=3)
    s.train(2)
    params = s.net.params.copy()
    report = s.explain()
    step = training_step(s.net, s.train_inputs[:3], s.data.y_train[:3], 0.03)
    assert report["text"] == format_step(s.net, step)
    assert report["text"].startswith("one training step: Network 2 -> 4 -> 2 -> 2, loss "
                                     "cross_entropy, 3 samples")
    assert report["summary"]["loss"] == step.loss
    np.testing.assert_array_equal(s.net.params, params)  # shown, not applied


def test_the_doctor_is_diagnose_on_the_network_as_it_is():
    s = session(dataset="spiral", layers=[8] * 6, activations=["sigmoid"], learning_rate=0.3)
    report = s.doctor()
    expected = diagnose(s.net, s.train_inputs, s.data.y_train,
                        optimizer=s.optimizer.fresh(0.3, "constant"), batch_size=256)
    assert [f["code"] for f in report["findings"]] == expected.codes()
    assert "vanishing_gradients" in expected.codes()
    assert report["report"] == str(expected) and report["healthy"] is False


def test_the_gradient_flow_is_the_gradient_monitors():
    s = session(layers=[4, 4, 4])
    s.train(1)
    assert s.gradient_flow is None  # measured only while its panel is open
    s.panels = frozenset({"gradients"})
    s.train(1)
    flow = s.gradient_flow
    assert len(flow["grad_norms"]) == len(flow["update_ratios"]) == 4
    assert all(v > 0 for v in flow["grad_norms"] + flow["update_ratios"])
    header, _ = views.decode(s.frame())
    assert header["gradients"] == flow


def test_the_error_surface_and_the_path():
    s = session()
    s.panels = frozenset({"surface"})
    first, second = (0, 0, 0), (0, 2, 1)  # W0[0, 0] and the bias b0[1]
    report = s.surface(first, second)
    loss = np.array(report["loss"])
    assert loss.shape == (21, 21)
    # the middle of the surface is where the weights are now
    assert loss[10, 10] == pytest.approx(s.net.evaluate(s.train_inputs, s.data.y_train)["loss"],
                                         rel=1e-5)
    s.train(3)
    header, _ = views.decode(s.frame())
    assert header["path"] == [float(s.net.weights[0][0, 0]), float(s.net.biases[0][1])]
    assert len(s.surface(first, second)["path"]) == 2  # where it was, where it is
    with pytest.raises(ConfigError, match="two different weights"):
        s.surface(first, first)
    with pytest.raises(ConfigError, match="layer 0 has W of shape"):
        s.surface(first, (0, 9, 9))


def test_a_weight_set_by_hand():
    s = session()
    s.train(1)
    s.set_weight(1, 1, 0, 0.75)
    assert s.net.weights[1][1, 0] == 0.75
    # the figures are the new weights', not the last epoch's
    assert s.figures()["test_loss"] == s.net.evaluate(s.test_inputs, s.data.y_test)["loss"]
    s.set_weight(0, 2, 3, -2)  # row n_in: the bias
    assert s.net.biases[0][3] == -2
    for value in (math.inf, 1e9, "1", True):
        with pytest.raises(ConfigError, match="a weight must be a number from -1000 to 1000"):
            s.set_weight(0, 0, 0, value)
    with pytest.raises(ConfigError, match=r"layer must lie in 0\.\.2"):
        s.set_weight(5, 0, 0, 1.0)


def test_regenerate_makes_new_data_and_a_new_network():
    s = session()
    points = s.data.X_train.copy()
    change = s.regenerate()
    assert change.reset and s.settings.seed != 0
    assert not np.array_equal(points, s.data.X_train)
