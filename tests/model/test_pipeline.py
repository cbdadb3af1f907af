"""Training pipeline end to end on the real German credit data, the gate, and a second table."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from model_helpers import GERMAN_CSV, PROTECTED, train_args

from chalicelib.scoring.scorer import Scorer
from creditmodel.cli import train_main
from creditmodel.model import ModelConfig
from creditmodel.train import TrainConfig, train

pytestmark = pytest.mark.slow


def test_train_writes_artifact_card_and_plots(german_model_dir: Path) -> None:
    # GIVEN a model trained through the CLI (fixture) WHEN we read its card
    card = json.loads((german_model_dir / "model_card.json").read_text())
    # THEN it carries the data hash, versions, metrics, cutoff, fairness and stability
    import hashlib

    assert card["data"]["sha256"] == hashlib.sha256(GERMAN_CSV.read_bytes()).hexdigest()
    assert set(card["library_versions"]) >= {"numpy", "scikit-learn", "pandas"}
    for m in ("auc", "ks", "brier", "calibration_slope"):
        assert set(card["cv"][m]) == {"mean", "std"}
    assert card["cv"]["auc"]["mean"] > 0.75
    assert 0 < card["cutoff"]["pd"] < 1 and card["cutoff"]["expected_cost_per_applicant"] > 0
    assert set(card["fairness"]["sex"]["groups"]) == {"female", "male"}
    assert set(card["fairness"]["age"]["groups"]) == {"<25", "25-40", ">40"}
    assert card["stability"]["psi"] >= 0
    assert "personal.status.and.sex" not in card["features"]
    assert "foreign.worker" not in card["features"]
    for f in (
        "model.joblib",
        "model_card.md",
        "roc.png",
        "calibration.png",
        "score_distribution.png",
    ):
        assert (german_model_dir / f).stat().st_size > 0
    assert (german_model_dir / "roc.png").read_bytes()[:4] == b"\x89PNG"


def test_gate_refuses_below_floor(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "refused"
    code = train_main(train_args(GERMAN_CSV, out, "--auc-floor", "0.99", "--forest-trees", "0"))
    assert code != 0
    err = capsys.readouterr().err
    assert "under the floor 0.9900" in err and "no artifact written" in err
    assert not (out / "model.joblib").exists()


def test_artifact_round_trip_matches_training_predictions(
    tmp_path: Path, german_df: pd.DataFrame
) -> None:
    cfg = TrainConfig(
        target="creditability",
        bad_value="bad",
        exclude=PROTECTED.split(","),
        cv_folds=5,
        cv_repeats=1,
        model=ModelConfig(forest_trees=30),
    )
    result = train(GERMAN_CSV, tmp_path / "rt", cfg, log=lambda m: None)
    X = result.data.X.copy()
    # Include rows with missing and unseen values: both sides must agree there too.
    X.loc[0, "credit.amount"] = np.nan
    X.loc[1, "purpose"] = "space travel"
    X.loc[2, "status.of.existing.checking.account"] = None
    expected = result.model.predict_pd(X)
    scorer = Scorer.load(tmp_path / "rt")
    rows = X.astype(object).where(X.notna(), None).to_dict("records")
    got = np.array([scorer.score(r).pd for r in rows])
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)


def test_second_dataset_with_other_columns(tmp_path: Path, renamed_dataset: Path) -> None:
    out = tmp_path / "renamed"
    code = train_main(
        [
            "--data",
            str(renamed_dataset),
            "--target",
            "defaulted",
            "--bad",
            "1",
            "--out",
            str(out),
            "--cv-folds",
            "5",
            "--cv-repeats",
            "1",
            "--forest-trees",
            "30",
            "--auc-floor",
            "0.6",
            "--sex-column",
            "none",
            "--age-column",
            "age",
        ]
    )
    assert code == 0
    scorer = Scorer.load(out)
    spec = scorer.feature_spec
    assert set(spec) == {"acct", "months", "history", "amount_eur", "savings", "age", "noise"}
    assert spec["months"] == "numeric" and spec["amount_eur"] == "numeric"
    assert isinstance(spec["acct"], list) and "S0" in spec["acct"]
    card = json.loads((out / "model_card.json").read_text())
    assert "sex" not in card["fairness"] and "age" in card["fairness"]
    r = scorer.score(
        {
            "acct": "S0",
            "months": 48,
            "history": "H1",
            "amount_eur": None,
            "savings": "V9",
            "age": 22,
            "noise": 0.0,
        }
    )
    assert 0 < r.pd < 1 and r.grade in "ABCDE" and len(r.reasons) <= 4
