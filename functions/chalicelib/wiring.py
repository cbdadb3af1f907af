"""The one place where adapters are built: lazily, once per container (Lambda execution env).

Nothing here runs at import time, so a cold start pays only for what the invoked
function uses (the API never loads the model; the scoring step never builds an S3 client).
"""

from __future__ import annotations

import threading
from functools import cached_property
from typing import Any

from .config import Settings


class Container:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    # --- AWS clients (boto3 lives only behind this line and in adapters) ----------------

    @cached_property
    def _session(self) -> Any:
        import boto3

        return boto3.session.Session()

    @cached_property
    def table(self) -> Any:
        return self._session.resource("dynamodb").Table(self.settings.table_name)

    @cached_property
    def s3(self) -> Any:
        from botocore.config import Config

        return self._session.client("s3", config=Config(signature_version="s3v4"))

    @cached_property
    def sfn(self) -> Any:
        return self._session.client("stepfunctions")

    @cached_property
    def pepper_source(self) -> Any:
        from .parameters import SsmSecureString

        return SsmSecureString(self.settings.pii_pepper_parameter, self._session.client("ssm"))

    def pepper(self) -> bytes:
        # Read when a step hashes an identifier (Screen Fraud), so no other function needs
        # the secret or the right to read it; Powertools caches it for the container.
        return self.pepper_source.value().encode()

    # --- repositories and ports -----------------------------------------------------------

    @cached_property
    def applications(self) -> Any:
        from .applications.repository import DynamoApplicationRepository

        return DynamoApplicationRepository(self.table)

    @cached_property
    def documents(self) -> Any:
        from .documents import DynamoDocumentRepository

        return DynamoDocumentRepository(self.table)

    @cached_property
    def blobs(self) -> Any:
        from .documents import S3BlobStore

        return S3BlobStore(self.s3, self.settings.documents_bucket)

    @cached_property
    def idempotency(self) -> Any:
        from .idempotency import DynamoIdempotencyStore

        return DynamoIdempotencyStore(self.table)

    @cached_property
    def workflows(self) -> Any:
        from .origination.ports import StepFunctionsWorkflows

        return StepFunctionsWorkflows(self.sfn)

    @cached_property
    def verifier(self) -> Any:
        from .auth import TokenVerifier

        return TokenVerifier(self.settings)

    @cached_property
    def scorer(self) -> Any:
        from .scoring import Scorer

        return Scorer.load(self.settings.model_dir)

    # --- services --------------------------------------------------------------------------

    @cached_property
    def origination(self) -> Any:
        from .origination.service import OriginationService

        return OriginationService(
            applications=self.applications,
            documents=self.documents,
            blobs=self.blobs,
            workflows=self.workflows,
            lines=lambda: self.credit_lines,
            origination_arn=self.settings.origination_state_machine_arn,
        )

    @cached_property
    def origination_steps(self) -> Any:
        from . import decision, pricing
        from .fraud import FraudInput, screen
        from .kyc.services import verify_identity
        from .origination.steps import OriginationSteps

        return OriginationSteps(
            applications=self.applications,
            documents=self.documents,
            verify=verify_identity,
            screen=lambda inp: screen(
                inp, counters=self.fraud_counters, blacklist=self.blacklist, pepper=self.pepper()
            ),
            fraud_input=FraudInput,
            bureau=self.bureau,
            scorer=lambda: self.scorer,
            decide=decision.decide,
            price=pricing.price,
            pepper=self.pepper,
            record_inputs=self.scored_inputs.record,
        )

    @cached_property
    def scored_inputs(self) -> Any:
        from .origination.monitoring import ScoredInputs

        return ScoredInputs(self.table)

    @cached_property
    def fraud_counters(self) -> Any:
        from .fraud import DynamoDBFraudCounters

        return DynamoDBFraudCounters(self.table)

    @cached_property
    def blacklist(self) -> Any:
        from .fraud import DynamoDBBlacklist

        return DynamoDBBlacklist(self.table)

    @cached_property
    def bureau(self) -> Any:
        # The only bureau adapter today is the sandbox; a real one plugs in here behind CreditBureau.
        from .bureau import SandboxBureau

        return SandboxBureau(
            latency_s=int(self.settings.bureau_sandbox_latency_ms) / 1000,
            failure_rate=float(self.settings.bureau_sandbox_failure_rate),
        )

    @cached_property
    def reviews(self) -> Any:
        from .origination.reviews import ReviewService

        return ReviewService(self.applications, self.workflows)

    @cached_property
    def ocr(self) -> Any:
        from .kyc.rapid import OcrTuning, RapidOcrEngine

        return RapidOcrEngine(OcrTuning())

    @cached_property
    def kyc(self) -> Any:
        from .kyc.services import extract_document
        from .origination.reading import DocumentReader

        return DocumentReader(self.documents, self.blobs, lambda: self.ocr, extract_document)

    # --- money: the line, loans, the bank, and the two money workflows ------------------------

    @cached_property
    def credit_lines(self) -> Any:
        from .lines.dynamo import DynamoCreditLines

        return DynamoCreditLines(self.table)

    @cached_property
    def loans(self) -> Any:
        from .loans.dynamo import DynamoLoans

        return DynamoLoans(self.table)

    @cached_property
    def money_requests(self) -> Any:
        from .borrowing.requests import DynamoMoneyRequests

        return DynamoMoneyRequests(self.table)

    @cached_property
    def rail(self) -> Any:
        # The only rail today is the sandbox bank. Its book lives in the table (RAIL# items),
        # so it behaves like an external bank across invocations and restarts.
        import secrets

        from .rail.sandbox import DynamoRailState, Faults, SandboxRail

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
        return SandboxRail(DynamoRailState(self.table), faults)

    @cached_property
    def money_ports(self) -> Any:
        from .money_services import MoneyPorts

        return MoneyPorts(self.credit_lines, self.loans, self.rail)

    @cached_property
    def money_steps(self) -> Any:
        from .borrowing.steps import MoneySteps
        from .clock import utc_now_iso

        return MoneySteps(self.money_ports, self.money_requests, utc_now_iso)

    @cached_property
    def borrowing(self) -> Any:
        from .borrowing.service import BorrowingService

        return BorrowingService(
            lines=self.credit_lines,
            loans=self.loans,
            requests=self.money_requests,
            workflows=self.workflows,
            disbursement_arn=self.settings.disbursement_state_machine_arn,
            repayment_arn=self.settings.repayment_state_machine_arn,
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
