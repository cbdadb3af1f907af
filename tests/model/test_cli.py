"""Batch scoring and drift CLIs."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from chalicelib.scoring.drift import drift_report
from chalicelib.scoring.scorer import Scorer
from creditmodel.cli import drift_main, score_main

pytestmark = pytest.mark.slow


def test_score_cli_keeps_input_order(
    tmp_path: Path, german_model_dir: Path, german_df: pd.DataFrame
) -> None:
    # GIVEN rows in a shuffled order, one with a missing value
    rows = german_df.drop(columns=["creditability"]).sample(60, random_state=3)
    rows.iloc[5, rows.columns.get_loc("credit.amount")] = None
    data = tmp_path / "in.csv"
    rows.to_csv(data, index=False)
    out = tmp_path / "scored.csv"
    # WHEN scored through the CLI
    assert (
        score_main(["--model", str(german_model_dir), "--data", str(data), "--out", str(out)]) == 0
    )
    # THEN output row i is input row i
    scored = list(csv.DictReader(out.open()))
    assert [int(r["row"]) for r in scored] == list(range(60))
    scorer = Scorer.load(german_model_dir)
    records = rows.astype(object).where(rows.notna(), None).to_dict("records")
    for rec, line in zip(records, scored, strict=True):
        rec = {k: (float(v) if isinstance(v, int) else v) for k, v in rec.items()}
        r = scorer.score(rec)
        assert abs(float(line["pd"]) - r.pd) < 1e-6
        assert int(line["score"]) == r.score and line["grade"] == r.grade
        assert line["reason_codes"] == ";".join(x.code for x in r.reasons)


def test_score_cli_rejects_malformed_row(
    tmp_path: Path,
    german_model_dir: Path,
    german_df: pd.DataFrame,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = german_df.drop(columns=["creditability"]).head(3).astype(object)
    rows.iloc[1, rows.columns.get_loc("duration.in.month")] = "long"
    data = tmp_path / "bad.csv"
    rows.to_csv(data, index=False)
    code = score_main(
        ["--model", str(german_model_dir), "--data", str(data), "--out", str(tmp_path / "o.csv")]
    )
    assert code != 0
    assert "row 2" in capsys.readouterr().err


def test_drift_stable_on_training_data_and_alerts_on_shift(
    tmp_path: Path,
    german_model_dir: Path,
    german_df: pd.DataFrame,
    capsys: pytest.CaptureFixture[str],
) -> None:
    scorer = Scorer.load(german_model_dir)
    rows = german_df.drop(columns=["creditability"]).to_dict("records")
    same = drift_report(scorer.artifact, rows)
    # Training rows are in-sample for the forest, so their scores spread a little more than
    # the out-of-fold baseline; they must not read as a shift.
    assert same["rows"] == 1000 and same["score"]["status"] != "alert"
    assert all(f["psi"] < 0.01 for f in same["features"].values())

    shifted = [
        dict(r, **{"duration.in.month": 60, "status.of.existing.checking.account": "... < 0 DM"})
        for r in rows
    ]
    report = drift_report(scorer, shifted)
    assert report["features"]["duration.in.month"]["status"] == "alert"
    assert report["score"]["status"] == "alert"
    assert report["features"]["housing"]["psi"] < 0.01

    path = tmp_path / "prod.csv"
    pd.DataFrame(shifted).to_csv(path, index=False)
    assert drift_main(["--model", str(german_model_dir), "--scores", str(path)]) == 0
    out = capsys.readouterr().out
    assert "duration.in.month" in out and "alert" in out
