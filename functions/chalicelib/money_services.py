"""The money steps of the drawdown and repayment workflows, as plain functions over ports.

Each step is safe under Step Functions retries: run it again with the same input and it returns
the same answer and moves no more money. The lead wraps each in an `@app.lambda_function`.

Drawdown:  reserve_line -> create_contract -> pay_out -> post_ledger -> activate_loan
           on PayoutDeclined: release_line -> void_contract
Repayment: (admission: reserve_repayment) quote_repayment -> collect_repayment ->
           post_repayment (drops the reservation) -> restore_line
           on failure with no money taken: release_repayment

Rail keys: payouts use `payout:{loanId}`, collections `collect:{repaymentId}`. An unknown rail
outcome is resolved by `rail.status(key)`; the transfer is sent again (same key, so the bank
cannot move money twice) only when the bank says it never received it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from chalicelib.amounts import fen_to_yuan
from chalicelib.clock import utc_now_iso
from chalicelib.errors import (
    CollectionDeclined,
    CollectionOutcomeUnknown,
    Conflict,
    NotFound,
    PayoutDeclined,
    PayoutOutcomeUnknown,
    Unprocessable,
)
from chalicelib.lines.port import CreditLines
from chalicelib.loans.port import ACTIVE, CLOSED, VOID, LoanRecord, Loans
from chalicelib.money.schedule import ACTUAL_360, EQUAL_INSTALLMENT, HALF_UP, build_schedule
from chalicelib.money.servicing import DEFAULT_ORDER, Payment, allocate, position
from chalicelib.rail.port import DECLINED, SETTLED, Rail, RailResult


@dataclass(frozen=True)
class MoneyPorts:
    lines: CreditLines
    loans: Loans
    rail: Rail
    clock: Callable[[], str] = utc_now_iso


def payout_key(loan_id: str) -> str:
    return f"payout:{loan_id}"


def collect_key(repayment_id: str) -> str:
    return f"collect:{repayment_id}"


def _loan_json(loan: LoanRecord) -> dict[str, Any]:
    return {
        "loanId": loan.loan_id,
        "userId": loan.user_id,
        "status": loan.status,
        "principalFen": loan.principal_fen,
        "outstandingPrincipalFen": loan.outstanding_principal_fen,
        "apr": str(loan.apr),
    }


# -- drawdown ------------------------------------------------------------------------------


def reserve_line(p: MoneyPorts, *, user_id: str, loan_id: str, amount_fen: int) -> dict[str, Any]:
    """Hold `amount_fen` of the user's line for this draw. Unprocessable if there is too little."""
    line = p.lines.reserve(user_id, loan_id, amount_fen)
    return {
        "userId": user_id,
        "loanId": loan_id,
        "amountFen": amount_fen,
        "availableFen": line.available_fen,
    }


def create_contract(
    p: MoneyPorts,
    *,
    loan_id: str,
    user_id: str,
    amount_fen: int,
    months: int,
    start: str,
    account_ref: str,
    method: str = EQUAL_INSTALLMENT,
    day_count: str = ACTUAL_360,
    rounding: str = HALF_UP,
) -> dict[str, Any]:
    """Write the PENDING contract with its schedule, at the line's APR. Idempotent on loan_id.

    actual/360 by default: servicing accrues interest daily at APR/360, so an installment paid
    on its due date then clears exactly what the schedule shows."""
    line = p.lines.get_line(user_id)
    if line is None:
        raise NotFound(f"user {user_id} has no credit line")
    try:
        schedule = build_schedule(
            amount_fen, line.apr, months, date.fromisoformat(start), method, day_count, rounding
        )
    except ValueError as exc:
        raise Unprocessable(str(exc)) from exc
    loan = p.loans.create(
        LoanRecord.from_schedule(loan_id, user_id, schedule, account_ref, p.clock())
    )
    return _loan_json(loan) | {"schedule": schedule.as_json()}


def _resolve(
    rail: Rail, key: str, send: Callable[[], RailResult], unknown: type[Exception]
) -> RailResult:
    known = rail.status(key)
    if known is not None:
        return known
    try:
        return send()
    except unknown:
        known = rail.status(key)
        if known is None:
            raise  # the bank never got it: the retry may send it again, same key
        return known


def pay_out(p: MoneyPorts, *, loan_id: str) -> dict[str, Any]:
    """Send the principal to the borrower. Raises PayoutDeclined (compensate) or
    PayoutOutcomeUnknown (retry: the next attempt asks the bank first)."""
    loan = p.loans.get(loan_id)
    if loan.status == VOID:
        raise Conflict(f"loan {loan_id} is void; it is never paid out")
    key = payout_key(loan_id)
    r = _resolve(
        p.rail,
        key,
        lambda: p.rail.payout(key, loan.account_ref, loan.principal_fen),
        PayoutOutcomeUnknown,
    )
    if r.status == DECLINED:
        raise PayoutDeclined(f"payout {key} declined: {r.reason}")
    return {"loanId": loan_id, "payout": r.status, "amountFen": r.amount_fen}


