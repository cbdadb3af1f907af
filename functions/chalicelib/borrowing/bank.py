"""How borrowing uses the bank: one idempotency key per transfer, and an unknown outcome
resolved by asking the bank, never by sending again while the bank may have it.

Rail keys: payouts `payout:{loanId}`, collections `collect:{repaymentId}`.
"""

from __future__ import annotations

from collections.abc import Callable

from ..rail.port import Rail, RailResult


def payout_key(loan_id: str) -> str:
    return f"payout:{loan_id}"


def collect_key(repayment_id: str) -> str:
    return f"collect:{repayment_id}"


def account_ref(user_id: str) -> str:
    """The borrower's bound debit card at the rail. Card binding is not modelled yet: the
    sandbox bank knows every user by this reference."""
    return f"card-{user_id}"


def transfer_once(
    rail: Rail, key: str, send: Callable[[], RailResult], unknown: type[Exception]
) -> RailResult:
    """Send a transfer the bank deduplicates by `key`. If the outcome is unknown (a timeout),
    ask the bank: it knows the key (return its result) or never got it (raise `unknown`, and
    the workflow's retry sends it again with the same key)."""
    try:
        return send()
    except unknown:
        known = rail.status(key)
        if known is None:
            raise
        return known


def settled(rail: Rail, key: str) -> bool:
    r = rail.status(key)
    return r is not None and r.status == "settled"
