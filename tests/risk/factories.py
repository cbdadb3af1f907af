"""Builders for risk tests: a sensible default, override what the case is about."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from chalicelib.bureau import categories as c
from chalicelib.bureau.report import BureauReport
from chalicelib.fraud.model import FraudInput, FraudResult
from chalicelib.reasons import Reason

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
BEIJING = (39.9042, 116.4074)
SHANGHAI = (31.2304, 121.4737)


def bureau(**overrides: Any) -> BureauReport:
    base = BureauReport(
        consent_id="consent-1",
        checking_account_status=c.CHECKING_VALUES[3],
        credit_history=c.HISTORY_VALUES[2],
        savings=c.SAVINGS_VALUES[0],
        other_debtors_or_guarantors="none",
        property=c.PROPERTY_VALUES[0],
        other_installment_plans="none",
        existing_credits_at_this_bank=1,
        thin_file=False,
        open_loans=1,
        outstanding_debt_fen=0,
        recent_hard_inquiries=0,
        max_dpd_24m=0,
        blacklisted=False,
        court_judgment=False,
    )
    return replace(base, **overrides)


def application(n: int = 1, **overrides: Any) -> FraudInput:
    base = FraudInput(
        application_id=f"app-{n}",
        user_id=f"user-{n}",
        id_hash=f"idhash-{n}",
        device_fingerprint=f"device-{n}",
        ip=f"10.0.0.{n}",
        lat=BEIJING[0],
        lon=BEIJING[1],
        declared_city="北京",
        now=NOW,
    )
    return replace(base, **overrides)


CLEAN_FRAUD = FraudResult(decline=False, review=False, reasons=())


@dataclass(frozen=True)
class Score:
    pd: float
    grade: str = "C"
    score: int = 600
    reasons: tuple[Reason, ...] = field(default=())
