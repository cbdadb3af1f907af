"""The translation from our application to the model's inputs must speak the model's language."""

from __future__ import annotations

from pathlib import Path

import pytest

from chalicelib.applications.port import Profile
from chalicelib.bureau.sandbox import sandbox_report
from chalicelib.origination.features import HOUSING, JOB, PROPERTY, PURPOSE, model_features
from chalicelib.scoring.scorer import Scorer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer.load(ROOT / "models" / "german")


@pytest.mark.parametrize("seed", range(40))
def test_every_feature_is_one_the_model_knows(scorer: Scorer, seed: int) -> None:
    employment = list(JOB)[seed % len(JOB)]
    profile = Profile(
        employment=employment,
        employment_years=seed % 12,
        monthly_income_fen=500_000 + seed * 100_000,
        housing=list(HOUSING)[seed % 3],
        dependants=seed % 4,
        city="北京",
        residence_years=seed % 9,
        property=list(PROPERTY)[seed % 4],
    )
    report = sandbox_report(f"1101051990030700{seed:02d}", "t")
    features = model_features(
        amount_fen=100_000 * (seed + 1),
        term_months=1 + seed % 36,
        purpose=list(PURPOSE)[seed % len(PURPOSE)],
        profile=profile,
        age=20 + seed,
        bureau=report.model_features(),
    )
    spec = scorer.feature_spec
    # Everything the model reads is produced; age is produced too, though the shipped model
    # leaves it out (docs/risk.md, "Fairness by age"): a model that reads it finds it there.
    assert set(spec) <= set(features) and set(features) - set(spec) <= {"age.in.years"}
    for name, allowed in spec.items():
        if isinstance(allowed, list):
            assert str(features[name]) in {str(a) for a in allowed}, (name, features[name])
    result = scorer.score(features)
    assert not any("not provided" in r.text for r in result.reasons)
