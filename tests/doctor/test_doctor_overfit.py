"""steepest.overfit_check: a sound network memorises a few rows."""

from __future__ import annotations

import numpy as np
import pytest

from steepest import Network, overfit_check
from steepest.datasets import xor
from steepest.errors import ConfigError


def test_a_healthy_network_overfits_a_tiny_batch(blobs, unchanged):
    X, y = blobs
    net = Network([5, 32, 2], activation="relu", loss="cross_entropy", dropout=0.5, seed=0)
    with unchanged(net):
        result = overfit_check(net, X, y, n_samples=8, epochs=200)
    assert result.passed and not result.diverged
    assert result.final_loss < 0.01 * result.initial_loss
    assert len(result.losses) == 200 and result.n_samples == 8
    assert "PASSED" in str(result)


def test_the_tutorial_network_cannot_overfit(tutorial_network):
    X, y = xor()
    result = overfit_check(tutorial_network(), X, y, epochs=20)
    assert not result.passed
    assert result.final_loss == pytest.approx(result.initial_loss)
    assert "FAILED: the loss did not reach ~0" in str(result)


def test_labels_that_contradict_the_rows_cannot_be_overfitted():
    X = np.repeat(np.eye(4, dtype="float32"), 2, axis=0)   # each row twice...
    y = np.tile([0, 1], 4)                                  # ...with both labels
    net = Network([4, 16, 2], activation="relu", loss="cross_entropy", seed=0)
    result = overfit_check(net, X, y, epochs=200)
    assert not result.passed
    assert result.final_loss > 0.6                          # stuck near log 2


def test_overfit_check_reports_divergence(regression_net):
    net, X, y = regression_net
    result = overfit_check(net, X * 1e3, y * 1e3, optimizer="sgd", learning_rate=1e3,
                           epochs=50)
    assert not result.passed and result.diverged
    assert "NaN or infinite" in str(result)


def test_overfit_check_reports_the_epochs_it_ran_when_it_diverges(spiral_data):
    X, y = spiral_data
    net = Network([2, 16, 16, 2], activation="relu", loss="cross_entropy", seed=0)
    result = overfit_check(net, X, y, optimizer="sgd", learning_rate=1e6)
    assert result.diverged
    assert result.epochs == len(result.losses), (result.epochs, len(result.losses), str(result))
    assert result.epochs < 300 and f"{result.epochs} epochs" in str(result)


def test_overfit_check_refuses_a_bad_sample_count(blobs):
    X, y = blobs
    net = Network([5, 4, 2], loss="cross_entropy")
    with pytest.raises(ConfigError, match="n_samples must be a whole number >= 1, got 0"):
        overfit_check(net, X, y, n_samples=0)
