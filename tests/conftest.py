"""Fixtures shared by the test modules: small datasets and networks.

Each fixture named like a helper function returns that function, so a test asks
for ``blobs`` and calls ``blobs(20)``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from steepest import Network, _kernels


def _blobs(n: int = 200, seed: int = 0, gap: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian blobs in 2-D: ``X`` ``(n, 2)`` and labels 0/1 alternating ``(n,)``."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    centres = np.where(y[:, None] == 1, gap, -gap) * np.array([1.0, 0.5])
    X = centres + rng.normal(size=(n, 2))
    return X, y


def _classifier(seed: int = 0, **kwargs) -> Network:
    """A ``[2, 4, 2]`` tanh network with softmax and cross-entropy, for the blobs."""
    return Network([2, 4, 2], activation="tanh", loss="cross_entropy", seed=seed, **kwargs)


@pytest.fixture(autouse=True, scope="session")
def _caches_in_the_sessions_folder(tmp_path_factory):
    """Dask's workers (the sweeps' LocalCluster, in this process or in a CLI
    subprocess) keep their scratch space, and PyTorch's compiler (the exports to
    ONNX) its cache, in folders of this session, not in ``/tmp/dask-scratch-space``
    and ``/tmp/torchinductor_<user>``, which they leave behind."""
    patch = pytest.MonkeyPatch()
    patch.setenv("DASK_TEMPORARY_DIRECTORY", str(tmp_path_factory.mktemp("dask-scratch")))
    patch.setenv("TORCHINDUCTOR_CACHE_DIR", str(tmp_path_factory.mktemp("torchinductor")))
    try:
        import dask.config
    except ImportError:  # no dask extra: no sweep on Dask runs
        pass
    else:
        dask.config.refresh()  # dask read the environment when it was imported
    yield
    patch.undo()


@pytest.fixture
def blobs():
    """``blobs(n=200, seed=0, gap=2.0) -> (X, y)``: two labelled Gaussian blobs."""
    return _blobs


@pytest.fixture
def classifier():
    """``classifier(seed=0, **kwargs) -> Network``: a small network for the blobs."""
    return _classifier


# ---------------------------------------------------------------------- "nothing changed"


def _labelled(n: int = 12, n_features: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``X`` ``(n, n_features)`` normal and labels ``0, 1, 2, 0, ...`` ``(n,)``."""
    X = np.random.default_rng(seed).normal(size=(n, n_features))
    return X, np.arange(n) % 3


def _three_classes(**kwargs) -> Network:
    """A ``[3, 4, 3]`` tanh network with softmax and cross-entropy."""
    return Network([3, 4, 3], activation="tanh", loss="cross_entropy", seed=0, **kwargs)


def _state_of(net: Network) -> tuple:
    """Everything of ``net`` that training changes: weights, optimiser, history, epochs,
    random state."""
    return (net.get_weights(), net.optimizer, net.history.to_dict(), net.epochs_trained,
            net.rng.bit_generator.state)


def _assert_unchanged(net: Network, state: tuple) -> None:
    weights, optimizer, history, epochs, rng_state = state
    for before, after in zip(weights, net.get_weights(), strict=True):
        assert np.array_equal(before, after)
    assert net.optimizer is optimizer
    assert net.history.to_dict() == history
    assert net.epochs_trained == epochs
    assert net.rng.bit_generator.state == rng_state


def _fit_fails(net: Network, cls: type, X, y, **kwargs) -> str:
    """``fit`` must raise ``cls`` (a steepest error, so a ValueError too) and leave the
    network untouched; returns the message."""
    from steepest.errors import SteepestError

    state = _state_of(net)
    with pytest.raises(cls) as info:
        net.fit(X, y, epochs=2, **kwargs)
    assert isinstance(info.value, ValueError) and isinstance(info.value, SteepestError)
    _assert_unchanged(net, state)
    return str(info.value)


@pytest.fixture
def labelled():
    """``labelled(n=12, n_features=3, seed=0) -> (X, y)``: normal rows, three classes."""
    return _labelled


@pytest.fixture
def three_classes():
    """``three_classes(**kwargs) -> Network``: a ``[3, 4, 3]`` classifier."""
    return _three_classes


@pytest.fixture
def state_of():
    """``state_of(net)``: a record of everything training changes in ``net``."""
    return _state_of


@pytest.fixture
def assert_unchanged():
    """``assert_unchanged(net, state)``: ``net`` is as ``state_of`` recorded it."""
    return _assert_unchanged


@pytest.fixture
def fit_fails():
    """``fit_fails(net, ErrorClass, X, y, **settings) -> message``: fit refuses, nothing
    changes."""
    return _fit_fails


@pytest.fixture
def trained() -> tuple[Network, np.ndarray, np.ndarray]:
    """A ``[3, 4, 3]`` network with an optimiser and a history (so "unchanged" covers
    those too), and its data."""
    X, y = _labelled()
    net = _three_classes()
    net.fit(X, y, epochs=2, batch_size=4, optimizer="adam", learning_rate=0.01)
    return net, X, y


@pytest.fixture(autouse=True)
def _registries_restored():
    """Whatever a test registers (steepest.register) is forgotten after it."""
    from steepest.activations import ACTIVATIONS
    from steepest.initializers import INITIALIZERS
    from steepest.losses import LOSSES
    from steepest.optimizers import OPTIMIZERS, SCHEDULES

    registries = (ACTIVATIONS, INITIALIZERS, LOSSES, OPTIMIZERS, SCHEDULES)
    saved = [dict(r._classes) for r in registries]
    yield
    for registry, classes in zip(registries, saved, strict=True):
        registry._classes.clear()
        registry._classes.update(classes)


@pytest.fixture(params=["numpy", "compiled"])
def update_path(request):
    """Each test twice: with the optimisers' NumPy updates, and with the compiled
    kernels (skipped where they were not built). Yields the path's name."""
    if request.param == "compiled" and not _kernels.built():
        pytest.skip("the compiled kernels were not built (installed without a C compiler)")
    before = _kernels.use(request.param)
    yield request.param
    _kernels.use(before)


@pytest.fixture
def numpy_updates():
    """The optimisers' NumPy updates (with their thread pool), not the compiled kernels."""
    before = _kernels.use("numpy")
    yield
    _kernels.use(before)


#: What a reader may find where it expects a file, for ``not_a_file``.
NOT_A_FILE = ("folder", "fifo", "link loop")


def _not_a_file(path: Path, kind: str) -> str:
    """Put ``kind`` (one of :data:`NOT_A_FILE`) at ``path``: a folder, a FIFO, or a
    loop of two symbolic links; returns how ``steepest._files.read_problem`` names
    it. A FIFO must be refused without being opened: a read would wait for a writer."""
    if kind == "folder":
        path.mkdir()
        return "a folder"
    if kind == "fifo":
        os.mkfifo(path)
        return "a FIFO (named pipe)"
    other = path.with_name(f"other-{path.name}")
    other.symlink_to(path.name)
    path.symlink_to(other.name)
    return "a loop of symbolic links"


@pytest.fixture
def not_a_file():
    """``not_a_file(path, kind) -> how it is named``: see :func:`_not_a_file`."""
    return _not_a_file