def post_ledger(p: MoneyPorts, *, loan_id: str) -> dict[str, Any]:
    """Book the settled payout: disbursement entry + outstanding principal + ACTIVE, atomically."""
    r = p.rail.status(payout_key(loan_id))
    if r is None:
        raise PayoutOutcomeUnknown(f"no payout known for loan {loan_id}")
    if r.status != SETTLED:
        raise PayoutDeclined(f"payout for loan {loan_id} was declined")
    return _loan_json(p.loans.disburse(loan_id, p.clock()))


def activate_loan(p: MoneyPorts, *, loan_id: str) -> dict[str, Any]:
    """Confirm the loan is live. The status flip is part of post_ledger's transaction (so books
    and status cannot disagree); this step checks it and returns the loan."""
    loan = p.loans.get(loan_id)
    if loan.status not in (ACTIVE, CLOSED):
        loan = p.loans.get(post_ledger(p, loan_id=loan_id)["loanId"])
    return _loan_json(loan)


def _payout_settled(p: MoneyPorts, loan_id: str) -> bool:
    r = p.rail.status(payout_key(loan_id))
    return r is not None and r.status == SETTLED


def release_line(p: MoneyPorts, *, user_id: str, loan_id: str) -> dict[str, Any]:
    """Compensation: give the reservation back. Refused (Conflict) once money went out."""
    try:
        loan = p.loans.get(loan_id)
        if loan.status in (ACTIVE, CLOSED):
            raise Conflict(f"loan {loan_id} is {loan.status}; its credit is not released")
    except NotFound:
        pass  # the contract was never written: the reservation alone is undone
    if _payout_settled(p, loan_id):
        raise Conflict(f"loan {loan_id} was paid out; its credit is not released")
    line = p.lines.release(user_id, loan_id)
    return {"userId": user_id, "loanId": loan_id, "availableFen": line.available_fen}


def void_contract(p: MoneyPorts, *, loan_id: str) -> dict[str, Any]:
    """Compensation: PENDING -> VOID. Refused (Conflict) once money went out."""
    if _payout_settled(p, loan_id):
        raise Conflict(f"loan {loan_id} was paid out; it is not voided")
    try:
        return _loan_json(p.loans.void(loan_id, p.clock()))
    except NotFound:
        return {"loanId": loan_id, "status": VOID}


# -- repayment -----------------------------------------------------------------------------


def _posting_day(loan: LoanRecord, on: date) -> date:
    """A repayment is booked on its day, but never back-dated before one booked already."""
    return max(on, loan.payments[-1].on) if loan.payments else on


def reserve_repayment(
    loans: Loans,
    *,
    loan_id: str,
    repayment_id: str,
    amount_fen: int,
    on: str,
    read: LoanRecord | None = None,
) -> LoanRecord:
    """Admit a repayment: reserve its amount against the loan, so that what is reserved and not
    yet booked never exceeds the payoff. The check is the condition of one DynamoDB write (see
    `Loans.reserve_repayment`), so concurrent admissions cannot all pass it. Unprocessable when
    the amount does not fit; idempotent on repayment_id. `read`: the loan as the caller just
    read it, used for the first attempt instead of reading it again."""
    if type(amount_fen) is not int or amount_fen <= 0:
        raise Unprocessable("a repayment must be a positive integer of fen", field="amount")
    for attempt in range(5):
        loan = read if attempt == 0 and read is not None else loans.get(loan_id)
        if loan.reservation(repayment_id) is not None or loan.payment(repayment_id) is not None:
            return loan
        if loan.status != ACTIVE:
            raise Conflict(f"loan {loan_id} is {loan.status}")
        payoff = position(loan.servicing(), _posting_day(loan, date.fromisoformat(on))).payoff_fen
        room = payoff - loan.reserved_fen
        if amount_fen > room:
            raise Unprocessable(
                f"amount {fen_to_yuan(amount_fen)} is more than the {fen_to_yuan(max(room, 0))} "
                "that pays the loan off today"
                + (
                    f" ({fen_to_yuan(loan.reserved_fen)} is being repaid already)"
                    if loan.reserved_fen
                    else ""
                ),
                field="amount",
            )
        try:
            return loans.reserve_repayment(
                loan_id, repayment_id, amount_fen, payoff - amount_fen, loan.version
            )
        except Conflict:
            continue  # another repayment was reserved or booked since the read: look again
    raise Conflict(f"loan {loan_id} is busy with other repayments; retry shortly")


def release_repayment(p: MoneyPorts, *, loan_id: str, repayment_id: str) -> dict[str, Any]:
    """Give a repayment's reservation back when it ends without money taken. Refused (Conflict)
    once the bank settled its collection: that money is owed to the loan, and the reservation
    stays until post_repayment books it (which drops it in the same write)."""
    r = p.rail.status(collect_key(repayment_id))
    if r is not None and r.status == SETTLED:
        raise Conflict(f"repayment {repayment_id} was collected; its reservation stays")
    loan = p.loans.release_repayment(loan_id, repayment_id)
    return {"loanId": loan_id, "repaymentId": repayment_id, "reservedFen": loan.reserved_fen}


