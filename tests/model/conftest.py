"""Fixtures for the credit model tests: small, fast trainings on the real German credit data.

Tests train with 5-fold x 1 repeat CV and a 40-tree forest so the suite stays quick; the
committed artifact in models/german/ uses the full settings (see its model card).
"""

from __future__ import annotations

import fcntl
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from model_helpers import GERMAN_CSV, train_args

from creditmodel.cli import train_main


@pytest.fixture(scope="session")
def german_df() -> pd.DataFrame:
    return pd.read_csv(GERMAN_CSV)


def trained_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, train: Callable[[Path], None]
) -> Path:
    """A model directory trained by whichever xdist worker asks first; the others wait and reuse
    it (each worker has its own session, and xdist_group no longer keeps tests on one worker:
    see tests/infra/test_package.py)."""
    shared = tmp_path_factory.getbasetemp().parent  # this run's directory, common to its workers
    out = shared / f"trained-{name}"
    with open(shared / f"trained-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (out / "model_card.json").exists():
            train(out)
    return out


@pytest.fixture(scope="session")
def german_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    def train(out: Path) -> None:
        assert train_main(train_args(GERMAN_CSV, out)) == 0

    return trained_once(tmp_path_factory, "german", train)


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
