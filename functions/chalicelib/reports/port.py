"""The reports' ports: where the book's loans are read from, where report files go, and the
credit bureau a month's report is submitted to.

- LoanBook.disbursed_loans() -> Iterator[LoanRecord]: every loan money went out for (ACTIVE,
  OVERDUE, CLOSED, WRITTEN_OFF), in no particular order. The whole book, once a month (the
  bureau report) or when ops ask (the portfolio report): a scan, not a per-request read.
- ReportFiles.put(key, body, content_type) -> StoredFile; get(key) -> bytes | None: report
  objects under `reports/` in the documents bucket. A put of the same key replaces the object
  (a re-run writes the same bytes: the reports are functions of the book as of a past day).
- BureauReporter.submit(month, csv_text) -> Submission: hand the month's file to the bureau.
  Idempotent per month: the sandbox writes `reports/bureau/{YYYY-MM}.csv`, and a second
  submission of the month writes the same object; a real bureau's adapter submits the file
  under the month as its idempotency key. `submitted(month)` says whether a month went.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.loans.port import LoanRecord

BUREAU_PREFIX = "reports/bureau/"
CSV = "text/csv; charset=utf-8"


def bureau_key(month: str) -> str:
    """`reports/bureau/YYYY-MM.csv`: ids only in keys, never personal data."""
    return f"{BUREAU_PREFIX}{month}.csv"


def sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Submission:
    """A month's bureau file as submitted: where it is, how many accounts, its digest."""

    month: str  # YYYY-MM
    key: str
    accounts: int
    sha256: str

    def as_summary(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "key": self.key,
            "accounts": self.accounts,
            "sha256": self.sha256,
        }


class LoanBook(Protocol):
    def disbursed_loans(self) -> Iterator[LoanRecord]: ...


class ReportFiles(Protocol):
    def put(self, key: str, body: bytes, content_type: str) -> StoredFile: ...

    def get(self, key: str) -> bytes | None: ...


class BureauReporter(Protocol):
    def submit(self, month: str, csv_text: str) -> Submission: ...

    def submitted(self, month: str) -> bool: ...
