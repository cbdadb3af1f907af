"""Report files and the loan book in memory, for tests (same contracts as s3.py, dynamo.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from ..loans.port import DISBURSED, LoanRecord
from ..loans.records import loan_from_item
from .port import StoredFile, sha256


class _HasItems(Protocol):
    def items(self) -> list[dict[str, Any]]: ...


class InMemoryReportFiles:
    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str]] = {}
        self.puts = 0
        self._lock = threading.Lock()

    def put(self, key: str, body: bytes, content_type: str) -> StoredFile:
        with self._lock:
            self.objects[key] = (bytes(body), content_type)
            self.puts += 1
        return StoredFile(key, len(body), sha256(body))

    def get(self, key: str) -> bytes | None:
        with self._lock:
            held = self.objects.get(key)
        return held[0] if held else None


class InMemoryLoanBook:
    """The book over the in-memory loan store (its items, as a scan would read them), or over
    records given directly."""

    def __init__(self, source: _HasItems | Iterable[LoanRecord]) -> None:
        self._source = source

    def disbursed_loans(self) -> Iterator[LoanRecord]:
        if hasattr(self._source, "items") and callable(self._source.items):
            records: Iterable[LoanRecord] = (
                loan_from_item(i) for i in self._source.items() if i.get("type") == "LOAN"
            )
        else:
            records = self._source  # type: ignore[assignment]
        return (r for r in records if r.status in DISBURSED)
