"""The loan book over the lending table: a paginated scan of the loan items (SK `LOAN`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..loans.port import DISBURSED, LoanRecord
from ..loans.records import loan_from_item


def scan_request(table: str) -> dict[str, Any]:
    """Loan items only (the table holds lines, entries, requests ... beside them)."""
    return {
        "TableName": table,
        "FilterExpression": "#sk = :loan AND #type = :loan",
        "ExpressionAttributeNames": {"#sk": "SK", "#type": "type"},
        "ExpressionAttributeValues": {":loan": "LOAN"},
    }


class DynamoLoanBook:
    def __init__(self, table: Any) -> None:
        self._table = table

    def disbursed_loans(self) -> Iterator[LoanRecord]:
        request = scan_request(self._table.name)
        client = self._table.meta.client
        while True:
            page = client.scan(**request)
            for item in page["Items"]:
                record = loan_from_item(item)
                if record.status in DISBURSED:
                    yield record
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
