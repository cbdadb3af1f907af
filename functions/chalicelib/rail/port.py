"""The rail port: what the services need from a bank, and nothing more."""

from __future__ import annotations

from typing import NamedTuple, Protocol

SETTLED = "settled"
DECLINED = "declined"
PAYOUT = "payout"
COLLECT = "collect"
# Money the account holder moves at their own bank (the sandbox's `lending bank` commands).
DEPOSIT = "deposit"
WITHDRAWAL = "withdrawal"

# Why a transfer was declined, as codes (a card scheme's response codes, by name).
DECLINED_BY_BANK = "DECLINED_BY_BANK"  # the bank refused it (fraud rules, a closed card...)
INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"  # a debit from an account that holds nothing


class RailResult(NamedTuple):
    key: str
    kind: str  # payout | collect (deposit | withdrawal at the sandbox bank)
    status: str  # settled | declined
    # What the bank moved: the amount asked for, except that a collection takes what the
    # account holds, never more than asked (a partial collection); 0 when declined.
    amount_fen: int
    account_ref: str
    requested_fen: int  # what the caller asked for (a repeated key must ask the same)
    reason: str = ""  # a decline's code

    @property
    def short_fen(self) -> int:
        """What was asked for and not moved (a partial or declined collection)."""
        return self.requested_fen - self.amount_fen


class Rail(Protocol):
    def payout(self, idempotency_key: str, account_ref: str, amount_fen: int) -> RailResult:
        """Credit the borrower. Settled or declined; raises PayoutOutcomeUnknown on timeout/5xx."""

    def collect(self, idempotency_key: str, account_ref: str, amount_fen: int) -> RailResult:
        """Debit the borrower: what the account holds, up to `amount_fen` (`amount_fen` of the
        result says how much). Settled (possibly partial) or declined (INSUFFICIENT_FUNDS when
        the account is empty); raises CollectionOutcomeUnknown on timeout/5xx."""

    def status(self, idempotency_key: str) -> RailResult | None:
        """What the bank did with this key: the result, or None if it never received it."""


class BalanceChanged(Exception):
    """The account no longer holds what the debit was sized on (or is not open): nothing was
    written; read the balance again."""


class RailBook(Protocol):
    """The sandbox bank's own record of accounts and transfers (a real bank keeps this on its
    side). A transfer and the balance it changes are written together or not at all."""

    def record(self, result: RailResult) -> RailResult:
        """Store a result that moves no money (a decline) unless the key exists; return what
        is stored for the key."""
        ...

    def transfer(self, result: RailResult) -> RailResult:
        """Store a settled transfer and apply it to its account in one atomic write: a credit
        (payout, deposit) adds `amount_fen`, a debit (collect, withdrawal) takes it only if
        the balance still covers it. The first write for a key wins: a repeat returns what is
        stored and moves nothing. BalanceChanged, nothing written, when the debit is not
        covered or the account is not open."""
        ...

    def open_account(self, account_ref: str, balance_fen: int) -> int:
        """Open the account with `balance_fen` unless it is open; return its balance."""
        ...

    def balance(self, account_ref: str) -> int | None:
        """The account's balance in fen, None if it was never opened."""
        ...

    def get(self, key: str) -> RailResult | None: ...

    def all(self) -> list[RailResult]: ...
