"""The one place where adapters are built: lazily, once per container (Lambda execution env).

Nothing here runs at import time, so a cold start pays only for what the invoked function uses
(the API never loads the model; the scoring step never builds an S3 client). Every attribute is
typed by its port, so a test swaps in a fake by assigning it before first use.
"""

from __future__ import annotations

import threading
from functools import cached_property
from typing import TYPE_CHECKING

from .config import Settings

if TYPE_CHECKING:
    from .applications.port import ApplicationRepository
    from .auth import TokenVerifier
    from .aws import Clients
    from .borrowing.disbursement import DisbursementSteps
    from .borrowing.repayment import RepaymentSteps
    from .borrowing.requests.port import MoneyRequests
    from .borrowing.service import BorrowingService
    from .borrowing.stuck import StuckResolver
    from .bureau.port import CreditBureau
    from .clock import BusinessClock
    from .closing.auto_debit import AutoDebits
    from .closing.close_lines import CloseLines
    from .closing.close_loans import CloseLoans
    from .closing.day_summary import WriteDaySummary
    from .closing.deadline import CheckCloseOfBusiness
    from .closing.failure import RecordFailure
    from .closing.port import WorkFiles
    from .closing.reports import StartReports
    from .closing.starter import StartCloseOfBusiness
    from .closing.work_list import WriteWorkList
    from .cobdays.port import CobDays
    from .documents.port import BlobStore, DocumentRepository
    from .fraud.port import FraudStore
    from .idempotency.port import IdempotencyStore
    from .kyc.port import OcrEngine
    from .lines.port import CreditLines
    from .lines.servicing import LineServicing
    from .loans.port import Loans
    from .notifications.port import EventPublisher, NotificationStore
    from .notifications.service import NotificationService
    from .origination.reading import DocumentReader
    from .origination.reviews import ReviewService
    from .origination.service import OriginationService
    from .origination.steps import OriginationSteps
    from .rail.port import Rail
    from .reports.port import BureauReporter, LoanBook, ReportFiles
    from .reports.service import Reports
    from .scoring.port import ScoredInputs
    from .scoring.scorer import Scorer
    from .secrets.port import Secret
    from .workflows.port import Workflows


