"""Ports of the close of business besides the stores it shares (loans, requests, lines):

- WorkFiles: the day's files in a bucket (the work list the Map reads, the results it writes),
  JSON by key. On AWS `s3.S3WorkFiles` (the documents bucket, under CLOSE_OF_BUSINESS_PREFIX);
  the fake in `memory.py`.
- AfterClose: what runs once a day is closed (the monthly bureau file), started by Start
  Reports; `reports.service.Reports` is the one implementation.
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


class Started(Protocol):
    def as_summary(self) -> dict[str, Any]:
        """Ids, counts and keys only: it goes into the execution's history."""
        ...


class AfterClose(Protocol):
    def after_close(self, day: date) -> Started:
        """Start what follows closed business day `day`; idempotent per day."""
        ...
