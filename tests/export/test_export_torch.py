"""PyTorch both ways: net.to_torch() gives the same outputs for every activation
and output type; Network.from_torch reads a Sequential back; a few training steps
after conversion, with the same optimiser settings, leave the same weights in both,
so a learner continues in PyTorch exactly where steepest stopped; anything a
network cannot hold is refused with a line naming the module."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from export_helpers import make_network

from steepest import Network
from steepest.errors import ConfigError, DataError

torch = pytest.importorskip("torch", reason='PyTorch: pip install -e ".[interop]"')
nn = torch.nn


def torch_outputs(model, X: np.ndarray, dtype=None) -> np.ndarray:
    with torch.no_grad():
        return model(torch.from_numpy(np.asarray(X, dtype=dtype))).numpy()


def test_to_torch_gives_the_same_outputs(network, random_rows):
    model = network.to_torch().eval()
    got = torch_outputs(model, random_rows, network.dtype)
    expected = network.predict(random_rows)
    assert got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6)
    assert isinstance(model, nn.Sequential)


def test_to_torch_on_the_digits(digits_network):
    net, X_test = digits_network
    model = net.to_torch()
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear", "Softmax"]
    np.testing.assert_allclose(torch_outputs(model, X_test, np.float32), net.predict(X_test),
                               rtol=0, atol=1e-6)


def test_the_modules_and_their_parameters():
    net = make_network("sigmoid-slope-leaky-softmax")
    model = net.to_torch()
    names = [type(m).__name__ for m in model]
    assert names == ["Linear", "ScaledSigmoid", "Linear", "LeakyReLU", "Linear", "Softmax"]
    assert model[1].c == 0.3 and model[3].negative_slope == 0.2 and model[5].dim == -1
    # nn.Linear keeps W transposed: (n_out, n_in).
    np.testing.assert_array_equal(model[0].weight.detach().numpy(), net.weights[0].T)
    np.testing.assert_array_equal(model[0].bias.detach().numpy(), net.biases[0])
    assert [type(m).__name__ for m in make_network("linear-no-hidden").to_torch()] == ["Linear"]


def test_from_torch_reads_back_the_network(network, random_rows):
    back = Network.from_torch(network.to_torch(), loss=network.loss.name)
    assert back.sizes == network.sizes and back.activations == network.activations
    assert back.dtype == network.dtype
    np.testing.assert_array_equal(back.params, network.params)
    np.testing.assert_array_equal(back.predict(random_rows), network.predict(random_rows))


def test_dropout_goes_both_ways():
    net = Network([4, 8, 8, 3], activation="relu", loss="cross_entropy", dropout=[0.25, 0.5])
    model = net.to_torch()
    assert [m.p for m in model if isinstance(m, nn.Dropout)] == [0.25, 0.5]
    assert Network.from_torch(model).dropout == [0.25, 0.5]


def test_a_sequential_built_in_torch(random_rows):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Identity(), nn.Linear(16, 16),
                          nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 4), nn.Softmax(dim=1))
    net = Network.from_torch(model)
    assert net.sizes == [5, 16, 16, 4] and net.loss.name == "cross_entropy"
    assert [f.name for f in net.activations] == ["tanh", "relu", "softmax"]
    np.testing.assert_allclose(net.predict(random_rows),
                               torch_outputs(model.eval(), random_rows, np.float32), atol=1e-6)
    # Two Linear layers in a row: the identity between them; no bias: zeros.
    plain = Network.from_torch(nn.Sequential(nn.Linear(5, 3), nn.Linear(3, 1, bias=False)))
    assert [f.name for f in plain.activations] == ["identity", "identity"]
    assert plain.loss.name == "mse" and not plain.biases[1].any()


@pytest.mark.parametrize(("optimizer", "make_torch_optimizer"), [
    ("sgd", lambda p: torch.optim.SGD(p, lr=0.1)),
    ("momentum", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
    ("adam", lambda p: torch.optim.Adam(p, lr=0.1)),
])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_training_continues_alike_in_both(optimizer, make_torch_optimizer, dtype):
    net, X, y = trained(dtype)
    model = net.to_torch()
    torch_optimizer = make_torch_optimizer(model.parameters())
    logits = model[:-1]  # CrossEntropyLoss takes logits: the Sequential without its softmax
    X_t, y_t = torch.from_numpy(X.astype(dtype)), torch.from_numpy(y)
    for step in range(5):
        batch = slice(8 * step, 8 * step + 8)
        net.train_step(X[batch], y[batch], optimizer if step == 0 else None,
                       learning_rate=0.1 if step == 0 else None)
        torch_optimizer.zero_grad()
        nn.CrossEntropyLoss()(logits(X_t[batch]), y_t[batch]).backward()
        torch_optimizer.step()
    atol = 1e-12 if dtype == "float64" else 2e-6
    for W, linear in zip(net.weights, model[::2], strict=True):
        np.testing.assert_allclose(linear.weight.detach().numpy().T, W, rtol=0, atol=atol)
    for b, linear in zip(net.biases, model[::2], strict=True):
        np.testing.assert_allclose(linear.bias.detach().numpy(), b, rtol=0, atol=atol)
    # And they did move: five steps of lr 0.1 are not nothing.
    assert not np.allclose(Network.from_torch(model).params, trained(dtype)[0].params,
                           atol=1e-3)


def trained(dtype: str) -> tuple[Network, np.ndarray, np.ndarray]:
    """A ``[5, 8, 3]`` network trained for 2 epochs on random rows ``X`` ``(40, 5)``
    and labels ``y`` ``(40,)``, always the same."""
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(40, 5)), rng.integers(0, 3, 40)
    net = Network([5, 8, 3], activation="sigmoid(c=0.5)", loss="cross_entropy", seed=0,
                  dtype=dtype)
    net.fit(X, y, epochs=2, batch_size=8, optimizer="adam", learning_rate=0.05)
    return net, X, y


def test_mse_training_continues_alike():
    rng = np.random.default_rng(2)
    X, Y = rng.normal(size=(16, 3)), rng.normal(size=(16, 2))
    net = Network([3, 6, 2], activation="tanh", output_activation="identity", loss="mse",
                  seed=0, dtype="float64")
    model = net.to_torch()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    for _ in range(3):
        net.train_step(X, Y, "sgd", learning_rate=0.05)
        opt.zero_grad()
        nn.MSELoss()(model(torch.from_numpy(X)), torch.from_numpy(Y)).backward()
        opt.step()
    np.testing.assert_allclose(Network.from_torch(model).params, net.params, atol=1e-12)


def test_scaled_sigmoid_pickles_with_the_model():
    model = make_network("sigmoid-slope-leaky-softmax").to_torch()
    copy = pickle.loads(pickle.dumps(model))
    assert type(copy[1]).__name__ == "ScaledSigmoid" and copy[1].c == 0.3
    from steepest.export.torch import ScaledSigmoid

    assert type(copy[1]) is ScaledSigmoid


def test_what_a_network_cannot_hold_is_refused():
    with pytest.raises(ConfigError, match=r"module 1 \(Conv1d\(.*\)\) cannot be part of a "
                       "steepest network"):
        Network.from_torch(nn.Sequential(nn.Linear(4, 4), nn.Conv1d(1, 1, 3)))
    with pytest.raises(ConfigError, match=r"module 2 .*GELU.* cannot be part"):
        Network.from_torch(nn.Sequential(nn.Linear(4, 4), nn.Identity(), nn.GELU()))
    with pytest.raises(ConfigError, match=r"from_torch takes an nn.Sequential .* got Linear"):
        Network.from_torch(nn.Linear(4, 4))
    with pytest.raises(ConfigError, match=r"module 0 \(ReLU\(\)\) comes before any nn.Linear"):
        Network.from_torch(nn.Sequential(nn.ReLU(), nn.Linear(4, 4)))
    with pytest.raises(ConfigError, match=r"module 2 .*follows layer 0's activation"):
        Network.from_torch(nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Tanh()))
    with pytest.raises(ConfigError, match="softmax over dimension 0"):
        Network.from_torch(nn.Sequential(nn.Linear(4, 4), nn.Softmax(dim=0)))
    with pytest.raises(ConfigError, match="softmax belongs on the output layer only"):
        Network.from_torch(nn.Sequential(nn.Linear(4, 4), nn.Softmax(dim=-1), nn.Linear(4, 2)))
    with pytest.raises(ConfigError, match="dropout after the output layer"):
        Network.from_torch(nn.Sequential(nn.Linear(4, 2), nn.Dropout(0.5)))
    with pytest.raises(ConfigError, match="holds no layer with weights"):
        Network.from_torch(nn.Sequential())


def test_corrupt_weights_are_data_errors():
    with pytest.raises(DataError, match=r"layer 1 has weights of shape \(5, 2\) .* expected "
                       r"\(4, n\)"):
        Network.from_torch(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(5, 2)))
    broken = nn.Sequential(nn.Linear(3, 2))
    with torch.no_grad():
        broken[0].weight[0, 0] = float("nan")
    with pytest.raises(DataError, match="NaN or infinity"):
        Network.from_torch(broken)