class Container:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def clients(self) -> Clients:
        from .aws import Clients

        return Clients(self.settings.table_name)

    @cached_property
    def clock(self) -> BusinessClock:
        # One business date for every function in the container: the wall clock on AWS, the
        # table's settable date in the local cloud (read on every call, so `lending clock set`
        # takes effect at once). Audit timestamps are always the wall clock (clock.utc_now_iso).
        if self.settings.business_clock == "table":
            from .businessclock.dynamo import DynamoBusinessClock

            return DynamoBusinessClock(self.clients.table)
        if self.settings.business_clock == "wall":
            from .clock import WallClock

            return WallClock()
        raise ValueError(
            f"BUSINESS_CLOCK must be 'wall' or 'table', not {self.settings.business_clock!r}"
        )

    # --- stores and ports -------------------------------------------------------------------

    @cached_property
    def applications(self) -> ApplicationRepository:
        from .applications.dynamo import DynamoApplicationRepository

        return DynamoApplicationRepository(self.clients.table)

    @cached_property
    def documents(self) -> DocumentRepository:
        from .documents.dynamo import DynamoDocumentRepository

        return DynamoDocumentRepository(self.clients.table)

    @cached_property
    def blobs(self) -> BlobStore:
        from .documents.s3 import S3BlobStore

        return S3BlobStore(self.clients.s3, self.settings.documents_bucket)

    @cached_property
    def idempotency(self) -> IdempotencyStore:
        from .idempotency.dynamo import DynamoIdempotencyStore

        return DynamoIdempotencyStore(self.clients.table)

    @cached_property
    def workflows(self) -> Workflows:
        from .workflows.stepfunctions import StepFunctionsWorkflows

        return StepFunctionsWorkflows(self.clients.sfn)

    @cached_property
    def pepper_source(self) -> Secret:
        from .secrets.ssm import SsmSecureString

        return SsmSecureString(self.settings.pii_pepper_parameter, self.clients.ssm)

    def pepper(self) -> bytes:
        # Read when a step hashes an identifier (Screen Fraud), so no other function reads the
        # secret or needs the right to; the adapter caches it for the container's life.
        return self.pepper_source.value().encode()

    @cached_property
    def verifier(self) -> TokenVerifier:
        from .auth import TokenVerifier

        return TokenVerifier(self.settings)

    @cached_property
    def scorer(self) -> Scorer:
        from .scoring.scorer import Scorer

        return Scorer.load(self.settings.model_dir)

    @cached_property
    def scored_inputs(self) -> ScoredInputs:
        from .scoring.dynamo import DynamoScoredInputs

        return DynamoScoredInputs(self.clients.table)

    @cached_property
    def fraud_store(self) -> FraudStore:
        from .fraud.dynamo import DynamoFraudStore

        return DynamoFraudStore(self.clients.table)

    @cached_property
    def bureau(self) -> CreditBureau:
        # The only bureau adapter today is the sandbox; a real one plugs in here behind
        # CreditBureau.
        from .bureau.sandbox import SandboxBureau

        return SandboxBureau(
            latency_s=int(self.settings.bureau_sandbox_latency_ms) / 1000,
            failure_rate=float(self.settings.bureau_sandbox_failure_rate),
        )

    @cached_property
    def ocr(self) -> OcrEngine:
        from .kyc.rapid import OcrTuning, RapidOcrEngine

        return RapidOcrEngine(OcrTuning())

    @cached_property
    def credit_lines(self) -> CreditLines:
        from .lines.dynamo import DynamoCreditLines

        return DynamoCreditLines(self.clients.table)

    @cached_property
    def loans(self) -> Loans:
        from .loans.dynamo import DynamoLoans

        return DynamoLoans(self.clients.table)

    @cached_property
    def money_requests(self) -> MoneyRequests:
        from .borrowing.requests.dynamo import DynamoMoneyRequests

        return DynamoMoneyRequests(self.clients.table)

    @cached_property
    def rail(self) -> Rail:
        # The only rail today is the sandbox bank. Its book lives in the table (RAIL# transfers,
        # BANK# accounts), so it behaves like an external bank across invocations and restarts.
        import secrets

        from .rail.dynamo import DynamoRailBook
        from .rail.sandbox import Faults, SandboxRail

        s = self.settings
        latency = int(s.rail_sandbox_latency_ms) / 1000
        timeout = float(s.rail_sandbox_timeout_rate)
        faults = Faults(
            decline=float(s.rail_sandbox_decline_rate),
            error_5xx=float(s.rail_sandbox_error_rate),
            timeout_before=timeout / 2,
            timeout_after=timeout / 2,
            latency_s=(latency / 2, latency),
            seed=int(s.rail_sandbox_seed) if s.rail_sandbox_seed else secrets.randbits(32),
        )
        opening = s.opening_balance_fen()
        if opening is None:
            raise ValueError("RAIL_SANDBOX_OPENING_BALANCE is not an amount in yuan >= 0")
        return SandboxRail(DynamoRailBook(self.clients.table), faults, opening_fen=opening)

    @cached_property
    def notification_store(self) -> NotificationStore:
        from .notifications.dynamo import DynamoNotificationStore

        return DynamoNotificationStore(self.clients.table)

    @cached_property
    def loan_book(self) -> LoanBook:
        from .reports.dynamo import DynamoLoanBook

        return DynamoLoanBook(self.clients.table)

    @cached_property
    def report_files(self) -> ReportFiles:
        from .reports.s3 import S3ReportFiles

        return S3ReportFiles(self.clients.s3, self.settings.documents_bucket)

    @cached_property
    def bureau_reporter(self) -> BureauReporter:
        # The sandbox writes the month's file where a submission would pick it up; a real
        # bureau's adapter plugs in here behind BureauReporter.
        from .reports.sandbox import SandboxBureauReporter

        return SandboxBureauReporter(self.report_files)

    @cached_property
    def event_publisher(self) -> EventPublisher:
        from .notifications.eventbridge import EventBridgePublisher

        return EventBridgePublisher(self.clients.events, self.settings.event_bus_name)

    @cached_property
    def cob_days(self) -> CobDays:
        from .cobdays.dynamo import DynamoCobDays

        return DynamoCobDays(self.clients.table)

    @cached_property
    def work_files(self) -> WorkFiles:
        from .closing.s3 import S3WorkFiles

        return S3WorkFiles(self.clients.s3, self.settings.documents_bucket)

    # --- services and workflow steps -----------------------------------------------------------

    @cached_property
    def origination(self) -> OriginationService:
        from .origination.service import OriginationService

        return OriginationService(
            applications=self.applications,
            documents=self.documents,
            blobs=self.blobs,
            workflows=self.workflows,
            lines=lambda: self.credit_lines,
            origination_arn=self.settings.origination_state_machine_arn,
            today=lambda: self.clock.today(),
        )

    @cached_property
    def origination_steps(self) -> OriginationSteps:
        from .origination.steps import OriginationSteps

        return OriginationSteps(
            applications=self.applications,
            documents=self.documents,
            fraud_store=self.fraud_store,
            bureau=self.bureau,
            scorer=lambda: self.scorer,
            pepper=self.pepper,
            today=self.clock.today,
        )

    @cached_property
    def reviews(self) -> ReviewService:
        from .origination.reviews import ReviewService

        return ReviewService(self.applications, self.workflows)

    @cached_property
    def kyc(self) -> DocumentReader:
        from .origination.reading import DocumentReader

        return DocumentReader(self.documents, self.blobs, lambda: self.ocr)

    @cached_property
    def borrowing(self) -> BorrowingService:
        from .borrowing.service import BorrowingService

        return BorrowingService(
            lines=self.credit_lines,
            loans=self.loans,
            requests=self.money_requests,
            workflows=self.workflows,
            disbursement_arn=self.settings.disbursement_state_machine_arn,
            repayment_arn=self.settings.repayment_state_machine_arn,
            today=self.clock.today,
        )

    @cached_property
    def disbursement(self) -> DisbursementSteps:
        from .borrowing.disbursement import DisbursementSteps
        from .clock import utc_now_iso

        return DisbursementSteps(
            self.money_requests, self.credit_lines, self.loans, self.rail, utc_now_iso
        )

    @cached_property
    def notifications(self) -> NotificationService:
        from .clock import utc_now_iso
        from .notifications.service import NotificationService

        return NotificationService(self.notification_store, self.event_publisher, utc_now_iso)

    @cached_property
    def repayment(self) -> RepaymentSteps:
        from .borrowing.repayment import RepaymentSteps
        from .clock import utc_now_iso

        return RepaymentSteps(
            self.money_requests,
            self.credit_lines,
            self.loans,
            self.rail,
            utc_now_iso,
            self.notifications.notify,
        )

    # --- the close of business (statemachines/close-of-business.asl.json) ---------------------

    @cached_property
    def start_close_of_business(self) -> StartCloseOfBusiness:
        from .closing.starter import StartCloseOfBusiness

        return StartCloseOfBusiness(
            self.workflows, self.settings.close_of_business_state_machine_arn, self.clock.today
        )

    @cached_property
    def write_work_list(self) -> WriteWorkList:
        from .closing.work_list import WriteWorkList

        return WriteWorkList(
            self.loans,
            self.credit_lines,
            self.work_files,
            self.cob_days,
            self.settings.close_of_business_prefix,
        )

    @cached_property
    def auto_debits(self) -> AutoDebits:
        from .clock import utc_now_iso
        from .closing.auto_debit import AutoDebits

        return AutoDebits(
            self.money_requests,
            self.loans,
            self.workflows,
            self.settings.repayment_state_machine_arn,
            utc_now_iso,
        )

    @cached_property
    def close_loans(self) -> CloseLoans:
        from .clock import utc_now_iso
        from .closing.close_loans import CloseLoans

        return CloseLoans(
            self.loans,
            self.auto_debits,
            self.notifications.notify,
            utc_now_iso,
            follow_lines=self.close_lines.follow,
        )

    @cached_property
    def close_lines(self) -> CloseLines:
        from .clock import utc_now_iso
        from .closing.close_lines import CloseLines

        return CloseLines(self.line_servicing, utc_now_iso)

    @cached_property
    def write_day_summary(self) -> WriteDaySummary:
        from .clock import utc_now_iso
        from .closing.day_summary import WriteDaySummary

        return WriteDaySummary(self.work_files, self.cob_days, utc_now_iso)

    @cached_property
    def start_reports(self) -> StartReports:
        from .closing.reports import StartReports

        return StartReports(self.reports)

    @cached_property
    def check_close_of_business(self) -> CheckCloseOfBusiness:
        from .closing.deadline import CheckCloseOfBusiness

        return CheckCloseOfBusiness(self.cob_days, self.clock.today)

    @cached_property
    def record_cob_failure(self) -> RecordFailure:
        from .clock import utc_now_iso
        from .closing.failure import RecordFailure

        return RecordFailure(self.cob_days, utc_now_iso)

    @cached_property
    def line_servicing(self) -> LineServicing:
        # The close of business calls close_line per line: freeze/thaw, the monthly review.
        from .lines.servicing import LineServicing

        return LineServicing(self.credit_lines, self.loans, self.notifications.notify)

    @cached_property
    def reports(self) -> Reports:
        # The close of business's last step: after_close(day) writes the month's bureau file.
        from .reports.service import Reports

        return Reports(self.loan_book, self.bureau_reporter)

    @cached_property
    def stuck(self) -> StuckResolver:
        from .borrowing.stuck import StuckResolver
        from .clock import utc_now_iso

        return StuckResolver(
            self.money_requests, self.rail, self.disbursement, self.repayment, utc_now_iso
        )


_lock = threading.Lock()
_container: Container | None = None


def container() -> Container:
    global _container
    if _container is None:
        with _lock:
            if _container is None:
                _container = Container(Settings.from_env())
    return _container


def use(replacement: Container | None) -> None:
    """Swap the container (tests, the local cloud); None resets to read the environment again."""
    global _container
    with _lock:
        _container = replacement
