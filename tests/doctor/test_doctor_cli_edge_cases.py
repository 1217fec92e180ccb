"""Edge cases of the doctor's commands (diagnose, explain, overfit-check): one-line
errors, strict JSON when the loss diverges, the rows explain used."""

from __future__ import annotations

import pytest

from steepest.cli import main


def test_cli_nan_csv_is_a_one_line_error(tmp_path, capsys):
    rows = ["a,b,label", "0.1,0.2,0", "nan,0.4,1", "0.5,0.6,0", "0.7,0.8,1"]
    (tmp_path / "nan.csv").write_text("\n".join(rows) + "\n")
    for command in ("diagnose", "explain", "overfit-check"):
        assert main([command, "--data", str(tmp_path / "nan.csv")]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "NaN" in err, err


def _strict_json(text: str):
    import json

    def refuse(constant: str):
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("command, code", [("overfit-check", 1), ("diagnose", 0)])
def test_doctor_json_stays_json_when_the_loss_diverges(command, code, capsys):
    args = [command, "--data", "xor", "--activation", "identity", "--optimizer", "sgd",
            "--lr", "1e30", "--json"]
    assert main(args) == code
    out = capsys.readouterr().out
    try:
        _strict_json(out)
    except ValueError as exc:
        raise AssertionError(f"{exc}: {out[:300]}") from None


def test_cli_explain_says_how_many_rows_it_used(capsys):
    # xor has 4 rows: asking for 100 explains a step on those 4, and the header says so.
    assert main(["explain", "--data", "xor", "--samples", "100"]) == 0
    assert "4 samples" in capsys.readouterr().out.splitlines()[0]
