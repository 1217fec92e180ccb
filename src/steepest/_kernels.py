"""Fused optimiser updates compiled by numba, and the gradient's finiteness check:
an optional fast path.

The optimisers' NumPy updates (:mod:`steepest.optimizers`) are the reference: a
few elementwise passes over each block of parameters (momentum: ``v *= mu``,
``v += g``, ``tmp = v * lr``, ``p -= tmp``). Each pass is quick, but each reads
and writes whole blocks: on benchmark setup c (784-800-10, momentum) the update
took a fifth of the step, and Adam's twelve passes cost more. A kernel here does
the same arithmetic in one pass, one parameter at a time, in the same order and
in the arrays' precision (no fused multiply-add, no reassociation), so it gives
the same numbers bit for bit
(``tests/test_kernels.py`` checks every optimiser against its NumPy update).
The check that a gradient holds no NaN or infinity, before the update, is one
more such loop (2.7 x faster than NumPy's sum over 636,010 values).

It is used when numba is installed (``pip install "steepest[fast]"``), unless
``STEEPEST_KERNELS=numpy`` (or :func:`use`) asks for NumPy; even on a network of
50 parameters one compiled call costs less than NumPy's few. A kernel is compiled
the first time it is needed, once per precision, and cached on disk by numba, so
later processes load it (numba's import and the load take about 0.7 s). :func:`path`
says which path the updates take.

The kernels run on the calling thread: numba's parallel loops, beside OpenBLAS's
threads (which spin on the cores for a while after each matrix product), made
training 1.5-2.6 x slower, not faster (``benchmarks/RESULTS.md``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

from .errors import ConfigError

CHOICES = ("auto", "numba", "numpy")

_choice: str | None = None  # set by use(); None: STEEPEST_KERNELS, else "auto"
_environment = os.environ.get("STEEPEST_KERNELS", "").strip().lower()
_compiled: dict[str, Callable[..., None]] = {}
_numba: Any = None  # the module, once imported; False when it cannot be


def _wanted() -> str:
    """The path asked for, checked: ``"auto"``, ``"numba"`` or ``"numpy"``."""
    choice = _choice or _environment or "auto"
    if choice not in CHOICES:
        raise ConfigError(f"STEEPEST_KERNELS must be one of {', '.join(CHOICES)}, got {choice!r}")
    if choice == "numba" and not _import_numba():
        raise ConfigError('STEEPEST_KERNELS=numba needs numba: pip install "steepest[fast]"')
    return choice


def use(choice: str | None) -> str | None:
    """Choose the update's path: ``"numba"`` (an error when numba is missing),
    ``"numpy"``, ``"auto"`` (numba when installed), or None (``STEEPEST_KERNELS``,
    else auto). Returns the choice before, so a caller can put it back."""
    global _choice
    if choice is not None and choice not in CHOICES:
        raise ConfigError(f"kernels must be one of {', '.join(CHOICES)}, got {choice!r}")
    if choice == "numba" and not _import_numba():
        raise ConfigError('the numba kernels need numba: pip install "steepest[fast]"')
    before, _choice = _choice, choice
    return before


def _import_numba() -> Any:
    """numba, imported on first use (about 0.3 s); False when it cannot be."""
    global _numba
    if _numba is None:
        try:
            import numba
        except (ImportError, OSError):  # not installed, or broken (its LLVM library)
            _numba = False
        else:
            _numba = numba
    return _numba


def active() -> bool:
    """Whether the optimisers' updates run the kernels."""
    return _wanted() != "numpy" and bool(_import_numba())


def path() -> str:
    """Which path the updates take: ``"numba 0.68.1"`` (the kernels, and numba's
    version) or ``"numpy"``."""
    return f"numba {_numba.__version__}" if active() else "numpy"


def run(name: str, *arrays_and_scalars: Any) -> Any:
    """Run kernel ``name`` (compiled on first use); returns what it returns."""
    kernel = _compiled.get(name)
    if kernel is None:
        kernel = _compiled[name] = _compile(_SOURCES[name])
    return kernel(*arrays_and_scalars)


def _compile(source: Callable[..., Any]) -> Callable[..., Any]:
    # error_model="numpy": a division by 0 gives inf, as in NumPy. With numba's
    # default ("python") every division checks for 0 first, and the loop cannot
    # use the CPU's vector instructions: Adam's kernel was 6 x slower.
    options = {"nogil": True, "error_model": "numpy"}
    try:
        return _import_numba().njit(cache=True, **options)(source)
    except RuntimeError:  # numba found nowhere to write its cache: compile every process
        return _import_numba().njit(**options)(source)


# The kernels, written as plain loops for numba. Every array is flat and of one
# precision; every scalar is already in that precision (as NumPy converts a Python
# number), so no step widens to float64. ``keep`` receives the parameters as they
# were before, when ``copy`` is set (the fit loop's undo buffer).

def _sgd(params, grads, keep, copy, lr):
    for i in range(params.size):
        if copy:
            keep[i] = params[i]
        params[i] -= grads[i] * lr


def _momentum(params, grads, velocity, keep, copy, mu, lr):
    for i in range(params.size):
        if copy:
            keep[i] = params[i]
        v = velocity[i] * mu + grads[i]
        velocity[i] = v
        params[i] -= v * lr


def _nesterov(params, grads, velocity, keep, copy, mu, lr):
    for i in range(params.size):
        if copy:
            keep[i] = params[i]
        g = grads[i]
        v = velocity[i] * mu + g
        velocity[i] = v
        params[i] -= (v * mu + g) * lr


def _rmsprop(params, grads, square_avg, keep, copy, rho, one_minus_rho, eps, lr):
    for i in range(params.size):
        if copy:
            keep[i] = params[i]
        g = grads[i]
        s = square_avg[i] * rho + (g * g) * one_minus_rho
        square_avg[i] = s
        params[i] -= (g / (np.sqrt(s) + eps)) * lr


def _adam(params, grads, m, v, keep, copy, beta1, one_minus_beta1, beta2, one_minus_beta2,
          eps, step):
    for i in range(params.size):
        if copy:
            keep[i] = params[i]
        g = grads[i]
        mi = m[i] * beta1 + g * one_minus_beta1
        vi = v[i] * beta2 + (g * g) * one_minus_beta2
        m[i] = mi
        v[i] = vi
        params[i] -= (mi / (np.sqrt(vi) + eps)) * step


def _all_finite(values):
    """No NaN or infinity in ``values``: ``x - x`` is 0 for every finite ``x`` and NaN
    otherwise. An or over the whole array, not a loop that stops at the first bad
    value: that one could not use the vector instructions, and finite is the rule."""
    bad = False
    for i in range(values.size):
        x = values[i]
        bad |= (x - x) != 0
    return not bad


_SOURCES: dict[str, Callable[..., Any]] = {
    "sgd": _sgd, "momentum": _momentum, "nesterov": _nesterov, "rmsprop": _rmsprop,
    "adam": _adam, "all_finite": _all_finite,
}
