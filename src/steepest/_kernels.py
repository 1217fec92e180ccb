"""Fused optimiser updates, compiled, the gradient's finiteness check and the ReLU's
two passes: an optional fast path.

The optimisers' NumPy updates (:mod:`steepest.optimizers`) are the reference: a
few elementwise passes over each block of parameters (momentum: ``v *= mu``,
``v += g``, ``tmp = v * lr``, ``p -= tmp``). Each pass is quick, but each reads
and writes whole blocks: on benchmark setup c (784-800-10, momentum) the update
took a fifth of the step, and Adam's twelve passes cost more. A kernel here does
the same arithmetic in one pass, one parameter at a time, in the same order and
in the arrays' precision (no fused multiply-add, no reassociation), so it gives
the same numbers bit for bit (``tests/test_kernels.py`` checks every optimiser
against its NumPy update). The check that a gradient holds no NaN or infinity,
before the update, is one more such loop; so are the ReLU's forward pass
(``np.maximum(z, 0)``) and backward pass (``grads * (z > 0)``), which NumPy makes in
two or three passes over a layer's outputs (on setup c, 0.10 ms of a step against
0.05 ms compiled), and the forward pass with the layer's bias added in the same loop
(``z += b`` and then the ReLU: one pass over the layer's sums instead of two).

The kernels are C loops (``_fused.c``, ``_fused_loops.h``), compiled into the
extension module ``steepest._fused`` when steepest is installed, if a C compiler
is at hand; without one the install goes on without them. They are used when the
module can be imported, unless ``STEEPEST_KERNELS=numpy`` (or :func:`use`) asks
for NumPy; even on a network of 50 parameters one compiled call costs less than
NumPy's few. :func:`path` says which path the updates take.

The kernels run on the calling thread: parallel loops, beside OpenBLAS's threads
(which spin on the cores for a while after each matrix product), made training
1.5-2.6 x slower, not faster, and a C worker thread for half of each loop 1.2 x
slower: it took about 0.1 ms to get the core (``benchmarks/RESULTS.md``).
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import Any

import numpy as np

from .errors import ConfigError

CHOICES = ("auto", "compiled", "numpy")
NOT_BUILT = ("the compiled kernels were not built: steepest was installed without a C "
             "compiler; install gcc (or another C compiler) and reinstall steepest")

_choice: str | None = None  # set by use(); None: STEEPEST_KERNELS, else "auto"
_environment = os.environ.get("STEEPEST_KERNELS", "").strip().lower()
_module: ModuleType | bool | None = None  # steepest._fused once imported; False: not built
_REALS = (np.dtype(np.float32), np.dtype(np.float64))  # the kernels' precisions


def _wanted() -> str:
    """The path asked for, checked: ``"auto"``, ``"compiled"`` or ``"numpy"``."""
    choice = _choice or _environment or "auto"
    if choice not in CHOICES:
        raise ConfigError(f"STEEPEST_KERNELS must be one of {', '.join(CHOICES)}, got {choice!r}")
    if choice == "compiled" and not _import_fused():
        raise ConfigError(f"STEEPEST_KERNELS=compiled: {NOT_BUILT}")
    return choice


def use(choice: str | None) -> str | None:
    """Choose the update's path: ``"compiled"`` (an error when the kernels were not
    built), ``"numpy"``, ``"auto"`` (the kernels when built), or None
    (``STEEPEST_KERNELS``, else auto). Returns the choice before, so a caller can
    put it back."""
    global _choice
    if choice is not None and choice not in CHOICES:
        raise ConfigError(f"kernels must be one of {', '.join(CHOICES)}, got {choice!r}")
    if choice == "compiled" and not _import_fused():
        raise ConfigError(NOT_BUILT)
    before, _choice = _choice, choice
    return before


def _import_fused() -> ModuleType | bool:
    """The extension module, imported on first use; False when it was not built."""
    global _module
    if _module is None:
        try:
            # By name: import-linter reads ``from . import _fused`` as an import of
            # the whole package, since it finds no Python file for a C extension.
            _module = importlib.import_module(f"{__package__}._fused")
        except ImportError:
            _module = False
    return _module


def built() -> bool:
    """Whether the compiled kernels were built at install."""
    return bool(_import_fused())


def active() -> bool:
    """Whether the optimisers' updates run the kernels."""
    return _wanted() != "numpy" and built()


def path() -> str:
    """Which path the updates take: ``"compiled (gcc 12.2.0)"`` (the kernels, and
    the compiler that built them) or ``"numpy"``."""
    return f"compiled ({_module.COMPILER})" if active() else "numpy"


def suits(*arrays: Any) -> bool:
    """Whether an elementwise kernel (the ReLU's) runs on ``arrays``: the kernels are
    active, and the arrays are C-contiguous and aligned NumPy arrays of one shape
    (not 0-d), all float32 or all float64. Otherwise the caller takes NumPy's path."""
    first = arrays[0]
    if not (isinstance(first, np.ndarray) and first.dtype in _REALS and first.ndim
            and active()):
        return False
    dtype, shape = first.dtype, first.shape
    for a in arrays:  # a loop, not all(...): this runs twice a layer a step
        if not (isinstance(a, np.ndarray) and a.dtype == dtype and a.shape == shape
                and a.flags.c_contiguous and a.flags.aligned):
            return False
    return True


def run(name: str, *arrays_and_scalars: Any) -> Any:
    """Run kernel ``name``; returns what it returns. The arrays are flat and of one
    precision; the kernel rounds each scalar to that precision, as NumPy rounds a
    Python number that meets a float32 array; ``keep`` receives the parameters as
    they were when ``copy`` is set (the fit loop's undo buffer). ``_fused.c`` lists
    each kernel's arguments."""
    return getattr(_module, name)(*arrays_and_scalars)
