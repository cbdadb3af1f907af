"""Scored inputs and drift reports in the lending table."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

from boto3.dynamodb.conditions import Key

from .records import FEATURES, report_item


class DynamoScoredInputs:
    def __init__(self, table: Any) -> None:
        self._table = table

    def since(self, first_day: dt.date, last_day: dt.date) -> Iterator[dict[str, Any]]:
        day = first_day
        while day <= last_day:
            kwargs: dict[str, Any] = {
                "IndexName": "GSI1",
                "KeyConditionExpression": Key("GSI1PK").eq(f"SCORED#{day.isoformat()}"),
            }
            while True:
                page = self._table.query(**kwargs)
                for item in page.get("Items", []):
                    yield json.loads(item[FEATURES])
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
            day += dt.timedelta(days=1)

    def save_report(self, day: dt.date, window_days: int, report: dict[str, Any]) -> None:
        self._table.put_item(Item=report_item(day, window_days, report))
