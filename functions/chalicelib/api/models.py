"""The mobile API's request and response shapes (v1). The OpenAPI document is generated from these.

Money on the wire is a decimal string in yuan ("1234.56"); rates are decimal strings in
percent ("18.25" APR, "0.0507" daily). Unknown fields are refused, so a typo never passes
silently.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    IPvAnyAddress,
    StringConstraints,
    field_validator,
)

from ..amounts import yuan_to_fen
from ..applications.port import Device as DeviceRecord
from ..applications.port import Location as LocationRecord
from ..applications.port import Profile
from ..borrowing.handoffs import REPAYMENT_ID
from ..borrowing.service import Borrow
from ..documents.port import MAX_UPLOAD_BYTES
from ..origination.service import Apply

Yuan = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{1,9}(\.[0-9]{1,2})?$"),
    Field(
        description="Amount in yuan as a decimal string with at most 2 places", examples=["5000.00"]
    ),
]

MIN_LINE_FEN = 50_00
MAX_LINE_FEN = 200_000_00

# The validators below give the friendly message; these patterns say the same in the OpenAPI
# document, so a client (or a schema-driven test tool) knows the range before it asks.
LINE_RANGE_PATTERN = r"^(([5-9][0-9]|[1-9][0-9]{2,4}|1[0-9]{5})(\.[0-9]{1,2})?|200000(\.0{1,2})?)$"
"""50.00 to 200000.00 yuan, at most 2 places."""
POSITIVE_PATTERN = r"^(0\.(0[1-9]|[1-9][0-9]?)|[1-9][0-9]{0,8}(\.[0-9]{1,2})?)$"
"""0.01 yuan or more, at most 2 places."""
INCOME_PATTERN = r"^([0-9]{1,7}(\.[0-9]{1,2})?|10000000(\.0{1,2})?)$"
"""0 to 10000000.00 yuan, at most 2 places."""


def _integral(value: object) -> object:
    # JSON Schema's "integer" is any number without a fraction: 3.0 and 3e0 are 3, so a client
    # that writes its numbers as floats sends a valid integer. bool and "3" stay refused.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


WholeNumber = Annotated[int, BeforeValidator(_integral)]
"""An integer as JSON Schema means it: 3, 3.0 or 3e0; not 3.5, true or "3"."""


def _ip_schema(schema: dict) -> None:  # type: ignore[type-arg]
    # pydantic writes "format": "ipvanyaddress", which no client knows; say it in standard terms.
    schema.pop("format", None)
    schema["anyOf"] = [{"format": "ipv4"}, {"format": "ipv6"}]


class Strict(BaseModel):
    # Exactly what the document says: no coercion (true, "12" or 12.0 are not a term of 12
    # months), no trimming (" 5000" is not an amount), no NaN or infinity. Patterns spell
    # digits [0-9]: both regex engines' \d also matches fullwidth and Arabic-Indic digits.
    model_config = ConfigDict(
        extra="forbid", strict=True, allow_inf_nan=False, populate_by_name=True
    )


class DocumentRequest(Strict):
    kind: Literal["id_card_front"] = "id_card_front"
    contentType: Literal["image/jpeg", "image/png"]


class DocumentResponse(Strict):
    documentId: str
    uploadUrl: str = Field(description="POST the photo here as multipart/form-data")
    uploadMethod: Literal["POST"] = "POST"
    uploadFields: dict[str, str] = Field(
        description="Form fields to send as they are, before the file (a field named `file`, "
        "last); they carry the signed policy that fixes the key, the type and the size"
    )
    maxBytes: int = Field(
        json_schema_extra={"const": MAX_UPLOAD_BYTES},
        description=f"The largest photo taken, in bytes ({MAX_UPLOAD_BYTES // 2**20} MiB); "
        "storage refuses a larger upload (400 EntityTooLarge)",
    )
    expiresInSeconds: int


class DocumentStatus(Strict):
    documentId: str
    status: Literal["AWAITING_UPLOAD", "READ", "UNREADABLE", "REFUSED"] = Field(
        description="REFUSED: not read at all (too large, or not a JPEG/PNG of the type asked "
        "for); upload again under a new document"
    )
    createdAt: str
    refusal: ReasonOut | None = Field(default=None, description="Why it was REFUSED")


class Declared(Strict):
    name: Annotated[str, StringConstraints(min_length=2, max_length=30)]
    idNumber: Annotated[str, StringConstraints(pattern=r"^[0-9]{17}[0-9Xx]$")] = Field(
        description="18-character resident ID number as printed on the card"
    )
    phone: Annotated[str, StringConstraints(pattern=r"^1[0-9]{10}$")]
    employment: Literal[
        "employed", "self_employed", "civil_servant", "student", "unemployed", "retired"
    ]
    employmentYears: WholeNumber = Field(ge=0, le=50)
    monthlyIncome: Yuan = Field(json_schema_extra={"pattern": INCOME_PATTERN})
    housing: Literal["own", "rent", "family"]
    dependants: WholeNumber = Field(ge=0, le=10)
    city: Annotated[str, StringConstraints(min_length=2, max_length=20)]
    residenceYears: WholeNumber = Field(ge=0, le=80)
    property: Literal["real_estate", "insurance", "car", "none"] = "none"

    @field_validator("monthlyIncome")
    @classmethod
    def _income_in_range(cls, v: str) -> str:
        if yuan_to_fen(v) > 10_000_000_00:
            raise ValueError("monthly income above ¥10,000,000 is not plausible")
        return v


class Device(Strict):
    fingerprint: Annotated[
        str, StringConstraints(min_length=8, max_length=128, pattern=r"^[A-Za-z0-9_\-:.]+$")
    ]
    ip: IPvAnyAddress = Field(json_schema_extra=_ip_schema)


class Location(Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Consent(Strict):
    creditReport: Literal[True] = Field(description="Consent to pull the credit report; required")
    textVersion: Annotated[str, StringConstraints(min_length=1, max_length=32)]


Purpose = Literal[
    "consumption",
    "education",
    "travel",
    "home_improvement",
    "appliances",
    "car",
    "medical",
    "business",
    "other",
]


class ApplicationRequest(Strict):
    documentId: Annotated[str, StringConstraints(pattern=r"^doc_[0-9a-z]{26}$")]
    amount: Yuan = Field(json_schema_extra={"pattern": LINE_RANGE_PATTERN})
    termMonths: WholeNumber = Field(ge=1, le=36)
    purpose: Purpose
    declared: Declared
    device: Device
    location: Location
    consent: Consent

    @field_validator("amount")
    @classmethod
    def _amount_in_range(cls, v: str) -> str:
        fen = yuan_to_fen(v)
        if not MIN_LINE_FEN <= fen <= MAX_LINE_FEN:
            raise ValueError("amount must be between 50.00 and 200000.00 yuan")
        return v

    def command(self) -> Apply:
        d = self.declared
        return Apply(
            document_id=self.documentId,
            amount_fen=yuan_to_fen(self.amount),
            term_months=self.termMonths,
            purpose=self.purpose,
            profile=Profile(
                employment=d.employment,
                employment_years=d.employmentYears,
                monthly_income_fen=yuan_to_fen(d.monthlyIncome),
                housing=d.housing,
                dependants=d.dependants,
                city=d.city,
                residence_years=d.residenceYears,
                property=d.property,
            ),
            device=DeviceRecord(self.device.fingerprint, str(self.device.ip)),
            # repr: the degrees as the phone sent them, exactly, as a Decimal
            location=LocationRecord(
                Decimal(repr(self.location.lat)), Decimal(repr(self.location.lon))
            ),
            consent_version=self.consent.textVersion,
            name=d.name,
            id_number=d.idNumber,
            phone=d.phone,
        )


class ReasonOut(Strict):
    code: str
    text: str


class OfferOut(Strict):
    grade: str
    creditLimit: Yuan
    apr: str = Field(description="Annual percentage rate in percent, e.g. '18.25'")
    dailyRate: str = Field(description="Daily rate in percent (APR/360), e.g. '0.0507'")
    expiresAt: str


class ApplicationAccepted(Strict):
    applicationId: str
    status: str


class ApplicationOut(Strict):
    applicationId: str
    status: Literal["PENDING", "IN_REVIEW", "APPROVED", "DECLINED", "FAILED"]
    requestedAmount: Yuan
    termMonths: int
    createdAt: str
    updatedAt: str
    reasons: list[ReasonOut]
    offer: OfferOut | None = None
    accepted: bool = False


class ApplicationList(Strict):
    applications: list[ApplicationOut]


class ReviewProfile(Strict):
    """What the applicant declared, without identifiers: enough to judge affordability."""

    employment: str
    employmentYears: int
    monthlyIncome: Yuan
    housing: str
    dependants: int
    residenceYears: int
    property: str
    city: str


class ReviewScore(Strict):
    score: int
    grade: str
    pd: str = Field(description="The model's probability of default, e.g. '0.1323'")
    reasons: list[ReasonOut]


class ReviewStep(Strict):
    reasons: list[ReasonOut]


class PendingReview(Strict):
    applicationId: str
    openedAt: str
    requestedAmount: Yuan
    termMonths: int
    purpose: str
    declared: ReviewProfile
    score: ReviewScore
    fraud: ReviewStep = Field(description="Fraud signals raised (reasons), if any")
    decision: ReviewStep = Field(description="Why the policy sent it to review")


class ReviewList(Strict):
    reviews: list[PendingReview]


class ReviewDecision(Strict):
    decision: Literal["approve", "decline"]
    note: Annotated[str, StringConstraints(max_length=500)] = ""


class Problem(Strict):
    type: str
    title: str
    status: int
    detail: str
    field: str | None = None
    code: str | None = Field(
        default=None, description="A stable reason a client can act on, e.g. LINE_FROZEN"
    )


# --- money: the credit line, draws (loans) and repayments -----------------------------------

MIN_DRAW_FEN = 50_00


LineStatus = Literal["ACTIVE", "FROZEN", "CLOSED"]


class CreditLineOut(Strict):
    creditLimit: Yuan
    available: Yuan
    drawn: Yuan
    apr: str = Field(
        description="APR for new draws in percent, e.g. '18.25' (loans already drawn keep "
        "the rate they were signed at)"
    )
    dailyRate: str = Field(description="Daily rate in percent (APR/360), e.g. '0.0507'")
    grade: str
    status: LineStatus = Field(
        description="FROZEN while a loan is overdue (draws are refused: 409 LINE_FROZEN); "
        "ACTIVE again once what is due is repaid: when the repayment is booked (at the "
        "latest, at that night's close of business)"
    )
    statusReason: str | None = Field(
        default=None, description="Why the line is FROZEN or CLOSED; null when ACTIVE"
    )
    nextReviewDate: str | None = Field(
        default=None, description="The next monthly review of the limit and APR (YYYY-MM-DD)"
    )
    lastReviewedOn: str | None = Field(default=None, description="null until the first review")
    applicationId: str


class LineChangeOut(Strict):
    """One change of the line: its opening, a change of status, a review (the reasons say what
    it decided, also when it kept the limit and APR)."""

    changeId: str
    kind: Literal["OPENED", "STATUS", "REVIEW"]
    at: str = Field(description="When it was recorded (UTC)")
    date: str | None = Field(
        default=None,
        description="The business day of an opening, a review, or a freeze or thaw "
        "(the day it takes effect)",
    )
    statusBefore: LineStatus
    status: LineStatus
    creditLimitBefore: Yuan
    creditLimit: Yuan
    aprBefore: str = Field(description="APR for new draws before, in percent")
    apr: str = Field(description="APR for new draws after, in percent")
    dailyRate: str = Field(description="Daily rate for new draws after, in percent")
    gradeBefore: str
    grade: str
    reasons: list[ReasonOut]
    nextReviewDate: str | None = None


class CreditLineDetail(CreditLineOut):
    history: list[LineChangeOut] = Field(description="Changes with their reasons, newest first")
    nextCursor: str | None = Field(
        description="Pass as ?cursor= for the next (older) page of the history; null on the last"
    )


class LoanRequest(Strict):
    amount: Yuan = Field(json_schema_extra={"pattern": LINE_RANGE_PATTERN})
    termMonths: WholeNumber = Field(ge=1, le=36)
    method: Literal["equal-installment", "equal-principal"] = Field(
        description="equal-installment (等额本息, level payments) or equal-principal (等额本金)"
    )

    @field_validator("amount")
    @classmethod
    def _draw_in_range(cls, v: str) -> str:
        if not MIN_DRAW_FEN <= yuan_to_fen(v) <= MAX_LINE_FEN:
            raise ValueError("amount must be between 50.00 and 200000.00 yuan")
        return v

    def command(self) -> Borrow:
        return Borrow(yuan_to_fen(self.amount), self.termMonths, self.method)


class LoanAccepted(Strict):
    loanId: str
    status: str


class Installment(Strict):
    n: int
    dueDate: str
    principal: Yuan
    interest: Yuan
    total: Yuan
    balance: Yuan


class PlannedInstallment(Strict):
    n: int
    dueDate: str
    status: Literal["PAID", "DUE", "OVERDUE", "UPCOMING", "PREPAID"] = Field(
        description="PAID, DUE (today) or OVERDUE: due rows, showing what was billed on the due "
        "date; UPCOMING: what is paid on that date from now on (interest projected to it); "
        "PREPAID: prepayments left nothing on it"
    )
    principal: Yuan
    interest: Yuan
    total: Yuan
    paidPrincipal: Yuan = Field(description="Paid against this installment so far")
    paidInterest: Yuan = Field(description="Paid against this installment so far")
    balance: Yuan = Field(
        description="Principal still owed once this and every earlier installment are paid"
    )


class Contract(Strict):
    principal: Yuan
    apr: str = Field(description="APR in percent")
    dailyRate: str = Field(description="Daily rate in percent (APR/360)")
    dayCount: str
    startDate: str
    firstDueDate: str
    lastDueDate: str
    totalInterest: Yuan
    totalRepayable: Yuan
    penaltyApr: str = Field(
        description="Penalty interest on overdue principal, a year, in percent, on top of "
        "interest: 1.5 x APR, capped so that APR + penalty never exceed 24"
    )
    penaltyDailyRate: str = Field(description="The same per day, in percent (penaltyApr/360)")


class Paid(Strict):
    principal: Yuan
    interest: Yuan
    penalty: Yuan


class Outstanding(Strict):
    asOf: str
    principal: Yuan
    interest: Yuan = Field(description="Accrued to asOf (today), unpaid")
    penalty: Yuan
    payoff: Yuan = Field(description="What closes the loan today")
    daysPastDue: int


class NextDue(Strict):
    date: str
    principal: Yuan
    interest: Yuan = Field(description="Projected to that date, as the schedule's row shows it")
    total: Yuan = Field(
        description="principal + interest: what is paid on that date "
        "(anything overdue comes on top)"
    )


class Allocation(Strict):
    principal: Yuan
    interest: Yuan
    penalty: Yuan


class RepaymentOut(Strict):
    repaymentId: str
    loanId: str
    status: Literal["PENDING", "SUCCEEDED", "FAILED"]
    amount: Yuan
    date: str = Field(
        description="Interest is paid up to and including this day (China Standard Time)"
    )
    createdAt: str
    allocation: Allocation | None = None
    failure: ReasonOut | None = None


class LoanOut(Strict):
    loanId: str
    status: Literal["PENDING", "ACTIVE", "OVERDUE", "CLOSED", "WRITTEN_OFF", "FAILED"] = Field(
        description="OVERDUE from the day after a due date left unpaid, until what is due is "
        "repaid; WRITTEN_OFF after 180 days past due (still owed, repayments still taken)"
    )
    daysPastDue: int | None = Field(
        default=None, description="As of today; null until the money has landed"
    )
    bucket: Literal["CURRENT", "M1", "M2", "M3", "M4+"] | None = Field(
        default=None, description="CURRENT, M1 (1-30 days past due), M2 (31-60), M3 (61-90), M4+"
    )
    amount: Yuan
    termMonths: int
    method: str
    createdAt: str
    failure: ReasonOut | None = None
    contract: Contract | None = None
    schedule: list[PlannedInstallment] = Field(
        description="The plan as it stands today: re-amortised after prepayments (same term, "
        "smaller installments), paid rows with what was paid; agrees with nextDue and the "
        "payoff quote"
    )
    contractSchedule: list[Installment] = Field(
        description="The schedule of the contract as signed"
    )
    paid: Paid | None = None
    outstanding: Outstanding | None = None
    nextDue: NextDue | None = None
    repayments: list[RepaymentOut] = Field(
        default_factory=list, description="Only on GET /v1/loans/{loanId}"
    )


class LoanList(Strict):
    loans: list[LoanOut]


class PayoffQuote(Strict):
    loanId: str
    date: str
    payoff: Yuan
    principal: Yuan
    interest: Yuan
    penalty: Yuan


class RepaymentRequest(Strict):
    amount: Yuan = Field(json_schema_extra={"pattern": POSITIVE_PATTERN})

    @field_validator("amount")
    @classmethod
    def _positive(cls, v: str) -> str:
        if yuan_to_fen(v) <= 0:
            raise ValueError("amount must be at least 0.01 yuan")
        return v

    def amount_fen(self) -> int:
        return yuan_to_fen(self.amount)


class RepaymentAccepted(Strict):
    repaymentId: str
    status: str


class StuckResolution(Strict):
    """Finish a draw (loanId alone) or a repayment (loanId and repaymentId) left STUCK."""

    loanId: Annotated[str, StringConstraints(pattern=r"^loan_[0-9a-z]{26}$")]
    repaymentId: Annotated[str, StringConstraints(pattern=REPAYMENT_ID)] | None = None


class StuckResolved(Strict):
    loanId: str | None = None
    repaymentId: str | None = None
    status: str
    resolved: bool = Field(description="false when there was nothing to finish")


# --- the borrower's notifications ------------------------------------------------------------

NotificationKind = Literal[
    "DUE_IN_3_DAYS",
    "DUE_TODAY",
    "OVERDUE_DAY_1",
    "OVERDUE_DAY_7",
    "COLLECTED",
    "COLLECTION_FAILED",
    "LIMIT_CHANGED",
    "APR_CHANGED",
]


class NotificationOut(Strict):
    """One message. The fields after `createdAt` are those of its kind: the loan's
    (DUE_*, OVERDUE_*), the repayment's (COLLECTED, COLLECTION_FAILED) or the line review's
    (LIMIT_CHANGED, APR_CHANGED)."""

    notificationId: str = Field(description="Stable: the same message always has the same id")
    kind: NotificationKind
    title: str
    text: str = Field(description="The message in a sentence, with its figures")
    date: str = Field(description="The business day it is for (China Standard Time)")
    createdAt: str
    loanId: str | None = None
    repaymentId: str | None = None
    reviewId: str | None = None
    dueDate: str | None = None
    amount: Yuan | None = Field(None, description="DUE_*: the installment due")
    daysPastDue: int | None = None
    due: Yuan | None = Field(None, description="OVERDUE_*: what is due now")
    penalty: Yuan | None = Field(None, description="OVERDUE_*: penalty interest accrued")
    collected: Yuan | None = None
    short: Yuan | None = Field(None, description="COLLECTION_FAILED: what was not collected")
    nextAttempt: str | None = Field(None, description="COLLECTION_FAILED: the next debit's day")
    creditLimitBefore: Yuan | None = None
    creditLimit: Yuan | None = None
    aprBefore: str | None = Field(None, description="APR for new draws before, in percent")
    apr: str | None = Field(None, description="APR for new draws now, in percent")
    reasons: list[str] | None = Field(None, description="The review's reason codes")


class NotificationList(Strict):
    notifications: list[NotificationOut] = Field(description="Newest first")
    nextCursor: str | None = Field(
        description="Pass as ?cursor= for the next (older) page; null on the last page"
    )
