"""The API tier: chalice's test client (authorizer included) over in-memory stores, and, where
a test needs what happens after a request, our real ASL on moto's engine in this process
(`engine`), its steps running against the same stores."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from chalice.test import Client

from chalicelib import wiring
from chalicelib.applications.memory import InMemoryApplicationRepository
from chalicelib.auth import issue_local_token
from chalicelib.borrowing.requests.memory import InMemoryMoneyRequests
from chalicelib.bureau.sandbox import SandboxBureau
from chalicelib.cobdays.memory import InMemoryCobDays
from chalicelib.documents.memory import InMemoryBlobStore, InMemoryDocumentRepository
from chalicelib.fraud.memory import InMemoryFraudStore
from chalicelib.idempotency.memory import InMemoryIdempotencyStore
from chalicelib.lines.memory import InMemoryCreditLines
from chalicelib.loans.memory import InMemoryLoans
from chalicelib.notifications.memory import InMemoryEventBus, InMemoryNotificationStore
from chalicelib.rail.memory import InMemoryRailBook
from chalicelib.rail.sandbox import Faults, SandboxRail
from chalicelib.reports.memory import InMemoryLoanBook, InMemoryReportFiles
from chalicelib.scoring.memory import InMemoryScoredInputs
from chalicelib.secrets.memory import StaticSecret
from chalicelib.workflows.memory import RecordingWorkflows
from localcloud.api_semantics import install_gateway_semantics
from localcloud.workflows_only import WorkflowsOnly
from tests.fakes import make_settings

ROOT = Path(__file__).resolve().parents[2]
DRAW_DAY = dt.date(2026, 3, 2)


class Clock:
    def __init__(self) -> None:
        self.today = DRAW_DAY

    def __call__(self) -> dt.date:
        return self.today


@pytest.fixture
def clock() -> Clock:
    return Clock()


def fakes(clock: Clock, faults: Faults | None = None) -> wiring.Container:
    """Every store and port in memory; workflows recorded, not run (see `engine`)."""
    c = wiring.Container(make_settings(model_dir=str(ROOT / "models" / "german")))
    c.applications = InMemoryApplicationRepository()
    c.documents = InMemoryDocumentRepository()
    c.blobs = InMemoryBlobStore()
    c.workflows = RecordingWorkflows()
    c.idempotency = InMemoryIdempotencyStore()
    c.fraud_store = InMemoryFraudStore()
    c.bureau = SandboxBureau(latency_s=0)
    c.scored_inputs = InMemoryScoredInputs()
    c.credit_lines = InMemoryCreditLines()
    c.loans = InMemoryLoans()
    c.money_requests = InMemoryMoneyRequests()
    c.rail = SandboxRail(InMemoryRailBook(), faults or Faults())
    c.pepper_source = StaticSecret("test-pepper", "/weili/pii-pepper")
    c.notification_store = InMemoryNotificationStore()
    c.event_publisher = InMemoryEventBus()
    c.cob_days = InMemoryCobDays()
    c.loan_book = InMemoryLoanBook(c.loans)
    c.report_files = InMemoryReportFiles()
    c.borrowing.today = clock
    return c


@pytest.fixture
def container(clock: Clock) -> Iterator[wiring.Container]:
    c = fakes(clock)
    wiring.use(c)
    yield c
    wiring.use(None)


def run_on_the_engine(c: wiring.Container, engine: WorkflowsOnly) -> None:
    """Point the container's workflows at the engine (before any service is built)."""
    c.workflows = engine.workflows
    c.settings = engine.settings_for(c.settings)
    c.work_files = engine.work_files
    for built in ("origination", "borrowing", "reviews", "auto_debits", "close_loans"):
        c.__dict__.pop(built, None)


@pytest.fixture
def container_on_the_engine(clock: Clock) -> Iterator[wiring.Container]:
    """The fakes with the workflows run on the engine from the start (`c.engine`): for a
    module whose every test runs its workflows, override `container` with this."""
    c = fakes(clock)
    wiring.use(c)
    with WorkflowsOnly.start() as e:
        run_on_the_engine(c, e)
        c.borrowing.today = clock
        c.engine = e  # type: ignore[attr-defined]
        yield c
    wiring.use(None)


@pytest.fixture
def engine(container: wiring.Container, clock: Clock) -> Iterator[WorkflowsOnly]:
    with WorkflowsOnly.start() as e:
        run_on_the_engine(container, e)
        container.borrowing.today = clock
        yield e


@pytest.fixture
def client(container: wiring.Container) -> Iterator[Client]:
    install_gateway_semantics()
    from app import app

    with Client(app) as client:
        yield client


def auth(c: wiring.Container, user: str = "user-1", **extra: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {issue_local_token(c.settings, user)}",
        "Content-Type": "application/json",
        **extra,
    }
