"""What the model scored is kept with each application's score and compared with the training
baseline by day, as the daily `model_drift` schedule does."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from chalicelib.applications.dynamo import DynamoApplicationRepository
from chalicelib.applications.port import ScoreRecord
from chalicelib.scoring.dynamo import DynamoScoredInputs
from chalicelib.scoring.memory import InMemoryScoredInputs
from chalicelib.scoring.monitoring import record_drift
from chalicelib.scoring.scorer import Scorer
from tests.applications.test_contract import make_app

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 11, 28)


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer.load(ROOT / "models" / "german")


def _rows(scorer: Scorer, n: int) -> list[dict]:
    spec = scorer.feature_spec
    rows = list(csv.DictReader((ROOT / "models" / "data" / "german_credit.csv").open()))[:n]
    return [{k: (float(r[k]) if spec[k] == "numeric" else r[k]) for k in spec} for r in rows]


def _scored(table, features: dict, day: dt.date) -> None:
    repo = DynamoApplicationRepository(table)
    app, pii = make_app(f"u-{id(features)}")
    repo.create(app, pii)
    repo.record_step(app.application_id, "score", ScoreRecord(0.1, 600, "B", (), day, features))


def test_scored_inputs_yield_a_stored_drift_report(dynamodb_table, scorer: Scorer) -> None:
    # GIVEN 120 applications scored over the last three days
    for i, features in enumerate(_rows(scorer, 120)):
        _scored(dynamodb_table, features, TODAY - dt.timedelta(days=i % 3))
    # WHEN the daily check runs over a week
    report = record_drift(scorer, DynamoScoredInputs(dynamodb_table), TODAY, window_days=7)
    # THEN it read every one of them and kept the report under the day
    assert report["rows"] == 120 and report["skipped_rows"] == 0
    stored = dynamodb_table.get_item(Key={"PK": "DRIFT#2026-11-28", "SK": "REPORT"})["Item"]
    assert stored["windowDays"] == 7 and stored["report"]["rows"] == 120
    assert stored["report"]["score"]["psi"] == Decimal(str(report["score"]["psi"]))


def test_inputs_outside_the_window_are_left_out(dynamodb_table, scorer: Scorer) -> None:
    rows = _rows(scorer, 2)
    _scored(dynamodb_table, rows[0], dt.date(2026, 1, 1))
    _scored(dynamodb_table, rows[1], TODAY)
    found = list(DynamoScoredInputs(dynamodb_table).since(dt.date(2026, 11, 1), TODAY))
    assert found == [rows[1]]


def test_a_day_with_nothing_scored_is_reported_as_no_data(scorer: Scorer) -> None:
    inputs = InMemoryScoredInputs()
    report = record_drift(scorer, inputs, TODAY)
    assert report["rows"] == 0 and report["score"]["status"] == "no data"
    assert inputs.reports[TODAY][1] is report
