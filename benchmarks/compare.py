#!/usr/bin/env python
"""Train the same networks on the same data with steepest, scikit-learn and PyTorch.

Usage (from the repository root)::

    pip install -r benchmarks/requirements.txt
    python benchmarks/compare.py                 # all setups, MNIST, 10 epochs, 2 repeats
    python benchmarks/compare.py --smoke         # tiny run for CI (< 1 minute)
    python benchmarks/compare.py --smoke --synthetic --systems steepest,sklearn

Every training run happens in its own subprocess (this script re-invoked with the
hidden ``--worker`` flag), so each system's peak resident memory is its own and
no system inherits another's caches or thread pools. The parent never imports
NumPy or any of the systems; it only starts workers, reads the one JSON line
each prints, and aggregates.

Standard output: a table (one row per setup and system), the ratio lines, then
one JSON object per line (after the table): ``"record": "result"`` per setup and
system, ``"record": "ratios"`` per setup, ``"record": "run"`` once. Progress goes
to standard error. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = "../shared/data/mnist"  # relative to the repository root

SETUPS: dict[str, dict] = {
    "a": {
        "title": "784-128-10 relu, softmax cross-entropy, adam lr 1e-3, batch 128",
        "sizes": [784, 128, 10], "hidden": "relu", "output": "softmax",
        "loss": "cross_entropy", "optimizer": "adam", "lr": 1e-3, "momentum": 0.0,
        "batch": 128,
    },
    "b": {
        "title": "784-30-10 sigmoid, squared error (sse), sgd lr 3.0, batch 10 (the tutorials')",
        "sizes": [784, 30, 10], "hidden": "sigmoid", "output": "sigmoid",
        "loss": "sse", "optimizer": "sgd", "lr": 3.0, "momentum": 0.0, "batch": 10,
    },
    "c": {
        "title": "784-800-10 relu (Simard), softmax cross-entropy, sgd momentum 0.9 lr 0.01, "
                 "batch 128",
        "sizes": [784, 800, 10], "hidden": "relu", "output": "softmax",
        "loss": "cross_entropy", "optimizer": "momentum", "lr": 0.01, "momentum": 0.9,
        "batch": 128,
    },
}

#: Order in which the systems of one setup run (again at every repeat: A B C A B C).
SYSTEMS = ("steepest", "steepest_numpy", "sklearn", "torch", "loop", "blas")
LABELS = {
    "steepest": "steepest",
    "steepest_numpy": "steepest, NumPy updates",
    "sklearn": "scikit-learn",
    "torch": "PyTorch",
    "loop": "per-sample loop",
    "blas": "BLAS bound",
}
#: The per-sample loop is the tutorials' network: it only runs for setup b.
ONLY_FOR = {"loop": ("b",)}

#: Systems too slow on a setup for a full run: they train at most --slow-epochs epochs
#: there (PyTorch on setup b pays its per-step cost 6,000 times an epoch).
SLOW = {("b", "torch")}

#: The project's targets (issue 13; benchmarks/README.md): steepest's seconds per
#: epoch over another's, at most this.
RATIO_TARGETS = {
    ("a", "torch"): 0.8, ("b", "torch"): 0.8, ("c", "torch"): 0.8,
    ("a", "blas"): 2.0, ("c", "blas"): 1.3,
}
TARGETS = {
    "a_accuracy": 0.978,
    "b_loop_speedup": 20.0,
    "peak_rss_mb": 300.0,
}

#: Defaults of a full run and of --smoke (whose timings mean nothing: it only checks that
#: every code path runs, so its workers overlap, one thread each, to stay quick).
FULL = {"epochs": 10, "repeats": 2, "threads": 2, "jobs": 1, "slow_epochs": 2}
SMOKE = {"train_rows": 2000, "test_rows": 500, "epochs": 2, "repeats": 1, "threads": 1,
         "jobs": 3, "slow_epochs": 1}


def checkpoints(epochs: int) -> list[int]:
    """Epochs after which test accuracy is measured: 1, 5, 10 and the last."""
    return sorted({c for c in (1, 5, 10) if c <= epochs} | {epochs})


# =============================================================================== worker
# Everything below up to the parent's section runs in a worker subprocess only.


def _peak_rss_mb() -> float:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024  # bytes / KiB


def _load_data(args):
    """``(X_train, y_train), (X_test, y_test)``: float32 rows in [0, 1], int64 labels."""
    import numpy as np

    if args.synthetic:
        return _synthetic(args.train_rows or 60000, args.test_rows or 10000, args.seed)
    from steepest.datasets import load_mnist

    data_dir = Path(args.data_dir)
    if not data_dir.is_absolute():
        data_dir = ROOT / data_dir
    (X, y), (Xt, yt) = load_mnist(path=data_dir, download=False, progress=False)
    if args.train_rows:
        X, y = np.ascontiguousarray(X[: args.train_rows]), y[: args.train_rows].copy()
    if args.test_rows:
        Xt, yt = np.ascontiguousarray(Xt[: args.test_rows]), yt[: args.test_rows].copy()
    return (X, y), (Xt, yt)


def _synthetic(n_train: int, n_test: int, seed: int):
    """MNIST-shaped random data: 10 random binary 'digit' templates, each sample a
    template at a random intensity plus noise, clipped to [0, 1]. Learnable, not trivial."""
    import numpy as np

    rng = np.random.default_rng(seed + 12345)
    templates = (rng.random((10, 784)) < 0.15).astype(np.float32)

    def draw(n: int):
        y = rng.integers(0, 10, size=n)
        X = templates[y] * rng.uniform(0.3, 1.0, size=(n, 1)).astype(np.float32)
        X += rng.standard_normal((n, 784), dtype=np.float32) * np.float32(1.0)
        np.clip(X, 0.0, 1.0, out=X)
        return X, y.astype(np.int64)

    return draw(n_train), draw(n_test)


def _one_hot(y, k: int = 10):
    import numpy as np

    Y = np.zeros((len(y), k), dtype=np.float32)
    Y[np.arange(len(y)), y] = 1.0
    return Y


class Skip(Exception):  # noqa: N818 -- a system that cannot run here (not an error)
    pass


def _steepest(cfg, X, y, Xt, yt, args):
    from steepest import Network
    from steepest.optimizers import SGD, Adam, Momentum

    net = Network(cfg["sizes"], activation=cfg["hidden"], output_activation=cfg["output"],
                  loss=cfg["loss"], seed=args.seed, dtype="float32")
    optimizer = {"adam": lambda: Adam(cfg["lr"]), "sgd": lambda: SGD(cfg["lr"]),
                 "momentum": lambda: Momentum(cfg["lr"], momentum=cfg["momentum"])}[
        cfg["optimizer"]]()
    first = [True]

    def epoch():
        # One fit call per epoch (fit(1) then fit(1) is bit for bit fit(2)): each
        # epoch's time includes fit's data checks, as partial_fit's does for sklearn.
        if first[0]:
            net.fit(X, y, epochs=1, batch_size=cfg["batch"], optimizer=optimizer, shuffle=True)
            first[0] = False
        else:
            net.fit(X, y, epochs=1, batch_size=cfg["batch"], shuffle=True)

    def accuracy():
        return float((net.predict_classes(Xt) == yt).mean())

    import steepest
    from steepest import _kernels

    # "update": the optimiser's path, the compiled kernels or NumPy's passes.
    return epoch, accuracy, {"version": steepest.__version__, "init": net.init,
                             "update": _kernels.path()}


def _sklearn(cfg, X, y, Xt, yt, args):
    import warnings

    import numpy as np

    try:
        import sklearn
        from sklearn.neural_network import MLPClassifier
    except ImportError as exc:
        raise Skip(f"scikit-learn not importable ({exc})") from None

    solver = "adam" if cfg["optimizer"] == "adam" else "sgd"
    clf = MLPClassifier(
        hidden_layer_sizes=tuple(cfg["sizes"][1:-1]),
        activation={"relu": "relu", "sigmoid": "logistic"}[cfg["hidden"]],
        solver=solver, alpha=0.0, batch_size=cfg["batch"], learning_rate="constant",
        learning_rate_init=cfg["lr"], max_iter=args.epochs, shuffle=True,
        # A RandomState object, not an int: partial_fit re-seeds from an int at
        # every call, which would repeat the first epoch's order at every epoch.
        random_state=np.random.RandomState(args.seed),
        tol=0.0, n_iter_no_change=args.epochs + 1, early_stopping=False,
        momentum=cfg["momentum"], nesterovs_momentum=False,
    )
    # Setup b has sigmoid outputs: one-hot indicator targets make MLPClassifier a
    # multi-label model with logistic outputs (it has no squared-error loss; its
    # loss is then binary cross-entropy). Otherwise softmax + cross-entropy.
    target = _one_hot(y) if cfg["output"] == "sigmoid" else y
    first = [True]

    def epoch():
        # partial_fit = exactly one epoch (one shuffled pass, optimiser state kept);
        # fit(max_iter=N) would give neither per-epoch times nor the accuracies
        # in between, and warm_start would restart the optimiser at every call.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if first[0]:
                clf.partial_fit(X, target, classes=np.arange(10))
                first[0] = False
            else:
                clf.partial_fit(X, target)

    def accuracy():
        proba = clf.predict_proba(Xt)
        return float((clf.classes_[proba.argmax(axis=1)] == yt).mean())

    def info():
        return {"version": sklearn.__version__,
                "dtype": str(clf.coefs_[0].dtype) if hasattr(clf, "coefs_") else None,
                "output": getattr(clf, "out_activation_", None)}

    return epoch, accuracy, info


def _torch(cfg, X, y, Xt, yt, args):
    try:
        import torch
        from torch import nn
    except ImportError as exc:
        raise Skip(f"torch not importable ({exc})") from None

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    act = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid}[cfg["hidden"]]
    sizes = cfg["sizes"]
    layers: list = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(act())
    if cfg["output"] == "sigmoid":
        layers.append(nn.Sigmoid())
    model = nn.Sequential(*layers)  # float32 by default

    if cfg["loss"] == "sse":
        # steepest's sse: 1/2 sum_k (a_k - y_k)^2 per sample, averaged over the
        # batch. MSELoss averages over the batch AND the K outputs, so
        # sse = K/2 * MSELoss (= 5 * MSELoss for 10 outputs).
        mse = nn.MSELoss()
        scale = sizes[-1] / 2

        def loss_fn(out, target):
            return scale * mse(out, target)

        targets = torch.from_numpy(_one_hot(y))
    else:
        loss_fn = nn.CrossEntropyLoss()  # softmax + cross-entropy from the logits
        targets = torch.from_numpy(y)
    if cfg["optimizer"] == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    else:
        opt = torch.optim.SGD(model.parameters(), lr=cfg["lr"], momentum=cfg["momentum"])

    inputs, test_inputs = torch.from_numpy(X), torch.from_numpy(Xt)
    n, batch = len(X), cfg["batch"]
    generator = torch.Generator().manual_seed(args.seed)

    def epoch():
        model.train()
        order = torch.randperm(n, generator=generator)  # a new order every epoch
        for start in range(0, n, batch):
            index = order[start : start + batch]
            xb, yb = inputs.index_select(0, index), targets.index_select(0, index)
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()

    def accuracy():
        model.eval()
        with torch.no_grad():
            predicted = model(test_inputs).argmax(dim=1).numpy()
        return float((predicted == yt).mean())

    return epoch, accuracy, {"version": torch.__version__,
                             "torch_threads": torch.get_num_threads()}


def _loop(cfg, X, y, Xt, yt, args):
    """The tutorials' way: plain NumPy, one sample at a time as a column vector,
    the psi recursion by hand; gradients summed over the mini-batch, then one step."""
    import numpy as np

    if cfg["hidden"] != "sigmoid" or cfg["loss"] != "sse" or cfg["optimizer"] != "sgd":
        raise Skip("the per-sample loop is written for the sigmoid/sse/sgd setup (b)")
    rng = np.random.default_rng(args.seed)
    sizes, lr, batch = cfg["sizes"], cfg["lr"], cfg["batch"]
    f32 = np.float32
    Ws, bs = [], []
    for n_in, n_out in itertools.pairwise(sizes):  # glorot, like steepest
        limit = np.sqrt(6 / (n_in + n_out))
        Ws.append(rng.uniform(-limit, limit, size=(n_out, n_in)).astype(f32))
        bs.append(np.zeros((n_out, 1), dtype=f32))
    Y = _one_hot(y)

    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    def epoch():
        order = rng.permutation(len(X))
        with np.errstate(over="ignore"):
            for start in range(0, len(order), batch):
                rows = order[start : start + batch]
                gW = [np.zeros_like(W) for W in Ws]
                gb = [np.zeros_like(b) for b in bs]
                for k in rows:
                    a = X[k].reshape(-1, 1)  # one sample: a column vector
                    xs = [a]  # every layer's input, then the output
                    for W, b in zip(Ws, bs, strict=True):
                        a = sigmoid(W @ a + b)
                        xs.append(a)
                    psi = (a - Y[k].reshape(-1, 1)) * a * (1 - a)  # d sse / d z, last layer
                    for i in range(len(Ws) - 1, -1, -1):
                        gW[i] += psi @ xs[i].T
                        gb[i] += psi
                        if i:
                            psi = (Ws[i].T @ psi) * xs[i] * (1 - xs[i])
                step = f32(lr / len(rows))
                for W, b, dW, db in zip(Ws, bs, gW, gb, strict=True):
                    W -= step * dW
                    b -= step * db

    def accuracy():
        A = Xt.T  # evaluation is not timed: all test samples at once
        with np.errstate(over="ignore"):
            for W, b in zip(Ws, bs, strict=True):
                A = sigmoid(W @ A + b)
        return float((A.argmax(axis=0) == yt).mean())

    return epoch, accuracy, {"dtype": str(Ws[0].dtype)}


def _blas(cfg, X, y, Xt, yt, args):
    """Just the matrix products of an epoch, for the same shapes: forward X_i @ W_i
    per layer; backward dW_i = X_i.T @ psi_i per layer and psi_i @ W_i.T for every
    layer but the first (no system computes the gradient of the input)."""
    import numpy as np

    rng = np.random.default_rng(args.seed)
    sizes, batch = cfg["sizes"], cfg["batch"]
    n = len(X)
    Ws = [(rng.standard_normal((a, b), dtype=np.float32) * np.float32(np.sqrt(1 / a)))
          for a, b in itertools.pairwise(sizes)]
    Z = [np.empty((batch, b), dtype=np.float32) for b in sizes[1:]]
    G = [np.empty((batch, a), dtype=np.float32) for a in sizes[:-1]]
    dW = [np.empty_like(W) for W in Ws]
    L = len(Ws)

    def epoch():
        for start in range(0, n, batch):
            Xb = X[start : start + batch]  # contiguous rows: no gather, only products
            m = len(Xb)
            inputs = [Xb]
            for i in range(L):
                out = Z[i][:m]
                np.matmul(inputs[i], Ws[i], out=out)
                inputs.append(out)
            psi = inputs[-1]
            for i in range(L - 1, -1, -1):
                np.matmul(inputs[i].T, psi, out=dW[i])
                if i:
                    out = G[i][:m]
                    np.matmul(psi, Ws[i].T, out=out)
                    psi = out

    return epoch, None, {}


def _steepest_numpy(cfg, X, y, Xt, yt, args):
    """steepest with the optimisers' NumPy updates (``STEEPEST_KERNELS=numpy``): the
    path without the compiled kernels, for their before and after."""
    from steepest import _kernels

    _kernels.use("numpy")
    return _steepest(cfg, X, y, Xt, yt, args)


WORKERS = {"steepest": _steepest, "steepest_numpy": _steepest_numpy, "sklearn": _sklearn,
           "torch": _torch, "loop": _loop, "blas": _blas}


def worker(args) -> dict:
    """Train one system on one setup; the result as a dict (printed as one JSON line)."""
    result = {"system": args.system, "setup": args.setup, "epochs": args.epochs,
              "threads": args.threads}
    import numpy as np

    cfg = SETUPS[args.setup]
    (X, y), (Xt, yt) = _load_data(args)
    result |= {"train_rows": len(X), "test_rows": len(Xt), "rss_after_load_mb": _peak_rss_mb()}
    try:
        epoch, accuracy, info = WORKERS[args.system](cfg, X, y, Xt, yt, args)
    except Skip as exc:
        return result | {"status": "skipped", "reason": str(exc)}
    # The parent set OMP/OPENBLAS/MKL_NUM_THREADS for the whole process; threadpoolctl
    # then pins every BLAS and OpenMP pool loaded by now (the system's imports are
    # done) to the same count, and torch.set_num_threads did the same for torch.
    try:
        from threadpoolctl import threadpool_info, threadpool_limits

        limiter = threadpool_limits(limits=args.threads)
    except ImportError:
        limiter, threadpool_info = None, None
    seconds, acc = [], {}
    wanted = checkpoints(args.epochs)
    for e in range(1, args.epochs + 1):
        start = time.perf_counter()
        epoch()
        seconds.append(time.perf_counter() - start)
        if accuracy is not None and e in wanted:
            acc[str(e)] = accuracy()
    info = info() if callable(info) else info
    if threadpool_info is not None:
        info["thread_pools"] = sorted({f"{p['internal_api']} {p['num_threads']} threads"
                                       for p in threadpool_info()})
    del limiter
    result |= {"status": "ok", "epoch_seconds": seconds, "accuracy": acc,
               "peak_rss_mb": _peak_rss_mb(), "numpy": np.__version__, "info": info}
    return result


# =============================================================================== parent


def add_data_options(p: argparse.ArgumentParser) -> None:
    """The options that choose the data (read by :func:`_load_data`): ``--data-dir``,
    ``--synthetic``, ``--train-rows`` and ``--test-rows``."""
    p.add_argument("--data-dir", default=DEFAULT_DATA_DIR,
                   help="folder of the MNIST IDX files, relative to the repository root "
                        f"unless absolute (default {DEFAULT_DATA_DIR})")
    p.add_argument("--synthetic", action="store_true",
                   help="random MNIST-shaped data instead of MNIST (runs anywhere)")
    p.add_argument("--train-rows", type=int, default=None, help="use the first N training rows")
    p.add_argument("--test-rows", type=int, default=None, help="use the first N test rows")


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Benchmark steepest against scikit-learn, PyTorch, a per-sample loop and "
                    "the BLAS bound on MNIST (see benchmarks/README.md).")
    p.add_argument("--setup", default="all", choices=["a", "b", "c", "all"],
                   help="a: 784-128-10 adam; b: 784-30-10 sigmoid sgd batch 10; "
                        "c: 784-800-10 momentum; all (default)")
    p.add_argument("--systems", default=",".join(SYSTEMS),
                   help=f"comma-separated subset of {','.join(SYSTEMS)} (default: all)")
    p.add_argument("--epochs", type=int, default=None, help="epochs per run (default 10)")
    p.add_argument("--slow-epochs", type=int, default=None,
                   help="epochs of a system too slow for a full run on a setup (PyTorch on "
                        "setup b) (default 2; --smoke: 1)")
    p.add_argument("--repeats", type=int, default=None,
                   help="runs of every system, alternated A B A B (default 2)")
    p.add_argument("--threads", type=int, default=None,
                   help="BLAS/OpenMP/torch threads of every system (default 2; --smoke: 1)")
    add_data_options(p)
    p.add_argument("--smoke", action="store_true",
                   help="tiny run for CI: 2000/500 rows, 2 epochs, 1 repeat, every setup, "
                        "1 thread, 3 workers at once")
    p.add_argument("--seed", type=int, default=0, help="seed of every system (default 0)")
    p.add_argument("--jobs", type=int, default=None,
                   help="workers run at once (default 1; --smoke: 3); above 1 the timings are "
                        "not comparable, only a check that everything runs")
    p.add_argument("--timeout", type=float, default=3600, help="seconds per worker run")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--system", choices=SYSTEMS, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    smoke = SMOKE if args.smoke else FULL
    for key, value in smoke.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = sorted(set(systems) - set(SYSTEMS))
    if unknown or not systems:
        p.error(f"--systems: unknown {unknown}; choose from {','.join(SYSTEMS)}")
    args.system_list = [s for s in SYSTEMS if s in systems]
    if min(args.epochs, args.repeats, args.threads, args.jobs, args.slow_epochs) < 1:
        p.error("--epochs, --slow-epochs, --repeats, --threads and --jobs must be >= 1")
    return args


def epochs_of(args, setup: str, system: str) -> int:
    """Epochs ``system`` trains on ``setup``: fewer for a slow one (:data:`SLOW`)."""
    return min(args.epochs, args.slow_epochs) if (setup, system) in SLOW else args.epochs


def _worker_command(args, setup: str, system: str) -> list[str]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--system", system,
           "--setup", setup, "--epochs", str(epochs_of(args, setup, system)),
           "--threads", str(args.threads),
           "--seed", str(args.seed), "--data-dir", str(args.data_dir)]
    if args.synthetic:
        cmd.append("--synthetic")
    if args.train_rows:
        cmd += ["--train-rows", str(args.train_rows)]
    if args.test_rows:
        cmd += ["--test-rows", str(args.test_rows)]
    return cmd


def run_worker(args, setup: str, system: str) -> dict:
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
        env[var] = str(args.threads)
    src = str(ROOT / "src")  # steepest importable even when not installed
    env["PYTHONPATH"] = src + os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else src
    try:
        proc = subprocess.run(_worker_command(args, setup, system), capture_output=True,
                              text=True, env=env, timeout=args.timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"status": "failed", "reason": f"timed out after {args.timeout:g} s"}
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"status": "failed", "reason": f"exit code {proc.returncode}: {tail}"}
    return json.loads(lines[-1])


def _systems_for(setup: str, args) -> list[str]:
    return [s for s in args.system_list if setup in ONLY_FOR.get(s, (setup,))]


def steady_epochs(epoch_seconds: list[float]) -> list[float]:
    """A run's epoch times without its first, which warms up (lazy initialisation,
    page faults), when it has more than one."""
    return epoch_seconds[1:] if len(epoch_seconds) > 1 else epoch_seconds


def aggregate(setup: str, system: str, runs: list[dict], args) -> dict:
    """One system's record on one setup from its runs: the median of every run's
    epochs but the first, and why runs failed (a row with some failed is
    "partial", and counts as a failure in the exit code)."""
    bad = ([r for r in runs if r.get("status") != "ok"] if runs
           else [{"status": "failed", "reason": "not run"}])
    first = (runs or [{}])[0]
    record = {"record": "result", "setup": setup, "system": system, "label": LABELS[system],
              "reason": "; ".join(dict.fromkeys(str(r.get("reason")) for r in bad)) or None,
              "sec_per_epoch": None, "accuracy": {}, "peak_rss_mb": None,
              "rss_after_load_mb": first.get("rss_after_load_mb"),
              "time_vs_steepest": None, "epoch_seconds": [],
              "epochs": epochs_of(args, setup, system),
              "repeats": len(runs), "threads": args.threads,
              "data": "synthetic" if args.synthetic else "mnist",
              "train_rows": first.get("train_rows"), "test_rows": first.get("test_rows"),
              "info": first.get("info", {})}
    ok = [r for r in runs if r.get("status") == "ok"]
    if not ok:
        return record | {"status": bad[0].get("status", "failed")}
    times = [t for r in ok for t in steady_epochs(r["epoch_seconds"])]
    accuracy = {k: statistics.median(r["accuracy"][k] for r in ok) for k in ok[0]["accuracy"]}
    return record | {
        "status": "ok" if len(ok) == len(runs) else "partial",
        "sec_per_epoch": statistics.median(times),
        "epoch_seconds": [r["epoch_seconds"] for r in ok],
        "accuracy": accuracy,
        "peak_rss_mb": max(r["peak_rss_mb"] for r in ok),
        "rss_after_load_mb": max(r["rss_after_load_mb"] for r in ok),
        "train_rows": ok[0]["train_rows"], "test_rows": ok[0]["test_rows"],
        "info": ok[0].get("info", {}),
    }


def _ratio(a, b):
    return a / b if a is not None and b else None


def ratios(setup: str, results: dict[str, dict]) -> dict:
    t = {s: r["sec_per_epoch"] for s, r in results.items()}
    st = t.get("steepest")
    record = {"record": "ratios", "setup": setup,
              "steepest_over_torch": _ratio(st, t.get("torch")),
              "steepest_over_sklearn": _ratio(st, t.get("sklearn")),
              "steepest_over_blas": _ratio(st, t.get("blas"))}
    if setup == "b":
        record["loop_over_steepest"] = _ratio(t.get("loop"), st)
    return record


def _fmt(value, spec: str, missing: str = "-") -> str:
    return missing if value is None else format(value, spec)


def _verdict(value, limit, at_most: bool = True) -> str:
    if value is None:
        return "n/a"
    met = value <= limit if at_most else value >= limit
    return "met" if met else "NOT met"


def print_report(args, results: dict[str, dict[str, dict]], ratio_records: list[dict],
                 run_record: dict) -> None:
    acc_keys = [str(c) for c in checkpoints(args.epochs)]
    header = ["setup", "system", "s/epoch", *[f"acc@{k}" for k in acc_keys], "peak RSS MB",
              "time/steepest"]
    rows = []
    for setup, by_system in results.items():
        for system, r in by_system.items():
            if r["status"] not in ("ok", "partial"):
                rows.append([setup, LABELS[system], f"{r['status']}: {r.get('reason')}"])
                continue
            accs = [(_fmt(r["accuracy"].get(k), ".2%") if system != "blas" else "-")
                    for k in acc_keys]
            rows.append([setup, LABELS[system], f"{r['sec_per_epoch']:.3f}", *accs,
                         _fmt(r["peak_rss_mb"], ".0f"),
                         _fmt(r["time_vs_steepest"], ".2f")])
    widths = [max([len(header[c]), *(len(row[c]) for row in rows if len(row) == len(header))])
              for c in range(len(header))]

    def line(cells):
        if len(cells) != len(header):  # a skipped or failed system: free text after its name
            return "  ".join([cells[0].ljust(widths[0]), cells[1].ljust(widths[1]), cells[2]])
        return "  ".join(c.ljust(w) if i < 2 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True)))

    run = run_record
    data = (f"synthetic random data ({run['train_rows']:,} train / {run['test_rows']:,} test rows)"
            if args.synthetic else
            f"MNIST ({run['train_rows']:,} train / {run['test_rows']:,} test rows) "
            f"from {args.data_dir}")
    print(f"steepest benchmark: {data}")
    print(f"{args.epochs} epochs per run, {args.repeats} repeat(s) alternated, "
          f"{args.threads} thread(s), float32, seed {args.seed}; s/epoch = median over the "
          "epochs of all repeats, each run's first left out (it warms up) when it has more")
    slow = [f"{LABELS[m]} on setup {st}" for st, m in sorted(SLOW)
            if m in results.get(st, {}) and epochs_of(args, st, m) < args.epochs]
    if slow:
        print(f"{', '.join(slow)}: {args.slow_epochs} epoch(s) per run only (--slow-epochs), "
              "its accuracy columns after those")
    if args.jobs > 1:
        print(f"{args.jobs} workers ran at once: the timings below are NOT comparable "
              "(a check that every code path runs, not a benchmark)")
    print(f"Python {platform.python_version()}, {platform.system()} {platform.machine()}, "
          f"{os.cpu_count()} CPUs ({run['processor']}); {run['versions']}")
    print(f"load average at start {run['load_start']}, at end {run['load_end']}; "
          f"wall time {run['seconds']:.0f} s")
    for setup in results:
        print(f"setup {setup}: {SETUPS[setup]['title']}")
    paths = sorted({r["info"]["update"] for per in results.values() for r in per.values()
                    if "update" in r.get("info", {})})
    if paths:
        named = ["NumPy's passes" if p == "numpy" else f"the fused kernels, {p}" for p in paths]
        print(f"steepest's optimiser update: {'; '.join(named)}")
    print()
    print(line(header))
    print("  ".join("-" * w for w in widths))
    previous = None
    for row in rows:
        if previous is not None and row[0] != previous:
            print()
        previous = row[0]
        print(line(row))
    for setup, by_system in results.items():
        for system, r in by_system.items():
            if r["status"] == "partial":
                print(f"{setup}  {LABELS[system]}: partial, some runs failed: {r['reason']}")
    print()
    for rec in ratio_records:
        s = rec["setup"]
        for system, key, label in (("torch", "steepest_over_torch", "PyTorch      "),
                                   ("sklearn", "steepest_over_sklearn", "scikit-learn "),
                                   ("blas", "steepest_over_blas", "BLAS bound   ")):
            limit = RATIO_TARGETS.get((s, system))
            check = "" if limit is None else \
                f" (target <= {limit:g}: {_verdict(rec[key], limit)})"
            print(f"setup {s}: steepest/{label}{_fmt(rec[key], '.2f')}{check}")
        if s == "b":
            speedup = rec.get("loop_over_steepest")
            print(f"setup b: steepest is {_fmt(speedup, '.1f')} x faster than the per-sample "
                  f"loop (target >= {TARGETS['b_loop_speedup']:g}: "
                  f"{_verdict(speedup, TARGETS['b_loop_speedup'], at_most=False)})")
        if s == "a":
            acc = results["a"].get("steepest", {}).get("accuracy", {}).get(str(args.epochs))
            note = "" if args.epochs == 10 and not args.synthetic and not args.train_rows \
                else " (target applies to full MNIST, 10 epochs)"
            print(f"setup a: steepest test accuracy after {args.epochs} epochs "
                  f"{_fmt(acc, '.2%')} (target >= {TARGETS['a_accuracy']:.1%}: "
                  f"{_verdict(acc, TARGETS['a_accuracy'], at_most=False)}){note}")
    for system in ("steepest", "steepest_numpy"):
        peaks = [(s, by[system]["peak_rss_mb"]) for s, by in results.items()
                 if by.get(system, {}).get("peak_rss_mb") is not None]
        if peaks:
            worst = max(p for _, p in peaks)
            print(f"{LABELS[system]} peak RSS: "
                  f"{', '.join(f'setup {s} {p:.0f} MB' for s, p in peaks)} "
                  f"(target <= {TARGETS['peak_rss_mb']:.0f} MB on MNIST: "
                  f"{_verdict(worst, TARGETS['peak_rss_mb'])})")
    loads = [r["rss_after_load_mb"] for by in results.values() for r in by.values()
             if r.get("rss_after_load_mb") is not None]
    if loads:
        span = (f"{min(loads):.0f}" if round(min(loads)) == round(max(loads))
                else f"{min(loads):.0f}-{max(loads):.0f}")
        print(f"(peak RSS counts the whole worker process: {span} MB right after loading "
              "the data, in every worker)")
    print()
    for by_system in results.values():
        for r in by_system.values():
            print(json.dumps(r))
    for rec in ratio_records:
        print(json.dumps(rec))
    print(json.dumps(run_record))


def processor(cpuinfo: Path = Path("/proc/cpuinfo"),
              caches: Path = Path("/sys/devices/system/cpu/cpu0/cache")) -> str:
    """The processor's model and its unified L2 and L3 caches, as Linux reports them
    (``"Intel(R) Xeon(R) Processor, L2 2048K, L3 491520K"``): a machine of the same
    name may be a different processor from one day to the next, and the ratio of the
    products to the passes between them moves with it. ``platform.processor()``, or
    ``"unknown processor"``, where ``/proc`` and ``/sys`` do not say."""
    model = platform.processor() or "unknown processor"
    try:
        names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                 if line.startswith("model name") and ":" in line]
    except OSError:
        names = []
    parts = [names[0] if names and names[0] else model]
    for index in sorted(caches.glob("index*")):
        try:
            level, kind, size = ((index / f).read_text().strip()
                                 for f in ("level", "type", "size"))
        except OSError:
            continue
        if level in ("2", "3") and kind == "Unified":
            parts.append(f"L{level} {size}")
    return ", ".join(parts)


def _versions() -> str:
    """Library versions, found without importing anything heavy in the parent."""
    from importlib import metadata

    out = []
    for name, dist in (("numpy", "numpy"), ("scikit-learn", "scikit-learn"),
                       ("torch", "torch"), ("threadpoolctl", "threadpoolctl")):
        try:
            out.append(f"{name} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            out.append(f"{name} not installed")
    return ", ".join(out)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.worker:
        if args.system is None:
            sys.exit("--worker needs --system")
        print(json.dumps(worker(args)))
        return 0
    if not args.synthetic:
        data_dir = Path(args.data_dir)
        data_dir = data_dir if data_dir.is_absolute() else ROOT / data_dir
        if not data_dir.is_dir():
            print(f"error: MNIST folder {data_dir} not found (pass --data-dir, or --synthetic)",
                  file=sys.stderr)
            return 2
    setups = ["a", "b", "c"] if args.setup == "all" else [args.setup]
    load_start = [round(x, 2) for x in os.getloadavg()]
    started = time.perf_counter()
    runs: dict[str, dict[str, list[dict]]] = {s: {m: [] for m in _systems_for(s, args)}
                                              for s in setups}
    # setup outermost (the runs compared with each other are close in time), then the
    # repeats, then the systems: A B C, A B C, so drift hits every system alike.
    jobs = [(setup, repeat, system) for setup in setups for repeat in range(args.repeats)
            for system in runs[setup]]
    counter = iter(range(1, len(jobs) + 1))

    def run(job):
        setup, repeat, system = job
        t0 = time.perf_counter()
        result = run_worker(args, setup, system)
        figure = (f"{statistics.median(result['epoch_seconds']):.3f} s/epoch"
                  if result.get("status") == "ok"
                  else f"{result.get('status')}: {result.get('reason')}")
        print(f"[{next(counter)}/{len(jobs)}] setup {setup} repeat {repeat + 1}/{args.repeats} "
              f"{LABELS[system]}: {figure} ({time.perf_counter() - t0:.1f} s)",
              file=sys.stderr, flush=True)
        return result

    if args.jobs == 1:
        results_in_order = [run(job) for job in jobs]
    else:  # --smoke: workers overlap; their timings then mean nothing, only the code paths
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            results_in_order = list(pool.map(run, jobs))
    for (setup, _, system), result in zip(jobs, results_in_order, strict=True):
        runs[setup][system].append(result)
    results: dict[str, dict[str, dict]] = {}
    ratio_records = []
    for setup in setups:
        results[setup] = {m: aggregate(setup, m, rs, args) for m, rs in runs[setup].items()}
        st = results[setup].get("steepest", {}).get("sec_per_epoch")
        for r in results[setup].values():
            r["time_vs_steepest"] = _ratio(r["sec_per_epoch"], st)
        ratio_records.append(ratios(setup, results[setup]))
    first_ok = next((r for by in results.values() for r in by.values()
                     if r.get("train_rows")), {})
    run_record = {
        "record": "run", "setups": setups, "systems": args.system_list, "epochs": args.epochs,
        "repeats": args.repeats, "threads": args.threads, "jobs": args.jobs, "seed": args.seed,
        "smoke": args.smoke, "data": "synthetic" if args.synthetic else "mnist",
        "train_rows": first_ok.get("train_rows", 0), "test_rows": first_ok.get("test_rows", 0),
        "load_start": load_start, "load_end": [round(x, 2) for x in os.getloadavg()],
        "seconds": time.perf_counter() - started, "versions": _versions(),
        "cpus": os.cpu_count(), "processor": processor(), "python": platform.python_version(),
    }
    print_report(args, results, ratio_records, run_record)
    failed = [r for by in results.values() for r in by.values()
              if r["status"] in ("failed", "partial")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
