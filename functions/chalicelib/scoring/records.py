"""How a scored input is found by day, and drift reports as items (pure).

The application's score record (APP#{id} / APP#STEP#score) carries GSI1PK `SCORED#{day}` and
GSI1SK `{applicationId}`, and its features as JSON text (they hold floats and mixed types).
Drift reports: PK `DRIFT#{day}`, SK `REPORT`.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

FEATURES = "features"


def scored_index(day: dt.date, application_id: str) -> dict[str, str]:
    return {"GSI1PK": f"SCORED#{day.isoformat()}", "GSI1SK": application_id}


def features_text(features: dict[str, Any]) -> str:
    return json.dumps(features, sort_keys=True, default=str)


def report_item(day: dt.date, window_days: int, report: dict[str, Any]) -> dict[str, Any]:
    return {
        "PK": f"DRIFT#{day.isoformat()}",
        "SK": "REPORT",
        "windowDays": window_days,
        # DynamoDB numbers are Decimal and have no NaN (a PSI with no data): that becomes null
        "report": json.loads(
            json.dumps(report), parse_float=Decimal, parse_constant=lambda _nan: None
        ),
    }
