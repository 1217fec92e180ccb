"""``steepest demo tutorials`` and ``steepest demo vanishing``: the tutorials'
examples and the first tutorial's vanishing-gradient story, trained from scratch
in seconds.

Offline and with no data files: each example's data is written out or generated.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .activations import Sigmoid
from .callbacks import GradientMonitor
from .datasets import and_first_last, xor
from .network import Network


def one_input_one_output() -> None:
    """First tutorial: a [2, 3, 3, 2] sigmoid network learns [.2, .3] -> [.3, .67]."""
    X, y = np.array([[0.2, 0.3]]), np.array([[0.3, 0.67]])
    net = Network([2, 3, 3, 2], activation="sigmoid", loss="sse", init="uniform01", seed=0)
    before = net.predict(X)[0]
    net.fit(X, y, epochs=3000, batch_size=None, optimizer="sgd", learning_rate=1.0)
    after = net.predict(X)[0]
    print(f"[2, 3, 3, 2] maps [.2, .3] to {np.round(before, 3)} before, {np.round(after, 3)} "
          "after training (target [.3, .67])")


def xor_example() -> None:
    """XOR: not linearly separable, so it needs the hidden layer."""
    X, y = xor()
    net = Network([2, 4, 1], activation="tanh", loss="binary_cross_entropy", seed=1)
    net.fit(X, y, epochs=500, batch_size=None, optimizer="adam", learning_rate=0.05)
    print(f"XOR: outputs {np.round(net.predict(X)[:, 0], 3)} for targets {y}, "
          f"accuracy {net.evaluate(X, y)['accuracy']:.0%}")


def and_of_first_and_last() -> None:
    """Third tutorial: learn 'first AND last' from 5 rows, then predict 3 unseen ones."""
    (X_train, y_train), (X_test, _) = and_first_last()
    net = Network([3, 2, 1], activation="sigmoid", loss="binary_cross_entropy",
                  init="uniform", seed=0)
    net.fit(X_train, y_train, epochs=5000, batch_size=None, optimizer="sgd", learning_rate=1.6)
    print(f"first AND last, unseen rows {X_test.astype(int).tolist()}: predicted "
          f"{np.round(net.predict(X_test)[:, 0], 3)} (expected [0, 1, 0])")


def tutorials() -> None:
    """Run the three examples, printing what each network learned."""
    started = time.perf_counter()
    one_input_one_output()
    xor_example()
    and_of_first_and_last()
    print(f"done in {time.perf_counter() - started:.1f} s")


@dataclass
class VanishingRun:
    """One configuration of the vanishing-gradient story and what happened to it."""

    label: str
    net: Network
    monitor: GradientMonitor
    loss_before: float
    loss_after: float

    @property
    def initial_grad_norms(self) -> np.ndarray:
        """``||dLoss/dW_i||`` per layer before training, shape ``(n_layers,)``."""
        return self.monitor.grad_norms[0]

    @property
    def learned(self) -> bool:
        """The loss fell at least tenfold."""
        return self.loss_after < self.loss_before / 10


#: The first tutorial's task: one input, one target.
VANISHING_X = np.array([[0.2, 0.3]])
VANISHING_Y = np.array([[0.3, 0.67]])


def vanishing_runs(epochs: int = 60) -> list[VanishingRun]:
    """Train ``[2, 1000, 1000, 2]`` on the first tutorial's one input -> one output
    with plain sigmoid, the scaled sigmoid ``Sigmoid(c=0.01)`` and leaky ReLU
    (full-batch gradient descent, ``epochs`` steps), recording each layer's
    gradient norm after every step."""
    configs = [
        ("sigmoid", dict(activation="sigmoid", init="uniform01"), 100.0),
        ("sigmoid c=0.01", dict(activation=Sigmoid(c=0.01), init="uniform01"), 100.0),
        ("leaky_relu", dict(activation="leaky_relu", init="he"), 0.01),
    ]
    runs = []
    for label, settings, learning_rate in configs:
        net = Network([2, 1000, 1000, 2], loss="sse", seed=0, **settings)
        monitor = GradientMonitor(VANISHING_X, VANISHING_Y)
        before = net.evaluate(VANISHING_X, VANISHING_Y)["loss"]
        net.fit(VANISHING_X, VANISHING_Y, epochs=epochs, batch_size=None, optimizer="sgd",
                learning_rate=learning_rate, callbacks=[monitor])
        after = net.evaluate(VANISHING_X, VANISHING_Y)["loss"]
        runs.append(VanishingRun(f"{label} (lr {learning_rate:g})", net, monitor, before,
                                 after))
    return runs


def _doctor(run: VanishingRun) -> None:
    """Print what ``steepest.diagnose`` finds in a run's network (for plain
    sigmoid, unchanged by training: no gradient ever reached it)."""
    from .doctor import diagnose

    learning_rate = run.net.optimizer.lr if run.net.optimizer is not None else None
    report = diagnose(run.net, VANISHING_X, VANISHING_Y, learning_rate=learning_rate)
    print(f"the doctor, steepest.diagnose, on the {run.label} network:")
    for finding in report.findings:
        print(f"  {finding}".replace("\n", "\n  "))


def vanishing(plots: Path | None = None) -> list[Path]:
    """The first tutorial's story: a wide sigmoid network does not learn because
    no gradient reaches its weights; the scaled sigmoid and leaky ReLU do.
    Prints each configuration's gradient norms and verdict; with ``plots``,
    writes the figures there and returns their paths."""
    started = time.perf_counter()
    if plots is not None:
        from .plots import check_available

        check_available()  # before training, not after
    runs = vanishing_runs()
    print("[2, 1000, 1000, 2] learning [.2, .3] -> [.3, .67] by full-batch gradient descent, "
          f"{len(runs[0].net.history)} steps")
    print("gradient norm ||dLoss/dW|| per layer before training:")
    width = max(len(run.label) for run in runs)
    print(f"  {'':<{width}}  " + "  ".join(f"{f'layer {i}':>9}" for i in range(3)))
    for run in runs:
        print(f"  {run.label:<{width}}  "
              + "  ".join(f"{v:>9.3g}" for v in run.initial_grad_norms))
    for run in runs:
        verdict = "learns" if run.learned else "does not learn"
        print(f"{run.label}: {verdict} (loss {run.loss_before:.4g} -> {run.loss_after:.4g}, "
              f"output {np.round(run.net.predict(VANISHING_X)[0], 3)})")
    plain = runs[0].net.forward(VANISHING_X)
    print(f"why: with plain sigmoid every weighted sum of layer 1 is at least "
          f"{plain.sums[1].min():.0f}, where sigmoid is flat: f'(z) = a(1 - a) = 0 there, so "
          "backpropagation multiplies every gradient by 0")
    _doctor(runs[0])
    written = _vanishing_figures(runs, plots) if plots is not None else []
    for path in written:
        print(f"wrote {path.resolve()}")
    print(f"done in {time.perf_counter() - started:.1f} s")
    return written


def _vanishing_figures(runs: list[VanishingRun], out: Path) -> list[Path]:
    from . import plots

    out.mkdir(parents=True, exist_ok=True)
    norms = plots.plot_layer_norms({run.label: run.initial_grad_norms for run in runs},
                                   title="gradient norm per layer before training")
    losses = plots.plot_losses({run.label: run.net.history for run in runs})
    over_time, axes = plots.figure(len(runs))
    # One floor and one scale for every panel, so the panels compare at a glance.
    all_norms = np.concatenate([run.monitor.grad_norms.ravel() for run in runs])
    floor = float(all_norms[all_norms > 0].min()) / 100
    for axis, run in zip(axes, runs, strict=True):
        plots.plot_gradient_norms(run.monitor, ax=axis, floor=floor)
        axis.set_ylim(floor / 10, float(all_norms.max()) * 10)
        axis.set_title(run.label, fontsize=10)
    saturated = plots.plot_activation_histograms(runs[0].net, VANISHING_X, bins=20)
    return [plots.save_figure(fig, out / name) for name, fig in zip(
        PLOTTING_DEMOS["vanishing"], (norms, losses, over_time, saturated), strict=True)]


DEMOS = {"tutorials": tutorials, "vanishing": vanishing}

#: The demos that draw figures (``steepest demo NAME --plots DIR``), and their files.
PLOTTING_DEMOS = {"vanishing": ("vanishing-gradients.png", "vanishing-loss.png",
                                "vanishing-gradient-norms.png", "vanishing-activations.png")}
