"""The exceptions users catch.

Every error the library raises on purpose derives from :class:`SteepestError`,
which is a :class:`ValueError`, so ``except ValueError`` keeps working too.
Messages say what was expected and what was found.
"""

from __future__ import annotations


class SteepestError(ValueError):
    """Base class of every error raised by steepest on purpose."""


class ConfigError(SteepestError):
    """An unknown name or an impossible combination of settings."""


class UnknownNameError(ConfigError):
    """A name that no activation, loss, initialiser, optimiser or schedule has:
    ``kind`` (``"activation"``...) and ``name`` say which."""

    def __init__(self, message: str, kind: str, name: str) -> None:
        super().__init__(message)
        self.kind, self.name = kind, name


class ShapeError(SteepestError):
    """An array has the wrong number of dimensions, rows or columns."""


class DataError(SteepestError):
    """Data that cannot be trained on: empty, NaN/inf, non-numeric, bad labels."""


class ModelFileError(SteepestError):
    """A model file is missing, truncated, corrupt, tampered with or of an unknown version."""


class DivergenceError(SteepestError):
    """Training diverged: the loss or the gradient became NaN or infinite, or the
    loss exploded; the weights were restored to the last good ones.

    ``epoch`` and ``batch`` (counting from 1), ``reason`` ("the loss became nan",
    ...) and ``learning_rate`` say where and why, for callers that phrase their
    own message (the command line).
    """

    def __init__(self, message: str, *, epoch: int | None = None, batch: int | None = None,
                 reason: str = "", learning_rate: float | None = None) -> None:
        super().__init__(message)
        self.epoch, self.batch = epoch, batch
        self.reason, self.learning_rate = reason, learning_rate

    @classmethod
    def at(cls, epoch: int, batch: int, reason: str, learning_rate: float,
           advice: str) -> DivergenceError:
        """The error of a run that diverged at ``epoch`` and ``batch`` (from 1): its
        message is the :attr:`summary`, then ``advice``."""
        error = cls("", epoch=epoch, batch=batch, reason=reason, learning_rate=learning_rate)
        error.args = (f"{error.summary}; {advice}",)
        return error

    @property
    def summary(self) -> str:
        """Where and why, without advice: ``"training diverged at epoch 3, batch 7:
        the loss became nan (learning rate 0.5)"`` (the message, if the attributes
        were not given)."""
        if self.epoch is None:
            return str(self)
        rate = "" if self.learning_rate is None else f" (learning rate {self.learning_rate:g})"
        return (f"training diverged at epoch {self.epoch}, batch {self.batch}: "
                f"{self.reason}{rate}")


class WriteError(SteepestError, OSError):
    """A file could not be written: the disk is full, the folder is read-only or
    missing, another process is writing it, or a folder, FIFO or device stands at
    its path. The file there, if any, is as it was (writes go to a temporary file
    renamed into place). Also an :class:`OSError`, with the ``errno`` of the cause."""

    __str__ = Exception.__str__  # the message, not OSError's "[Errno n] ..."


class ReproducibilityWarning(UserWarning):
    """A resumed run may not repeat an uninterrupted one bit for bit (another BLAS
    thread count than the run's)."""


class DatasetError(DataError):
    """A dataset file is missing, corrupt or truncated, or could not be downloaded."""
