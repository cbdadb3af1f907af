"""The model in production: the inputs it scored, and their drift from the training baseline.

Keys: SCORED#{yyyy-mm-dd} / {applicationId}  the features one application was scored on (TTL 120 days)
      DRIFT#{yyyy-mm-dd}  / REPORT            the day's PSI by score band and by feature
A daily schedule (`model_drift` in app.py) compares the last `window_days` of scored inputs with
the baseline stored in the model artifact and records the report.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

log = logging.getLogger(__name__)
RETENTION_DAYS = 120


@dataclass
class ScoredInputs:
    table: Any  # boto3 DynamoDB Table

    def record(self, application_id: str, features: dict[str, Any], day: dt.date) -> None:
        expires = int(
            dt.datetime.combine(day + dt.timedelta(days=RETENTION_DAYS), dt.time()).timestamp()
        )
        self.table.put_item(
            Item={
                "PK": f"SCORED#{day.isoformat()}",
                "SK": application_id,
                # Stored as JSON text: the features hold floats and mixed types DynamoDB would refuse.
                "features": json.dumps(features, sort_keys=True, default=str),
                "expiresAt": expires,
            }
        )

    def since(self, first_day: dt.date, last_day: dt.date) -> Iterator[dict[str, Any]]:
        from boto3.dynamodb.conditions import Key

        day = first_day
        while day <= last_day:
            kwargs: dict[str, Any] = {
                "KeyConditionExpression": Key("PK").eq(f"SCORED#{day.isoformat()}")
            }
            while True:
                page = self.table.query(**kwargs)
                for item in page.get("Items", []):
                    yield json.loads(item["features"])
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
            day += dt.timedelta(days=1)


def record_drift(
    scorer: Any, inputs: ScoredInputs, today: dt.date, window_days: int = 30
) -> dict[str, Any]:
    """PSI of the last `window_days` of production inputs against the training baseline, stored."""
    from ..scoring.drift import drift_report

    report = drift_report(scorer, inputs.since(today - dt.timedelta(days=window_days - 1), today))
    inputs.table.put_item(
        Item={
            "PK": f"DRIFT#{today.isoformat()}",
            "SK": "REPORT",
            "windowDays": window_days,
            "report": json.loads(json.dumps(report), parse_float=Decimal),
        }
    )
    log.info("model drift for %s recorded", today.isoformat())
    return report
