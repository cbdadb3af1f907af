"""Journal entries, pure. Every money movement is one entry whose debits equal its credits.

Accounts (a balance is debits minus credits):
- line_available:{userId}   credit the user can still draw (debit-normal)
- line_drawn:{userId}       credit in use: reserved for a pending draw or lent out (debit-normal)
- line_commitment:{userId}  the limit granted (credit-normal contra of the two above)
- loan_principal:{loanId}   principal the borrower owes (debit-normal)
- cash_clearing             money in flight through the rail (bank side)
- interest_income, penalty_income   earned: accrued day by day (servicing), or on collection
  for what was not accrued yet
- interest_receivable:{loanId}, penalty_receivable:{loanId}   accrued and not yet collected
- credit_loss               principal and receivables written off (expense)
- loss_recovery             money collected on a loan after its write-off (income)
- overpayment_suspense:{userId}     collected beyond what was owed (owed back to the user)

So for a line, available + drawn == limit, and for a loan, the loan_principal balance is its
outstanding principal: `check_ledger` compares those with the records.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

CASH_CLEARING = "cash_clearing"
INTEREST_INCOME = "interest_income"
PENALTY_INCOME = "penalty_income"
CREDIT_LOSS = "credit_loss"
LOSS_RECOVERY = "loss_recovery"


def line_available(user_id: str) -> str:
    return f"line_available:{user_id}"


def line_drawn(user_id: str) -> str:
    return f"line_drawn:{user_id}"


def line_commitment(user_id: str) -> str:
    return f"line_commitment:{user_id}"


def overpayment_suspense(user_id: str) -> str:
    return f"overpayment_suspense:{user_id}"


def loan_principal(loan_id: str) -> str:
    return f"loan_principal:{loan_id}"


def interest_receivable(loan_id: str) -> str:
    return f"interest_receivable:{loan_id}"


def penalty_receivable(loan_id: str) -> str:
    return f"penalty_receivable:{loan_id}"


@dataclass(frozen=True)
class Posting:
    account: str
    debit_fen: int = 0
    credit_fen: int = 0

    def __post_init__(self) -> None:
        for v in (self.debit_fen, self.credit_fen):
            if type(v) is not int or v < 0:
                raise ValueError(f"posting amounts are non-negative integer fen, not {v!r}")
        if (self.debit_fen == 0) == (self.credit_fen == 0):
            raise ValueError("a posting is either a debit or a credit, and not zero")


class Unbalanced(ValueError):
    """An entry whose debits and credits differ: never written."""


@dataclass(frozen=True)
class JournalEntry:
    """One money movement. `key` is its idempotency key; `owner` the partition it lives in."""

    key: str
    kind: str
    owner: str  # "USER#{id}" or "LOAN#{id}"
    postings: tuple[Posting, ...]
    at: str  # ISO timestamp, supplied by the caller (pure code reads no clock)
    user_id: str = ""
    loan_id: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.postings:
            raise Unbalanced(f"entry {self.key} has no postings")
        if self.debits != self.credits:
            raise Unbalanced(f"entry {self.key}: debits {self.debits} != credits {self.credits}")

    @property
    def debits(self) -> int:
        return sum(p.debit_fen for p in self.postings)

    @property
    def credits(self) -> int:
        return sum(p.credit_fen for p in self.postings)


def entry(
    key: str,
    kind: str,
    owner: str,
    at: str,
    *legs: tuple[str, int, int],
    user_id: str = "",
    loan_id: str = "",
) -> JournalEntry:
    """Build an entry from (account, debit, credit) legs, dropping zero legs."""
    postings = tuple(Posting(a, d, c) for a, d, c in legs if d or c)
    return JournalEntry(key, kind, owner, postings, at, user_id=user_id, loan_id=loan_id)


def balances(entries: Iterable[JournalEntry]) -> dict[str, int]:
    """Account balances (debits minus credits) derived from entries."""
    out: dict[str, int] = defaultdict(int)
    for e in entries:
        for p in e.postings:
            out[p.account] += p.debit_fen - p.credit_fen
    return dict(out)


# -- The entries of the product's money movements -----------------------------------------


def open_line_entry(user_id: str, application_id: str, limit_fen: int, at: str) -> JournalEntry:
    return entry(
        f"line-open:{application_id}",
        "line-open",
        f"USER#{user_id}",
        at,
        (line_available(user_id), limit_fen, 0),
        (line_commitment(user_id), 0, limit_fen),
        user_id=user_id,
    )


def change_limit_entry(user_id: str, key: str, delta_fen: int, at: str) -> JournalEntry:
    d, c = (delta_fen, 0) if delta_fen > 0 else (0, -delta_fen)
    return entry(
        f"line-limit:{key}",
        "line-limit",
        f"USER#{user_id}",
        at,
        (line_available(user_id), d, c),
        (line_commitment(user_id), c, d),
        user_id=user_id,
    )


def reserve_entry(user_id: str, loan_id: str, amount_fen: int, at: str) -> JournalEntry:
    return entry(
        f"line-reserve:{loan_id}",
        "line-reserve",
        f"USER#{user_id}",
        at,
        (line_drawn(user_id), amount_fen, 0),
        (line_available(user_id), 0, amount_fen),
        user_id=user_id,
        loan_id=loan_id,
    )


def release_entry(user_id: str, loan_id: str, amount_fen: int, at: str) -> JournalEntry:
    return entry(
        f"line-release:{loan_id}",
        "line-release",
        f"USER#{user_id}",
        at,
        (line_available(user_id), amount_fen, 0),
        (line_drawn(user_id), 0, amount_fen),
        user_id=user_id,
        loan_id=loan_id,
    )


def restore_entry(
    user_id: str, key: str, amount_fen: int, at: str, loan_id: str = ""
) -> JournalEntry:
    return entry(
        f"line-restore:{key}",
        "line-restore",
        f"USER#{user_id}",
        at,
        (line_available(user_id), amount_fen, 0),
        (line_drawn(user_id), 0, amount_fen),
        user_id=user_id,
        loan_id=loan_id,
    )


def disbursement_entry(user_id: str, loan_id: str, amount_fen: int, at: str) -> JournalEntry:
    return entry(
        f"disburse:{loan_id}",
        "disbursement",
        f"LOAN#{loan_id}",
        at,
        (loan_principal(loan_id), amount_fen, 0),
        (CASH_CLEARING, 0, amount_fen),
        user_id=user_id,
        loan_id=loan_id,
    )


def repayment_entry(
    user_id: str,
    loan_id: str,
    key: str,
    principal_fen: int,
    interest_fen: int,
    penalty_fen: int,
    at: str,
    suspense_fen: int = 0,
    interest_receivable_fen: int = 0,
    penalty_receivable_fen: int = 0,
) -> JournalEntry:
    """Money collected for a loan. `suspense_fen` is money collected beyond what the loan owed
    when it was posted (a race with another repayment): held for refund, never lost.

    Of the interest (penalty) collected, `interest_receivable_fen` (`penalty_receivable_fen`)
    settles what the close of business had accrued; the rest is income earned on collection
    (interest for the days since the last close). `money.accrual.settle` decides the split."""
    if not 0 <= interest_receivable_fen <= interest_fen:
        raise ValueError("the interest settling receivables is part of the interest collected")
    if not 0 <= penalty_receivable_fen <= penalty_fen:
        raise ValueError("the penalty settling receivables is part of the penalty collected")
    total = principal_fen + interest_fen + penalty_fen + suspense_fen
    return entry(
        f"repay:{key}",
        "repayment",
        f"LOAN#{loan_id}",
        at,
        (CASH_CLEARING, total, 0),
        (loan_principal(loan_id), 0, principal_fen),
        (interest_receivable(loan_id), 0, interest_receivable_fen),
        (INTEREST_INCOME, 0, interest_fen - interest_receivable_fen),
        (penalty_receivable(loan_id), 0, penalty_receivable_fen),
        (PENALTY_INCOME, 0, penalty_fen - penalty_receivable_fen),
        (overpayment_suspense(user_id), 0, suspense_fen),
        user_id=user_id,
        loan_id=loan_id,
    )


# -- Servicing: accrual, write-off, recovery (see money/accrual.py for the amounts) ----------


def accrual_key(loan_id: str, day: date) -> str:
    return f"accrue:{loan_id}:{day.isoformat()}"


def accrual_entry(
    user_id: str, loan_id: str, day: date, interest_fen: int, penalty_fen: int, at: str
) -> JournalEntry:
    """One business day's accrual for a loan (keyed by loan and day): Dr receivable / Cr income.
    A negative amount is a correction (a repayment back-dated into a closed day earned less than
    was accrued) and is posted the other way round. Raises Unbalanced when both are zero: a day
    that accrues nothing writes no entry."""

    return entry(
        accrual_key(loan_id, day),
        "accrual",
        f"LOAN#{loan_id}",
        at,
        _debit(interest_receivable(loan_id), interest_fen),
        _debit(INTEREST_INCOME, -interest_fen),
        _debit(penalty_receivable(loan_id), penalty_fen),
        _debit(PENALTY_INCOME, -penalty_fen),
        user_id=user_id,
        loan_id=loan_id,
    )


def write_off_entry(
    user_id: str,
    loan_id: str,
    principal_fen: int,
    interest_fen: int,
    penalty_fen: int,
    at: str,
) -> JournalEntry:
    """Principal and receivables to loss. Keyed by the loan alone: a loan is written off once,
    whichever day's close (or re-run) gets there. Each account is emptied whatever the sign of
    its balance (a receivable can be briefly negative when a collection ran ahead of a close)."""
    return entry(
        f"write-off:{loan_id}",
        "write-off",
        f"LOAN#{loan_id}",
        at,
        _debit(CREDIT_LOSS, principal_fen + interest_fen + penalty_fen),
        _debit(loan_principal(loan_id), -principal_fen),
        _debit(interest_receivable(loan_id), -interest_fen),
        _debit(penalty_receivable(loan_id), -penalty_fen),
        user_id=user_id,
        loan_id=loan_id,
    )


def _debit(account: str, fen: int) -> tuple[str, int, int]:
    """A leg debiting `fen`, or crediting `-fen` when it is negative."""
    return (account, fen, 0) if fen >= 0 else (account, 0, -fen)


def recovery_entry(user_id: str, loan_id: str, key: str, amount_fen: int, at: str) -> JournalEntry:
    """Money collected on a written-off loan: nothing is left on its accounts, so all of it is
    a recovery. Keyed like a repayment (`repay:{key}`), so a collection posts once either way."""
    return entry(
        f"repay:{key}",
        "recovery",
        f"LOAN#{loan_id}",
        at,
        (CASH_CLEARING, amount_fen, 0),
        (LOSS_RECOVERY, 0, amount_fen),
        user_id=user_id,
        loan_id=loan_id,
    )
