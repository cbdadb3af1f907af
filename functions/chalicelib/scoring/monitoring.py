"""The model in production: drift of what it scored from its training baseline, daily.

A schedule (`model_drift` in app.py) compares the last `window_days` of scored inputs with the
baseline stored in the model artifact and records the report.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from .drift import drift_report
from .port import ScoredInputs
from .scorer import Scorer

log = logging.getLogger(__name__)


def record_drift(
    scorer: Scorer, inputs: ScoredInputs, today: dt.date, window_days: int = 30
) -> dict[str, Any]:
    """PSI of the last `window_days` of production inputs against the training baseline, kept."""
    report = drift_report(scorer, inputs.since(today - dt.timedelta(days=window_days - 1), today))
    inputs.save_report(today, window_days, report)
    log.info("model drift for %s recorded", today.isoformat())
    return report
