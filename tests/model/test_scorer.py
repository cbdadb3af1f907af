"""Runtime Scorer: reasons, input handling, properties, and the committed default artifact."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from model_helpers import REPO

from chalicelib.reasons import Reason
from chalicelib.scoring.scorer import Scorer, ScoreResult

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scorer(german_model_dir: Path) -> Scorer:
    return Scorer.load(german_model_dir)


def _row(df: pd.DataFrame, i: int) -> dict[str, object]:
    return df.drop(columns=["creditability"]).iloc[i].to_dict()


def test_bad_checking_status_is_a_reason(scorer: Scorer, german_df: pd.DataFrame) -> None:
    # GIVEN an applicant whose checking account is overdrawn and otherwise good attributes
    best_row = _row(german_df, 0)
    best_row["status.of.existing.checking.account"] = "no checking account"
    applicant = dict(best_row, **{"status.of.existing.checking.account": "... < 0 DM"})
    # WHEN scored
    result = scorer.score(applicant)
    # THEN the checking account is among the reasons, in plain language
    codes = [r.code for r in result.reasons]
    assert "CHECKING_ACCOUNT" in codes
    text = result.reasons[codes.index("CHECKING_ACCOUNT")].text
    assert (
        "checking account" in text.lower()
        and "(overdrawn current account)" in text
        and "DM" not in text
    )
    assert scorer.score(best_row).pd < result.pd


def test_every_category_an_applicant_can_read_is_in_plain_words() -> None:
    from chalicelib.bureau import categories as c

    for values in c.CATEGORICAL.values():
        for value in values:
            assert "DM" not in c.PLAIN.get(value, value) and "..." not in c.PLAIN.get(
                value, value
            ), value


def test_reasons_are_deterministic_and_bounded(scorer: Scorer, german_df: pd.DataFrame) -> None:
    for i in range(50):
        row = _row(german_df, i)
        a, b = scorer.score(row), scorer.score(dict(reversed(list(row.items()))))
        assert a == b
        assert len(a.reasons) <= 4
        assert len({r.code for r in a.reasons}) == len(a.reasons)
        assert all(isinstance(r, Reason) and r.text for r in a.reasons)


def test_the_shipped_model_does_not_read_age(scorer: Scorer, german_df: pd.DataFrame) -> None:
    # Age is left out of the inputs (docs/risk.md, "Fairness by age"): it cannot move a score,
    # and a model that does read it never names it as a reason (test_pipeline).
    assert "age.in.years" not in scorer.feature_spec
    row = _row(german_df, 0)
    assert len({scorer.score(dict(row, **{"age.in.years": a})).pd for a in (19, 40, 70)}) == 1


def test_result_shape_and_grade_follows_pd(scorer: Scorer, german_df: pd.DataFrame) -> None:
    edges = scorer.artifact["grades"]["pd_edges"]
    for i in range(100):
        r = scorer.score(_row(german_df, i))
        assert isinstance(r, ScoreResult) and isinstance(r.score, int)
        expected = "ABCDE"[sum(r.pd >= e for e in edges)]
        assert r.grade == expected


def test_higher_pd_means_lower_score(scorer: Scorer, german_df: pd.DataFrame) -> None:
    results = sorted((scorer.score(_row(german_df, i)) for i in range(100)), key=lambda r: r.pd)
    scores = [r.score for r in results]
    assert scores == sorted(scores, reverse=True)


def test_missing_and_unknown_values_do_not_crash(scorer: Scorer) -> None:
    r = scorer.score({})
    assert 0 < r.pd < 1
    r2 = scorer.score({"purpose": "space travel", "credit.amount": float("nan"), "job": None})
    assert 0 < r2.pd < 1


@pytest.mark.parametrize(
    ("feature", "value"),
    [
        ("duration.in.month", "twelve"),
        ("credit.amount", True),
        ("purpose", 3),
        ("housing", ["own"]),
    ],
)
def test_malformed_feature_raises_value_error_naming_it(
    scorer: Scorer, feature: str, value: object
) -> None:
    with pytest.raises(ValueError, match=feature.replace(".", r"\.")):
        scorer.score({feature: value})


def test_properties(scorer: Scorer) -> None:
    spec = scorer.feature_spec
    assert spec["duration.in.month"] == "numeric"
    assert "... < 0 DM" in spec["status.of.existing.checking.account"]
    assert "personal.status.and.sex" not in spec and "foreign.worker" not in spec
    assert "age.in.years" not in spec
    assert 0 < scorer.cutoff_pd < 1
    meta = scorer.metadata
    assert {"model_version", "data_sha256", "library_versions", "cv_auc"} <= set(meta)


def test_committed_default_artifact_loads_and_scores(german_df: pd.DataFrame) -> None:
    model_dir = REPO / "models" / "german"
    card = json.loads((model_dir / "model_card.json").read_text())
    scorer = Scorer.load(model_dir)
    assert scorer.metadata["data_sha256"] == card["data"]["sha256"]
    assert card["cv"]["auc"]["mean"] >= card["auc_floor"]
    r = scorer.score(_row(german_df, 1))
    assert r.grade in "ABCDE"
    # its grades are the pricing model's tiers: change the economics, retrain the artifact
    from chalicelib.pricing_model import grade_pd_edges

    assert scorer.artifact["grades"]["pd_edges"] == grade_pd_edges()
    assert "age.in.years" not in scorer.feature_spec


def test_runtime_needs_neither_pandas_nor_sklearn() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from chalicelib.scoring.scorer import Scorer; "
        f"s = Scorer.load({str(REPO / 'models' / 'german')!r}); "
        "s.score({'duration.in.month': 12, 'purpose': 'education'}); "
        "heavy = [m for m in ('pandas', 'sklearn', 'scipy') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(REPO / "functions"), "PATH": "/usr/bin:/bin"},
    )
    assert out.stdout.strip() == ""
