"""The loan book over the lending table: a paginated scan of the loan items (SK `LOAN`).

The scan reads the whole table (lines, ledger entries and requests beside the loans), so it runs
as a parallel scan: SEGMENTS segments, each paged by its own thread. One sequential scan of a
100,000-loan table is thousands of 1 MB pages, minutes of one Lambda; in segments it is a
fraction of that, within Start Reports' timeout (functions/.chalice/config.json).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..loans.port import DISBURSED, LoanRecord
from ..loans.records import loan_from_item

SEGMENTS = 8


def scan_request(table: str, segment: int = 0, segments: int = 1) -> dict[str, Any]:
    """Loan items only (the table holds lines, entries, requests ... beside them)."""
    request: dict[str, Any] = {
        "TableName": table,
        "FilterExpression": "#sk = :loan AND #type = :loan",
        "ExpressionAttributeNames": {"#sk": "SK", "#type": "type"},
        "ExpressionAttributeValues": {":loan": "LOAN"},
    }
    if segments > 1:
        request.update(Segment=segment, TotalSegments=segments)
    return request


class DynamoLoanBook:
    def __init__(self, table: Any, segments: int = SEGMENTS) -> None:
        self._table = table
        self._segments = segments

    def disbursed_loans(self) -> Iterator[LoanRecord]:
        with ThreadPoolExecutor(self._segments, thread_name_prefix="loan-book") as pool:
            # Each segment runs in a copy of this thread's context, so what is kept there (the
            # log's correlation keys, a tracer's segment) follows the calls it makes.
            parts = [
                pool.submit(contextvars.copy_context().run, self._segment, segment)
                for segment in range(self._segments)
            ]
            for part in parts:
                yield from part.result()

    def _segment(self, segment: int) -> list[LoanRecord]:
        request = scan_request(self._table.name, segment, self._segments)
        client = self._table.meta.client
        out: list[LoanRecord] = []
        while True:
            page = client.scan(**request)
            for item in page["Items"]:
                record = loan_from_item(item)
                if record.status in DISBURSED:
                    out.append(record)
            if "LastEvaluatedKey" not in page:
                return out
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
