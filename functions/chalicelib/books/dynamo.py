"""Reading the whole table for the books check (an operator's check, never a request path)."""

from __future__ import annotations

from typing import Any

from .check import BooksReport, LedgerReport, check_books, check_ledger_items


def scan_all(table: Any) -> list[dict[str, Any]]:
    kwargs: dict[str, Any] = {}
    out: list[dict[str, Any]] = []
    while True:
        page = table.scan(**kwargs)
        out.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return out
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def check_ledger(table: Any) -> LedgerReport:
    """Scan the table and prove the ledger against loans and lines."""
    return check_ledger_items(scan_all(table))


def check_table(table: Any) -> BooksReport:
    """Scan the table and prove everything `lending ledger check` reports."""
    return check_books(scan_all(table))
