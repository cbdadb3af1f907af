"""Fixtures for the credit model tests: small, fast trainings on the real German credit data.

Tests train with 5-fold x 1 repeat CV and a 40-tree forest so the suite stays quick; the
committed artifact in models/german/ uses the full settings (see its model card).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from model_helpers import GERMAN_CSV, train_args

from creditmodel.cli import train_main


@pytest.fixture(scope="session")
def german_df() -> pd.DataFrame:
    return pd.read_csv(GERMAN_CSV)


@pytest.fixture(scope="session")
def german_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("german") / "model"
    assert train_main(train_args(GERMAN_CSV, out)) == 0
    return out


@pytest.fixture(scope="session")
def renamed_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """German credit with other column names, recoded categories and a 0/1 target."""
    df = pd.read_csv(GERMAN_CSV)
    rng = np.random.default_rng(7)
    out = pd.DataFrame(
        {
            "acct": df["status.of.existing.checking.account"]
            .astype("category")
            .cat.codes.map(lambda c: f"S{c}"),
            "months": df["duration.in.month"],
            "history": df["credit.history"].astype("category").cat.codes.map(lambda c: f"H{c}"),
            "amount_eur": df["credit.amount"].astype(float) * 0.51,
            "savings": df["savings.account.and.bonds"]
            .astype("category")
            .cat.codes.map(lambda c: f"V{c}"),
            "age": df["age.in.years"],
            "noise": rng.normal(size=len(df)),
            "defaulted": (df["creditability"] == "bad").astype(int),
        }
    )
    # A few missing values so the missing bins see data.
    out.loc[out.sample(30, random_state=1).index, "amount_eur"] = np.nan
    path = tmp_path_factory.mktemp("renamed") / "loans.csv"
    out.to_csv(path, index=False)
    return path
