"""The close of business's summary for a day, pure: added up per loan, per batch, per day.

Summaries add (`+`), so each Distributed Map batch can return its own and the last step sums
them, in any order and grouping: a batch retried after a crash replaces its summary rather
than adding to it, so the total counts each loan once. A loan the crashed attempt had already
posted counts as `already_closed` in the retry (its amounts are in the ledger, not in the sum).

Amounts are what the night posted to the ledger: a quiet night posts nothing (`deferred`, see
money/nightly.py) and the next night that posts accrues those days too. Collections are the
auto-debits that ran on the day (ordered by the night before), read from the loans' payments.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date
from typing import Any

from chalicelib.money.collections import COLLECTED, CollectionOutcome
from chalicelib.money.day_close import Close
from chalicelib.money.delinquency import BECAME_CLOSED, BECAME_OVERDUE, BECAME_WRITTEN_OFF, CURED
from chalicelib.money.nightly import Night


@dataclass(frozen=True)
class CobSummary:
    processed: int = 0  # loans with at least one day closed
    already_closed: int = 0  # loans a re-run found closed: nothing done
    deferred: int = 0  # loans whose quiet day waits for their next write (nothing written)
    errors: int = 0  # loans the night could not close (their ids are in the day's record)
    days_closed: int = 0  # more than `processed` when loans were caught up
    accrued_interest_fen: int = 0
    accrued_penalty_fen: int = 0
    billed: int = 0  # installments that fell due
    billed_fen: int = 0
    ordered: int = 0  # auto-debits ordered for the next day
    ordered_fen: int = 0
    collected: int = 0  # debits that took the whole amount
    partial: int = 0  # debits that took part of it
    failed: int = 0  # debits that took nothing
    pending: int = 0  # debits still running when the day closed
    collected_fen: int = 0
    newly_overdue: int = 0
    cured: int = 0
    closed: int = 0
    written_off: int = 0
    written_off_fen: int = 0

    def __add__(self, other: CobSummary) -> CobSummary:
        return CobSummary(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    def as_dict(self) -> dict[str, Any]:
        return {_camel(k): v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CobSummary:
        return cls(**{f.name: int(d.get(_camel(f.name), 0)) for f in fields(cls)})


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(w.capitalize() for w in rest)


_TRANSITIONS = {
    BECAME_OVERDUE: "newly_overdue",
    CURED: "cured",
    BECAME_CLOSED: "closed",
    BECAME_WRITTEN_OFF: "written_off",
}


def of_close(close: Close) -> CobSummary:
    """One loan's close (one day or a catch-up) as a summary."""
    if not close.days:
        return CobSummary(already_closed=1)
    counts = dict.fromkeys(_TRANSITIONS.values(), 0)
    for _, t in close.transitions:
        counts[_TRANSITIONS[t]] += 1
    bills = [d.bill for d in close.days if d.bill is not None]
    order = close.collection
    written_off_fen = sum(d.write_off.total_fen for d in close.days if d.write_off is not None)
    return CobSummary(
        processed=1,
        days_closed=len(close.days),
        accrued_interest_fen=close.accrual.interest_fen,
        accrued_penalty_fen=close.accrual.penalty_fen,
        billed=len(bills),
        billed_fen=sum(b.total_fen for b in bills),
        ordered=int(order is not None),
        ordered_fen=order.amount_fen if order is not None else 0,
        written_off_fen=written_off_fen,
        **counts,
    )


def of_outcome(outcome: CollectionOutcome) -> CobSummary:
    """One auto-debit's result as a summary."""
    result = outcome.result
    return CobSummary(
        collected=int(result == COLLECTED),
        partial=int(result != COLLECTED and outcome.collected_fen > 0),
        failed=int(outcome.collected_fen == 0),
        collected_fen=outcome.collected_fen,
    )


def of_night(night: Night) -> CobSummary:
    """One loan's night: the days it posted (or that it deferred them), the debit it ordered for
    the morning, and the debit that ran that day."""
    if night.close is not None:
        s = of_close(night.close)
    elif night.deferred:
        s = CobSummary(deferred=1)
    else:
        s = CobSummary(already_closed=1)
    if night.close is None and night.collection is not None:
        s = s + CobSummary(ordered=1, ordered_fen=night.collection.amount_fen)
    if night.collected is not None:
        s = s + of_outcome(night.collected)
    if night.collection_pending:
        s = s + CobSummary(pending=1)
    return s


def summarise_day(day: date, closes: list[Close]) -> dict[str, Any]:
    """The day's summary as the COB execution outputs it."""
    total = CobSummary()
    for c in closes:
        total = total + of_close(c)
    return {"businessDate": day.isoformat(), **total.as_dict()}


__all__ = ["CobSummary", "of_close", "of_night", "of_outcome", "summarise_day"]
