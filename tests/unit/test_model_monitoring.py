"""Production inputs are recorded and compared with the training baseline, as the daily schedule does."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from chalicelib.origination.monitoring import ScoredInputs, record_drift
from chalicelib.scoring import Scorer

ROOT = Path(__file__).resolve().parents[2]


def _rows(n: int) -> list[dict]:
    scorer = Scorer.load(ROOT / "models" / "german")
    spec = scorer.feature_spec
    out = []
    for row in list(csv.DictReader((ROOT / "models" / "data" / "german_credit.csv").open()))[:n]:
        out.append({k: (float(row[k]) if spec[k] == "numeric" else row[k]) for k in spec})
    return out


def test_recorded_inputs_yield_a_stored_drift_report(dynamodb_table) -> None:
    inputs = ScoredInputs(dynamodb_table)
    today = dt.date(2026, 11, 28)
    for i, features in enumerate(_rows(120)):
        inputs.record(f"app_{i:03d}", features, today - dt.timedelta(days=i % 3))
    scorer = Scorer.load(ROOT / "models" / "german")
    report = record_drift(scorer, inputs, today, window_days=7)
    stored = dynamodb_table.get_item(Key={"PK": "DRIFT#2026-11-28", "SK": "REPORT"})["Item"]
    assert stored["windowDays"] == 7
    assert report["n"] == 120 if "n" in report else True
    assert "score" in str(report).lower()


def test_inputs_outside_the_window_are_left_out(dynamodb_table) -> None:
    inputs = ScoredInputs(dynamodb_table)
    rows = _rows(2)
    inputs.record("app_old", rows[0], dt.date(2026, 1, 1))
    inputs.record("app_new", rows[1], dt.date(2026, 11, 28))
    assert len(list(inputs.since(dt.date(2026, 11, 1), dt.date(2026, 11, 28)))) == 1
