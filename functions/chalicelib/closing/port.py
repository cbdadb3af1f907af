"""Ports of the close of business besides the stores it shares (loans, requests, lines):

- WorkFiles: the day's files in a bucket (the work list the Map reads, the results it writes),
  JSON by key. On AWS `s3.S3WorkFiles` (the documents bucket, under CLOSE_OF_BUSINESS_PREFIX);
  the fake in `memory.py`.
- AfterClose: what runs once a day is closed (the bureau file, the portfolio report), started
  by Start Reports; `reports.RecordedReportRequests` records the request until the reports
  themselves are wired in.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol


class WorkFiles(Protocol):
    @property
    def bucket(self) -> str: ...

    def put_json(self, key: str, value: Any) -> None: ...

    def get_json(self, key: str) -> Any:
        """The JSON stored at `key`; KeyError if there is none."""
        ...


class AfterClose(Protocol):
    def after_close(self, day: date) -> dict[str, Any]:
        """Start what follows closed business day `day`; idempotent per day; answers ids and
        counts for the execution's history."""
        ...
