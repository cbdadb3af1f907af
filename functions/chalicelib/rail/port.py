"""The rail port: what the services need from a bank, and nothing more."""

from __future__ import annotations

from typing import NamedTuple, Protocol

SETTLED = "settled"
DECLINED = "declined"
PAYOUT = "payout"
COLLECT = "collect"


class RailResult(NamedTuple):
    key: str
    kind: str  # payout | collect
    status: str  # settled | declined
    amount_fen: int
    account_ref: str
    reason: str = ""


class Rail(Protocol):
    def payout(self, idempotency_key: str, account_ref: str, amount_fen: int) -> RailResult:
        """Credit the borrower. Settled or declined; raises PayoutOutcomeUnknown on timeout/5xx."""

    def collect(self, idempotency_key: str, account_ref: str, amount_fen: int) -> RailResult:
        """Debit the borrower. Settled or declined; raises CollectionOutcomeUnknown on timeout/5xx."""

    def status(self, idempotency_key: str) -> RailResult | None:
        """What the bank did with this key: the result, or None if it never received it."""


class RailBook(Protocol):
    """The sandbox bank's own record of transfers (a real bank keeps this on its side)."""

    def record(self, result: RailResult) -> RailResult:
        """Store the result unless the key exists; return what is stored for the key."""
        ...

    def get(self, key: str) -> RailResult | None: ...

    def all(self) -> list[RailResult]: ...
