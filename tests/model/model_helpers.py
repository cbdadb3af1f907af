"""Shared constants and helpers for the credit model tests."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GERMAN_CSV = REPO / "models" / "data" / "german_credit.csv"
PROTECTED = "personal.status.and.sex,foreign.worker"
# The committed model's inputs leave age out too, and accept its under-25s' approval ratio down
# to 0.5 (docs/risk.md, "Fairness by age"); the tests train it the same way.
SHIPPED_EXCLUDE = PROTECTED + ",age.in.years"
AGE_EXCEPTION = ["--fairness-exception", "age=0.5"]
FAST = ["--cv-folds", "5", "--cv-repeats", "1", "--forest-trees", "40"]


def train_args(
    data: Path, out: Path, *extra: str, exclude: str = SHIPPED_EXCLUDE, gate: bool = True
) -> list[str]:
    """The shipped training command at test speed; gate=False leaves the fairness rule at its
    default (no exception)."""
    return [
        "--data",
        str(data),
        "--target",
        "creditability",
        "--bad",
        "bad",
        "--out",
        str(out),
        "--exclude",
        exclude,
        *FAST,
        *(AGE_EXCEPTION if gate else []),
        *extra,
    ]
