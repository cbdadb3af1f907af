"""An application and the origination workflow's steps over in-memory ports, for tests that
drive the steps one by one as the ASL would."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from chalicelib.applications.memory import InMemoryApplicationRepository
from chalicelib.applications.port import (
    ApplicantPii,
    Application,
    Consent,
    Device,
    Location,
    Profile,
    Status,
)
from chalicelib.bureau.sandbox import SandboxBureau
from chalicelib.documents.memory import InMemoryDocumentRepository
from chalicelib.fraud.memory import InMemoryFraudStore
from chalicelib.origination.steps import OriginationSteps
from chalicelib.scoring.scorer import Scorer

NAME, PHONE = "张三", "13800138000"
TODAY = dt.date(2026, 11, 30)
STEADY = Profile(
    employment="employed",
    employment_years=5,
    monthly_income_fen=1_200_000,
    housing="rent",
    dependants=1,
    city="北京",
    residence_years=3,
    property="none",
)
APP_ID = "app_" + "1" * 26


def steps_over_memory(
    apps: InMemoryApplicationRepository, scorer: Scorer, today: Callable[[], dt.date]
) -> OriginationSteps:
    return OriginationSteps(
        applications=apps,
        documents=InMemoryDocumentRepository(),
        fraud_store=InMemoryFraudStore(),
        bureau=SandboxBureau(latency_s=0),
        scorer=lambda: scorer,
        pepper=lambda: b"pepper",
        today=today,
    )


def an_application(
    *,
    amount_fen: int = 800_000,
    term: int = 12,
    purpose: str = "consumption",
    profile: Profile = STEADY,
) -> Application:
    return Application(
        application_id=APP_ID,
        user_id="u-1",
        document_id="doc-1",
        status=Status.PENDING,
        amount_fen=amount_fen,
        term_months=term,
        purpose=purpose,
        profile=profile,
        device=Device("dev", "10.0.0.1"),
        location=Location(Decimal("39.9"), Decimal("116.4")),
        consent=Consent("2026-01", "t"),
        created_at="t",
        updated_at="t",
    )


def pii(id_number: str) -> ApplicantPii:
    return ApplicantPii(APP_ID, NAME, id_number, PHONE)
