"""Shared constants and helpers for the credit model tests."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GERMAN_CSV = REPO / "models" / "data" / "german_credit.csv"
PROTECTED = "personal.status.and.sex,foreign.worker"
FAST = ["--cv-folds", "5", "--cv-repeats", "1", "--forest-trees", "40"]


def train_args(data: Path, out: Path, *extra: str) -> list[str]:
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
        PROTECTED,
        *FAST,
        *extra,
    ]
