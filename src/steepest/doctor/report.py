"""The doctor's report: its findings, and the printed table of each layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .measure import LayerStats

#: The findings' severities, most severe first.
SEVERITIES = ("error", "warning", "info")


@dataclass
class Finding:
    """One problem: ``severity`` is ``"error"`` (the network will not learn),
    ``"warning"`` (it will learn badly) or ``"info"``; ``code`` names the kind
    (``vanishing_gradients``...); ``fix`` is one line; ``layers`` those concerned."""

    code: str
    severity: str
    message: str
    fix: str
    layers: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.severity.upper():<7} {self.message}\n        fix: {self.fix}"

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "message": self.message,
                "fix": self.fix, "layers": self.layers}


@dataclass
class Diagnosis:
    """The doctor's report: ``layers`` (one :class:`LayerStats` each),
    ``findings`` (most severe first), ``losses`` (before each test step, then
    after the last), and what was run. ``str()`` is the printable report."""

    network: str
    layers: list[LayerStats]
    findings: list[Finding]
    losses: list[float]
    optimizer: str
    learning_rate: float
    samples: int

    @property
    def healthy(self) -> bool:
        """True when no finding is an error or a warning."""
        return not any(f.severity in ("error", "warning") for f in self.findings)

    @property
    def steps(self) -> int:
        return len(self.losses) - 1

    def codes(self) -> list[str]:
        """The findings' codes, most severe first."""
        return [f.code for f in self.findings]

    def __str__(self) -> str:
        lines = [f"doctor: {self.network}",
                 f"{self.samples} samples, {self.steps} steps of {self.optimizer} at learning "
                 f"rate {self.learning_rate:g}", ""]
        lines += _layer_table(self.layers)
        lines.append("")
        if self.steps:
            lines.append("update-to-weight ratio |W_after - W_before| / |W_before| per step "
                         "(about 1e-3 is typical):")
            lines += [f"layer {s.index:<3}" + "  ".join(f"{r:.2e}" for r in s.update_ratios)
                      for s in self.layers]
            lines.append("")
        lines.append(f"loss {' -> '.join(f'{v:.4g}' for v in self.losses)}")
        lines.append("")
        if self.findings:
            lines.append("findings:")
            lines += [str(f) for f in self.findings]
        else:
            lines.append("findings: none")
        lines.append(f"verdict: {_verdict(self)}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"network": self.network, "healthy": self.healthy, "samples": self.samples,
                "optimizer": self.optimizer, "learning_rate": self.learning_rate,
                "losses": self.losses, "layers": [s.to_dict() for s in self.layers],
                "findings": [f.to_dict() for f in self.findings]}


def by_severity(findings: list[Finding]) -> list[Finding]:
    """``findings`` most severe first, in their order within a severity."""
    order = {s: k for k, s in enumerate(SEVERITIES)}
    return sorted(findings, key=lambda f: order[f.severity])


def _verdict(diagnosis: Diagnosis) -> str:
    """``healthy (0 errors, 0 warnings, 1 note)`` or ``not healthy (...)``."""
    counts = {s: sum(f.severity == s for f in diagnosis.findings) for s in SEVERITIES}
    tally = ", ".join(_count(counts[s], noun) for s, noun in
                      zip(SEVERITIES, ("error", "warning", "note"), strict=True))
    return f"{'healthy' if diagnosis.healthy else 'not healthy'} ({tally})"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def _layer_table(layers: list[LayerStats]) -> list[str]:
    """The per-layer table's lines: a header, then one row per layer."""
    def share(value: float | None) -> str:
        return "-" if value is None else f"{value:.0%}"

    rows = [("layer", "activation", "W shape", "|W|", "|dW|", "|dW|/|W|", "update/|W|",
             "rms psi", "mean|Z|", "max|Z|", "saturated", "dead")]
    for s in layers:
        rows.append((str(s.index), s.activation, str(s.shape), f"{s.weight_norm:.3g}",
                     f"{s.grad_norm:.3g}", f"{s.grad_ratio:.2e}", f"{s.update_ratio:.2e}",
                     f"{s.signal:.2e}", f"{s.mean_abs_sum:.3g}", f"{s.max_abs_sum:.3g}",
                     share(s.saturated), share(s.dead)))
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) if c < 3 else cell.rjust(w)
                      for c, (cell, w) in enumerate(zip(r, widths, strict=True))).rstrip()
            for r in rows]
