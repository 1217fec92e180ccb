"""The record of training: one value per epoch for each figure."""

from __future__ import annotations

from typing import Any


class History:
    """Per-epoch figures of training, like ``{"loss": [...], "val_accuracy": [...]}``.

    ``history["loss"]`` is the list of training losses, one per epoch (the mean
    over the epoch's batches); ``val_`` figures are measured on the validation
    data at the end of each epoch; ``lr`` is the learning rate used.
    """

    def __init__(self, metrics: dict[str, list[float]] | None = None) -> None:
        self.metrics: dict[str, list[float]] = {k: list(v) for k, v in (metrics or {}).items()}

    def append(self, logs: dict[str, float]) -> None:
        """Add one epoch's figures."""
        for key, value in logs.items():
            self.metrics.setdefault(key, []).append(float(value))

    def __getitem__(self, key: str) -> list[float]:
        return self.metrics[key]

    def get(self, key: str, default: list[float] | None = None) -> list[float] | None:
        return self.metrics.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self.metrics

    def keys(self) -> list[str]:
        return list(self.metrics)

    def __len__(self) -> int:
        """Number of epochs recorded."""
        return max((len(v) for v in self.metrics.values()), default=0)

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) for k, v in self.metrics.items()}

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.metrics.items() if v)
        return f"History({len(self)} epochs{': ' + last if last else ''})"