def quote_repayment(
    p: MoneyPorts,
    *,
    loan_id: str,
    amount_fen: int,
    on: str,
    order: tuple[str, ...] = DEFAULT_ORDER,
) -> dict[str, Any]:
    """The allocation of a proposed repayment. Unprocessable above the payoff amount."""
    loan = p.loans.get(loan_id)
    if loan.status != ACTIVE:
        raise Unprocessable(f"loan {loan_id} is {loan.status}")
    day = date.fromisoformat(on)
    a = allocate(loan.servicing(), day, amount_fen, order)
    pos = position(loan.servicing(), day)
    return {
        "loanId": loan_id,
        "amountFen": amount_fen,
        "penaltyFen": a.penalty_fen,
        "interestFen": a.interest_fen,
        "principalFen": a.principal_fen,
        "payoffFen": pos.payoff_fen,
        "amount": fen_to_yuan(amount_fen),
    }


def collect_repayment(
    p: MoneyPorts, *, loan_id: str, repayment_id: str, amount_fen: int
) -> dict[str, Any]:
    """Debit the borrower. Raises CollectionDeclined or CollectionOutcomeUnknown (retry)."""
    loan = p.loans.get(loan_id)
    key = collect_key(repayment_id)
    r = _resolve(
        p.rail,
        key,
        lambda: p.rail.collect(key, loan.account_ref, amount_fen),
        CollectionOutcomeUnknown,
    )
    if r.status == DECLINED:
        raise CollectionDeclined(f"collection {key} declined: {r.reason}")
    return {
        "loanId": loan_id,
        "repaymentId": repayment_id,
        "collect": r.status,
        "amountFen": r.amount_fen,
    }


def post_repayment(
    p: MoneyPorts,
    *,
    loan_id: str,
    repayment_id: str,
    on: str,
    order: tuple[str, ...] = DEFAULT_ORDER,
) -> dict[str, Any]:
    """Book the collected money against the loan: allocation re-computed on the current loan
    (optimistic, retried on a concurrent change); anything above the payoff by then goes to the
    user's overpayment suspense account, so collected money is never lost."""
    r = p.rail.status(collect_key(repayment_id))
    if r is None:
        raise CollectionOutcomeUnknown(f"no collection known for repayment {repayment_id}")
    if r.status != SETTLED:
        raise CollectionDeclined(f"collection for repayment {repayment_id} was declined")
    for _ in range(5):
        loan = p.loans.get(loan_id)
        booked = loan.payment(repayment_id)
        if booked is not None:
            return _repayment_json(loan, booked)
        if loan.status not in (ACTIVE, CLOSED):
            raise Unprocessable(f"loan {loan_id} is {loan.status}")
        servicing = loan.servicing()
        day = _posting_day(loan, date.fromisoformat(on))
        payoff = position(servicing, day).payoff_fen
        applied = min(r.amount_fen, payoff)
        a = allocate(servicing, day, applied, order) if applied else None
        payment = Payment(
            repayment_id,
            day,
            r.amount_fen,
            a.penalty_fen if a else 0,
            a.interest_fen if a else 0,
            a.principal_fen if a else 0,
        )
        try:
            loan = p.loans.post_repayment(
                loan_id, payment, r.amount_fen - applied, loan.version, p.clock()
            )
            return _repayment_json(loan, payment)
        except Conflict:
            continue
    raise Conflict(f"loan {loan_id} kept changing; repayment {repayment_id} not posted yet")


def _repayment_json(loan: LoanRecord, payment: Payment) -> dict[str, Any]:
    return {
        "loanId": loan.loan_id,
        "repaymentId": payment.key,
        "status": loan.status,
        "principalFen": payment.principal_fen,
        "interestFen": payment.interest_fen,
        "penaltyFen": payment.penalty_fen,
        "suspenseFen": payment.amount_fen
        - payment.principal_fen
        - payment.interest_fen
        - payment.penalty_fen,
        "outstandingPrincipalFen": loan.outstanding_principal_fen,
    }


def restore_line(p: MoneyPorts, *, loan_id: str, repayment_id: str) -> dict[str, Any]:
    """Give repaid principal back to the revolving line. Idempotent on repayment_id."""
    loan = p.loans.get(loan_id)
    payment = loan.payment(repayment_id)
    if payment is None:
        raise Conflict(f"repayment {repayment_id} is not posted on loan {loan_id}")
    line = (
        p.lines.restore(loan.user_id, payment.principal_fen, repayment_id, loan_id)
        if payment.principal_fen
        else p.lines.get_line(loan.user_id)
    )
    return {
        "loanId": loan_id,
        "repaymentId": repayment_id,
        "restoredFen": payment.principal_fen,
        "availableFen": line.available_fen if line else 0,
    }


__all__ = [
    "MoneyPorts",
    "activate_loan",
    "collect_key",
    "collect_repayment",
    "create_contract",
    "pay_out",
    "payout_key",
    "post_ledger",
    "post_repayment",
    "quote_repayment",
    "release_line",
    "release_repayment",
    "reserve_line",
    "reserve_repayment",
    "restore_line",
    "void_contract",
]
