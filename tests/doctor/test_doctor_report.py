"""The doctor's report: the printed table and findings, the verdict, the JSON."""

from __future__ import annotations

import json

from steepest import Network, diagnose
from steepest.doctor import Diagnosis, Finding, LayerStats
from steepest.doctor.report import by_severity


def test_report_text_and_json(blobs):
    X, y = blobs
    net = Network([5, 16, 2], activation="relu", loss="cross_entropy", seed=0)
    result = diagnose(net, X * 1000, y, batch_size=64, steps=2)
    text = str(result)
    assert result.samples == 64 and result.steps == 2
    assert "layer  activation  W shape" in text and "update/|W|" in text
    assert "fix: scale inputs to [0, 1]" in text
    per_step = text.splitlines()[text.splitlines().index(
        "update-to-weight ratio |W_after - W_before| / |W_before| per step (about 1e-3 is "
        "typical):") + 1]
    assert per_step == "layer 0  " + "  ".join(f"{r:.2e}" for r in result.layers[0].update_ratios)
    assert text.splitlines()[-1].startswith("verdict: not healthy (")
    record = json.loads(json.dumps(result.to_dict()))
    assert record["healthy"] is False
    assert [f["code"] for f in record["findings"]] == result.codes()
    assert len(record["layers"][0]["update_ratios"]) == 2


def _layer(**changes) -> LayerStats:
    figures = {"index": 0, "activation": "relu", "shape": (2, 3), "weight_norm": 1.0,
               "grad_norm": 0.1, "grad_ratio": 0.1, "signal": 0.01, "mean_abs_sum": 0.5,
               "max_abs_sum": 2.0, "saturated": None, "dead": 0.25, "update_ratios": [1e-3]}
    return LayerStats(**(figures | changes))


def test_findings_most_severe_first_and_counted_in_the_verdict():
    note = Finding("small_updates", "info", "slow", "a larger rate")
    warning = Finding("large_sums", "warning", "large sums", "Glorot", [0])
    error = Finding("no_gradient", "error", "no gradient", "He init", [0, 1])
    assert by_severity([note, warning, error]) == [error, warning, note]
    assert str(warning) == "WARNING large sums\n        fix: Glorot"
    assert warning.to_dict() == {"code": "large_sums", "severity": "warning",
                                 "message": "large sums", "fix": "Glorot", "layers": [0]}
    report = Diagnosis("net", [_layer()], [error, note], [1.0, 0.9], "sgd", 0.01, 4)
    assert not report.healthy and report.codes() == ["no_gradient", "small_updates"]
    assert str(report).splitlines()[-1] == "verdict: not healthy (1 error, 0 warnings, 1 note)"


def test_a_healthy_report_prints_its_table_and_no_findings():
    report = Diagnosis("net", [_layer(), _layer(index=1, activation="sigmoid", dead=None,
                                                saturated=0.5)],
                       [], [1.0, 0.9], "sgd", 0.01, 4)
    lines = str(report).splitlines()
    assert lines[:2] == ["doctor: net", "4 samples, 1 steps of sgd at learning rate 0.01"]
    header, relu, sigmoid = lines[3:6]
    assert header.split()[-2:] == ["saturated", "dead"]
    assert relu.split()[-2:] == ["-", "25%"] and sigmoid.split()[-2:] == ["50%", "-"]
    assert "layer 1  1.00e-03" in lines
    assert lines[-2:] == ["findings: none", "verdict: healthy (0 errors, 0 warnings, 0 notes)"]
