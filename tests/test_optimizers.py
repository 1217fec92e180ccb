"""Optimisers and learning-rate schedules, checked against hand-written references."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from steepest import Network
from steepest.errors import ConfigError
from steepest.optimizers import (
    SGD,
    Adam,
    Constant,
    CosineDecay,
    ExponentialDecay,
    Momentum,
    Nesterov,
    RMSprop,
    StepDecay,
    get_optimizer,
    get_schedule,
)

N_PARAMS = 37
N_STEPS = 6


@pytest.fixture(autouse=True)
def _both_paths(update_path):
    """Every test here checks the NumPy updates and the fused kernels alike."""


# --------------------------------------------------------------------------- references
# Written out element by element in plain float64 Python, independently of the library.


def ref_sgd(p, grads, lr):
    p = list(p)
    for g in grads:
        p = [pi - lr * gi for pi, gi in zip(p, g, strict=True)]
    return np.array(p)


def ref_momentum(p, grads, lr, mu, nesterov=False):
    p = list(p)
    v = [0.0] * len(p)
    for g in grads:
        for k in range(len(p)):
            v[k] = mu * v[k] + g[k]
            step = g[k] + mu * v[k] if nesterov else v[k]
            p[k] -= lr * step
    return np.array(p)


def ref_rmsprop(p, grads, lr, rho, eps):
    p = list(p)
    s = [0.0] * len(p)
    for g in grads:
        for k in range(len(p)):
            s[k] = rho * s[k] + (1 - rho) * g[k] ** 2
            p[k] -= lr * g[k] / (math.sqrt(s[k]) + eps)
    return np.array(p)


def ref_adam(p, grads, lr, b1, b2, eps):
    p = list(p)
    m = [0.0] * len(p)
    v = [0.0] * len(p)
    for t, g in enumerate(grads, start=1):
        for k in range(len(p)):
            m[k] = b1 * m[k] + (1 - b1) * g[k]
            v[k] = b2 * v[k] + (1 - b2) * g[k] ** 2
            m_hat = m[k] / (1 - b1**t)
            v_hat = v[k] / (1 - b2**t)
            p[k] -= lr * m_hat / (math.sqrt(v_hat) + eps)
    return np.array(p)


@pytest.fixture
def problem():
    rng = np.random.default_rng(1234)
    p0 = rng.normal(size=N_PARAMS)
    grads = [rng.normal(scale=rng.uniform(0.1, 3.0), size=N_PARAMS) for _ in range(N_STEPS)]
    return p0, grads


def run(opt, p0, grads):
    p = p0.copy()
    for g in grads:
        opt.update(p, g.copy())
    return p


CASES = [
    ("sgd", {"learning_rate": 0.1}, lambda p, g: ref_sgd(p, g, 0.1)),
    ("momentum", {"learning_rate": 0.05, "momentum": 0.8},
     lambda p, g: ref_momentum(p, g, 0.05, 0.8)),
    ("nesterov", {"learning_rate": 0.05, "momentum": 0.7},
     lambda p, g: ref_momentum(p, g, 0.05, 0.7, nesterov=True)),
    ("rmsprop", {"learning_rate": 0.01, "rho": 0.85, "eps": 1e-6},
     lambda p, g: ref_rmsprop(p, g, 0.01, 0.85, 1e-6)),
    ("adam", {"learning_rate": 0.02, "beta1": 0.8, "beta2": 0.95, "eps": 1e-7},
     lambda p, g: ref_adam(p, g, 0.02, 0.8, 0.95, 1e-7)),
]


@pytest.mark.parametrize(("name", "kwargs", "reference"), CASES, ids=[c[0] for c in CASES])
def test_update_rule_matches_reference(problem, name, kwargs, reference):
    p0, grads = problem
    opt = get_optimizer({"name": name, **kwargs})
    p = run(opt, p0, grads)
    expected = reference(p0, grads)
    np.testing.assert_allclose(p, expected, rtol=1e-12, atol=1e-13)
    assert opt.steps == N_STEPS
    # the parameters really moved (a no-op optimiser would fail the reference anyway)
    assert np.abs(p - p0).max() > 1e-3


def test_default_hyperparameters():
    assert SGD().learning_rate == 0.01
    m = Momentum()
    assert (m.learning_rate, m.momentum) == (0.01, 0.9)
    n = Nesterov()
    assert (n.learning_rate, n.momentum) == (0.01, 0.9)
    r = RMSprop()
    assert (r.learning_rate, r.rho, r.eps) == (0.001, 0.9, 1e-8)
    a = Adam()
    assert (a.learning_rate, a.beta1, a.beta2, a.eps) == (0.001, 0.9, 0.999, 1e-8)


@pytest.mark.parametrize("name", ["momentum", "nesterov", "rmsprop", "adam"])
def test_defaults_by_name_match_reference(problem, name):
    p0, grads = problem
    p = run(get_optimizer(name), p0, grads)
    refs = {
        "momentum": lambda: ref_momentum(p0, grads, 0.01, 0.9),
        "nesterov": lambda: ref_momentum(p0, grads, 0.01, 0.9, nesterov=True),
        "rmsprop": lambda: ref_rmsprop(p0, grads, 0.001, 0.9, 1e-8),
        "adam": lambda: ref_adam(p0, grads, 0.001, 0.9, 0.999, 1e-8),
    }
    np.testing.assert_allclose(p, refs[name](), rtol=1e-12, atol=1e-13)


def test_momentum_zero_is_sgd(problem):
    p0, grads = problem
    np.testing.assert_allclose(
        run(Momentum(0.1, momentum=0.0), p0, grads), ref_sgd(p0, grads, 0.1), rtol=1e-13
    )


def test_nesterov_differs_from_momentum(problem):
    p0, grads = problem
    a = run(Momentum(0.1, 0.9), p0, grads)
    b = run(Nesterov(0.1, 0.9), p0, grads)
    assert np.abs(a - b).max() > 1e-3


def test_adam_first_step_is_lr_times_sign():
    # With bias correction the first Adam step is lr * g / (|g| + eps) ~ lr * sign(g).
    g = np.array([3.0, -0.5, 1e-3, -20.0])
    p = np.zeros(4)
    Adam(learning_rate=0.1).update(p, g)
    np.testing.assert_allclose(p, -0.1 * np.sign(g), rtol=1e-4)


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "rmsprop", "adam"])
def test_float32_params_stay_float32(name):
    rng = np.random.default_rng(0)
    p = rng.normal(size=10).astype(np.float32)
    ref = p.astype(np.float64)
    opt = get_optimizer(name, learning_rate=0.01)
    ref_opt = get_optimizer(name, learning_rate=0.01)
    for _ in range(3):
        g = rng.normal(size=10)
        opt.update(p, g.astype(np.float32))
        ref_opt.update(ref, g.astype(np.float32).astype(np.float64))
    assert p.dtype == np.float32
    for state in opt.state.values():
        assert state.dtype == np.float32
    np.testing.assert_allclose(p, ref, rtol=1e-5, atol=1e-6)


def test_update_is_in_place_and_grads_untouched(problem):
    p0, grads = problem
    p = p0.copy()
    g = grads[0].copy()
    opt = Adam(0.01)
    same = p
    opt.update(p, g)
    assert same is p
    np.testing.assert_array_equal(g, grads[0])
    assert not np.array_equal(p, p0)


def test_state_resets_when_shape_changes():
    opt = Momentum(0.1, 0.5)
    opt.update(np.zeros(3), np.ones(3))
    p = np.zeros(5)
    opt.update(p, np.ones(5))
    # a fresh velocity: first step is just -lr * g
    np.testing.assert_allclose(p, -0.1 * np.ones(5))


# --------------------------------------------------------------------------- torch cross-check


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "rmsprop", "adam"])
def test_against_torch(problem, name):
    torch = pytest.importorskip("torch")
    p0, grads = problem
    param = torch.nn.Parameter(torch.tensor(p0, dtype=torch.float64))
    if name == "sgd":
        ours, theirs = SGD(0.1), torch.optim.SGD([param], lr=0.1)
    elif name == "momentum":
        ours, theirs = Momentum(0.05, 0.8), torch.optim.SGD([param], lr=0.05, momentum=0.8)
    elif name == "nesterov":
        ours = Nesterov(0.05, 0.7)
        theirs = torch.optim.SGD([param], lr=0.05, momentum=0.7, nesterov=True)
    elif name == "rmsprop":
        ours = RMSprop(0.01, rho=0.85, eps=1e-6)
        theirs = torch.optim.RMSprop([param], lr=0.01, alpha=0.85, eps=1e-6)
    else:
        ours = Adam(0.02, beta1=0.8, beta2=0.95, eps=1e-7)
        theirs = torch.optim.Adam([param], lr=0.02, betas=(0.8, 0.95), eps=1e-7)
    for g in grads:
        param.grad = torch.tensor(g, dtype=torch.float64)
        theirs.step()
    np.testing.assert_allclose(run(ours, p0, grads), param.detach().numpy(), rtol=1e-10)


# --------------------------------------------------------------------------- get_optimizer


def test_get_optimizer_by_name():
    for name, cls in [("sgd", SGD), ("momentum", Momentum), ("nesterov", Nesterov),
                      ("rmsprop", RMSprop), ("adam", Adam)]:
        opt = get_optimizer(name)
        assert type(opt) is cls
        assert opt.name == name
        assert opt.steps == 0
        assert isinstance(opt.schedule, Constant)


def test_get_optimizer_by_config_dict():
    opt = get_optimizer({"name": "adam", "learning_rate": 0.05, "beta1": 0.5,
                         "schedule": {"name": "step", "step_size": 4, "factor": 0.25}})
    assert type(opt) is Adam
    assert (opt.learning_rate, opt.beta1, opt.beta2) == (0.05, 0.5, 0.999)
    assert isinstance(opt.schedule, StepDecay)
    assert (opt.schedule.step_size, opt.schedule.factor_) == (4, 0.25)


def test_config_round_trip_drops_steps():
    opt = Nesterov(0.03, momentum=0.6, schedule="cosine(epochs=100)")
    opt.update(np.zeros(2), np.ones(2))
    config = opt.config()
    assert config == {
        "name": "nesterov", "learning_rate": 0.03, "momentum": 0.6,
        "schedule": {"name": "cosine", "epochs": 100, "final": 0.0}, "steps": 1,
        "first_epoch": None,
    }
    twin = get_optimizer(config)
    assert type(twin) is Nesterov
    assert twin.hyperparameters() == opt.hyperparameters()
    assert twin.steps == 0
    assert twin.state == {}


def test_get_optimizer_by_object_returns_it():
    opt = RMSprop(0.2)
    assert get_optimizer(opt) is opt


def test_get_optimizer_object_with_overrides_is_an_error():
    with pytest.raises(ConfigError, match="optimizer object"):
        get_optimizer(SGD(0.1), learning_rate=0.5)
    with pytest.raises(ConfigError, match="optimizer object"):
        get_optimizer(SGD(0.1), schedule="step")


def test_learning_rate_and_schedule_override():
    opt = get_optimizer("momentum", learning_rate=0.3, schedule="exponential")
    assert opt.learning_rate == 0.3
    assert opt.momentum == 0.9
    assert isinstance(opt.schedule, ExponentialDecay)
    assert opt.schedule.rate == 0.95
    # override beats the dict's own value
    opt = get_optimizer({"name": "sgd", "learning_rate": 0.1}, learning_rate=0.7,
                        schedule={"name": "step", "step_size": 2})
    assert opt.learning_rate == 0.7
    assert isinstance(opt.schedule, StepDecay)
    assert opt.schedule.step_size == 2


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"name": "sgd", "learning_rate": 0}, "learning_rate must be a positive number"),
        ({"name": "sgd", "learning_rate": -0.1}, "learning_rate must be a positive number"),
        ({"name": "adam", "learning_rate": float("nan")}, "learning_rate"),
        ({"name": "adam", "learning_rate": float("inf")}, "learning_rate"),
        ({"name": "momentum", "momentum": 1.0}, r"momentum must be in \[0, 1\)"),
        ({"name": "nesterov", "momentum": -0.1}, r"momentum must be in \[0, 1\)"),
        ({"name": "rmsprop", "rho": 1.0}, "rmsprop needs"),
        ({"name": "rmsprop", "eps": 0.0}, "rmsprop needs"),
        ({"name": "adam", "beta1": 1.0}, "adam needs"),
        ({"name": "adam", "beta2": -0.5}, "adam needs"),
        ({"name": "adam", "eps": -1e-8}, "adam needs"),
        # Finite numbers only: 1e400 in a spec reads as inf.
        ("adam(eps=1e400)", r"adam needs 0 <= beta1, beta2 < 1 and a finite eps > 0, got "
                            r"0\.9, 0\.999, inf"),
        ({"name": "adam", "eps": float("nan")}, "a finite eps > 0, got .*nan"),
        ({"name": "adam", "beta2": float("-inf")}, "adam needs"),
        ({"name": "adam", "eps": "1e-8"}, "a finite eps > 0, got .*'1e-8'"),
        ({"name": "adam", "eps": True}, "a finite eps > 0, got .*True"),
        ("rmsprop(eps=1e400)", r"rmsprop needs 0 <= rho < 1 and a finite eps > 0, got 0\.9, inf"),
        ({"name": "rmsprop", "rho": float("nan")}, "rmsprop needs"),
        ({"name": "momentum", "momentum": float("inf")}, r"momentum must be in \[0, 1\), got inf"),
        ({"name": "nesterov", "momentum": "0.9"}, r"momentum must be in \[0, 1\), got '0\.9'"),
        ({"name": "sgd", "momentum": 0.9}, "bad parameters for optimizer 'sgd'"),
        ("adagrad", "unknown optimizer 'adagrad'"),
        ({"learning_rate": 0.1}, "an optimizer is a name"),
        (3, "an optimizer is a name"),
    ],
)
def test_bad_optimizer_config(spec, message):
    with pytest.raises(ConfigError, match=message):
        get_optimizer(spec)


def test_config_error_is_a_value_error():
    with pytest.raises(ConfigError, match=r"unknown optimizer 'nope'; expected one of") as info:
        get_optimizer("nope")
    assert isinstance(info.value, ValueError)


# --------------------------------------------------------------------------- schedules


def test_constant_schedule():
    s = get_schedule(None)
    assert isinstance(s, Constant)
    assert [s.factor(e) for e in (0, 1, 50, 1000)] == [1.0] * 4
    assert isinstance(get_schedule("constant"), Constant)


def test_step_schedule_factors():
    s = get_schedule({"name": "step", "step_size": 3, "factor": 0.5})
    assert [s.factor(e) for e in range(8)] == [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25]
    default = get_schedule("step")
    assert default.factor(9) == 1.0
    assert default.factor(10) == 0.5
    assert default.factor(25) == 0.25


def test_exponential_schedule_factors():
    s = ExponentialDecay(rate=0.9)
    assert s.factor(0) == 1.0
    assert s.factor(1) == pytest.approx(0.9)
    assert s.factor(5) == pytest.approx(0.9**5)
    assert s.factor(20) == pytest.approx(0.12157665459056928)


def test_cosine_schedule_factors():
    s = CosineDecay(epochs=10, final=0.1)
    assert s.factor(0) == pytest.approx(1.0)
    assert s.factor(5) == pytest.approx(0.55)
    assert s.factor(2) == pytest.approx(0.1 + 0.45 * (1 + math.cos(0.2 * math.pi)))
    assert s.factor(10) == pytest.approx(0.1)
    assert s.factor(30) == pytest.approx(0.1)
    factors = [s.factor(e) for e in range(11)]
    assert all(a > b for a, b in itertools.pairwise(factors))
    assert CosineDecay(epochs=4).factor(4) == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"name": "step", "step_size": 0}, "step schedule needs"),
        ({"name": "step", "factor": 0.0}, "step schedule needs"),
        ({"name": "step", "factor": 1.5}, "step schedule needs"),
        ({"name": "exponential", "rate": 0.0}, "exponential schedule needs"),
        ({"name": "exponential", "rate": 1.1}, "exponential schedule needs"),
        ({"name": "cosine", "epochs": 0}, "cosine schedule needs"),
        ({"name": "cosine", "final": 2.0}, "cosine schedule needs"),
        ({"name": "cosine", "warmup": 3}, "bad parameters for schedule 'cosine'"),
        ("step(step_size=1e400)", r"step schedule needs step_size >= 1 \(a whole number\) "
                                  r"and 0 < factor <= 1, got inf, 0\.5"),
        ({"name": "step", "step_size": 2.5}, r"a whole number\).*got 2\.5"),
        ({"name": "step", "factor": float("nan")}, "step schedule needs"),
        ({"name": "exponential", "rate": "0.9"}, "exponential schedule needs 0 < rate <= 1, got "
                                                 "'0.9'"),
        ("cosine(epochs=1e400)", r"cosine schedule needs epochs >= 1 \(a whole number\).*got "
                                 "inf"),
        ({"name": "cosine", "final": float("nan")}, "cosine schedule needs"),
        ("linear", "unknown schedule 'linear'"),
        (["step"], "a schedule is a name"),
    ],
)
def test_bad_schedule(spec, message):
    with pytest.raises(ConfigError, match=message):
        get_schedule(spec)


def test_bad_schedule_through_optimizer():
    with pytest.raises(ConfigError, match="unknown schedule"):
        get_optimizer("sgd", schedule="bogus")


def test_schedule_config_round_trip():
    for s in (Constant(), StepDecay(4, 0.3), ExponentialDecay(0.8), CosineDecay(7, 0.2)):
        twin = get_schedule(s.config())
        assert type(twin) is type(s)
        assert [twin.factor(e) for e in range(12)] == [s.factor(e) for e in range(12)]


def test_start_epoch_sets_lr_and_update_uses_it():
    opt = SGD(0.4, schedule={"name": "step", "step_size": 2, "factor": 0.5})
    assert opt.lr == 0.4
    opt.start_epoch(0)
    assert opt.lr == 0.4
    opt.start_epoch(3)
    assert opt.lr == pytest.approx(0.2)
    opt.start_epoch(4)
    assert opt.lr == pytest.approx(0.1)
    assert opt.learning_rate == 0.4  # the base rate is unchanged
    p = np.array([1.0, 2.0])
    opt.update(p, np.array([1.0, -1.0]))
    np.testing.assert_allclose(p, [0.9, 2.1])


def test_start_epoch_scales_adam_step():
    opt = Adam(0.1, schedule=ExponentialDecay(0.5))
    opt.start_epoch(2)
    assert opt.lr == pytest.approx(0.025)
    p = np.zeros(3)
    opt.update(p, np.array([1.0, -2.0, 4.0]))
    np.testing.assert_allclose(p, [-0.025, 0.025, -0.025], rtol=1e-6)


# --------------------------------------------------------------------------- schedules in fit


def _tiny_data():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(12, 2))
    y = (X[:, 0] > 0).astype(float)
    return X, y


def test_fit_records_lr_following_step_schedule():
    X, y = _tiny_data()
    net = Network([2, 3, 1], seed=0)
    h = net.fit(X, y, epochs=5, batch_size=None, optimizer="sgd", learning_rate=0.1,
                schedule={"name": "step", "step_size": 2, "factor": 0.5})
    np.testing.assert_allclose(h["lr"], [0.1, 0.1, 0.05, 0.05, 0.025])
    # a second fit continues the global epoch count, and so the schedule
    h2 = net.fit(X, y, epochs=2, batch_size=None)
    np.testing.assert_allclose(h2["lr"], [0.025, 0.0125])
    np.testing.assert_allclose(net.history["lr"], [0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125])


@pytest.mark.parametrize(
    "schedule",
    [
        {"name": "exponential", "rate": 0.7},
        {"name": "cosine", "epochs": 4, "final": 0.2},
        "constant",
    ],
)
def test_fit_records_lr_for_each_schedule(schedule):
    X, y = _tiny_data()
    net = Network([2, 3, 1], seed=0)
    h = net.fit(X, y, epochs=6, batch_size=4, optimizer="adam", learning_rate=0.02,
                schedule=schedule)
    s = get_schedule(schedule)
    np.testing.assert_allclose(h["lr"], [0.02 * s.factor(e) for e in range(6)], rtol=1e-12)


def test_fit_uses_scheduled_lr_for_the_step():
    # Full-batch SGD: the epoch-e update is exactly lr_e * gradient.
    X, y = _tiny_data()
    net = Network([2, 3, 1], seed=5, dtype="float64")
    sched = {"name": "exponential", "rate": 0.5}
    net.fit(X, y, epochs=2, batch_size=None, optimizer="sgd", learning_rate=0.8,
            schedule=sched)
    before = net.params.copy()
    grads = np.concatenate([g.ravel() for g in net.gradients(X, y)])
    net.fit(X, y, epochs=1, batch_size=None)
    np.testing.assert_allclose(before - net.params, 0.8 * 0.25 * grads, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "rmsprop", "adam"])
def test_block_wise_updates_equal_one_pass_over_the_whole_vector(name, monkeypatch):
    from steepest import optimizers

    rng = np.random.default_rng(0)
    n = 3 * optimizers.UPDATE_BLOCK + 5  # several blocks and a short last one
    grads = [rng.standard_normal(n).astype(np.float32) for _ in range(3)]
    start = rng.standard_normal(n).astype(np.float32)

    def run(block: int) -> tuple[np.ndarray, dict]:
        monkeypatch.setattr(optimizers, "UPDATE_BLOCK", block)
        optimizer, params = optimizers.get_optimizer(name), start.copy()
        for g in grads:
            optimizer.update(params, g)
        return params, optimizer.state

    blocked, blocked_state = run(optimizers.UPDATE_BLOCK)
    whole, whole_state = run(10 * n)
    np.testing.assert_array_equal(blocked, whole)
    for key, values in whole_state.items():
        np.testing.assert_array_equal(blocked_state[key], values)
    assert not np.array_equal(blocked, start)


def test_a_cosine_without_epochs_runs_over_the_fit_that_uses_it():
    # One definition of "cosine": fit, the command line and the estimators all mean
    # half a cosine over the epochs of the run.
    assert CosineDecay().epochs is None
    with pytest.raises(ConfigError, match="no length yet"):
        CosineDecay().factor(0)
    assert CosineDecay().over(8).epochs == 8 and CosineDecay(3).over(8).epochs == 3
    X = np.random.default_rng(0).normal(size=(16, 2))
    y = (X[:, 0] > 0).astype(int)
    net = Network([2, 3, 2], activation="tanh", loss="cross_entropy", seed=0)
    lr = net.fit(X, y, epochs=8, batch_size=None, optimizer="sgd", learning_rate=0.1,
                 schedule="cosine")["lr"]
    factors = [0.5 * (1 + math.cos(math.pi * k / 8)) for k in range(8)]
    np.testing.assert_allclose(lr, [0.1 * f for f in factors], rtol=1e-12)
    assert net.optimizer.schedule.config() == {"name": "cosine", "epochs": 8, "final": 0.0}


def test_adam_state_has_no_subnormals_after_many_zero_gradients():
    rng = np.random.default_rng(0)
    params = np.zeros(100, dtype=np.float32)
    opt = Adam()
    opt.update(params, rng.normal(size=100).astype(np.float32))
    zeros = np.zeros(100, dtype=np.float32)
    for _ in range(2000):
        opt.update(params, zeros)
    m = np.abs(opt.state["m"])
    assert int(((m > 0) & (m < np.finfo(np.float32).tiny)).sum()) == 0
    assert np.isfinite(params).all()


def test_whole_numbers_written_as_floats_are_accepted():
    assert get_schedule({"name": "step", "step_size": 3.0}).step_size == 3
    assert get_schedule("cosine(epochs=4.0)").epochs == 4
    assert get_optimizer({"name": "adam", "eps": np.float32(1e-7)}).eps == pytest.approx(1e-7)
