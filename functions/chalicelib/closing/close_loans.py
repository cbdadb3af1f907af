"""Close Loans: one Distributed Map child, a batch of loan ids, closed for one business day.

For each loan, in order: read (100 a request), the night decided by money/nightly.py (posted:
the record, its counters and the days' entries in one transaction per loan, conditioned on the
version read; deferred: nothing written), then, for the batch, the next morning's auto-debits
started (auto_debit.py), the borrower notifications stored and published, and the lines of the
borrowers whose loans changed status brought in line (freeze, thaw).

Idempotent for (loan, business date): a loan closed through the day already is not closed
again, debits and notifications are keyed by loan, day and kind, so a retried batch (after a
crash part way) or a re-run of the day changes nothing twice. A loan that moved under the close
(a repayment posted in between) is read again and closed again; one that cannot be closed at
all (its record broken) is left out and named in the answer, so the other loans of its batch
still close and the day's record lists it.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from ..errors import Conflict, StoreBusy
from ..loans import posting
from ..loans.port import SERVICED, LoanRecord, Loans
from ..money.cob_summary import CobSummary, of_night
from ..money.collections import CollectionOrder
from ..money.day_close import DEFAULT_POLICY, Policy
from ..money.nightly import Night, nightly_close
from ..money.notifications import Notification
from ..notifications.service import Delivery
from .auto_debit import AutoDebits
from .handoffs import Batch, BatchClosed, LinesClosed

log = logging.getLogger(__name__)

CLOSE_ATTEMPTS = 6  # a loan that keeps moving under its close: then StoreBusy, the batch retries

# (user ids whose loans changed status, business date, timestamp) -> what it did to their lines
LineFollower = Callable[[Iterable[str], date, str], LinesClosed]


def _backoff(attempt: int) -> None:
    time.sleep(random.uniform(0, min(0.5, 0.01 * 2**attempt)))


@dataclass
class CloseLoans:
    loans: Loans
    debits: AutoDebits
    notify: Callable[[Iterable[Notification]], Delivery]
    now: Callable[[], str]
    follow_lines: LineFollower | None = None
    policy: Policy = DEFAULT_POLICY

    def __call__(self, batch: Batch) -> BatchClosed:
        day, at = batch.day(), self.now()
        read = self.loans.get_many(batch.loanIds)
        total = CobSummary()
        failed: list[str] = []
        told: list[Notification] = []
        orders: list[tuple[CollectionOrder, LoanRecord]] = []
        moved: set[str] = set()
        for loan_id in batch.loanIds:
            try:
                closed = self._close(loan_id, read.get(loan_id), day, at)
            except StoreBusy:
                raise
            except Exception:
                # ids only in logs; the day's record names the loan for an operator
                log.exception("loan %s not closed for %s", loan_id, day)
                failed.append(loan_id)
                total += CobSummary(errors=1)
                continue
            if closed is None:
                continue
            night, loan = closed
            total += of_night(night)
            told += night.notifications
            if night.collection is not None:
                orders.append((night.collection, loan))
            if night.close is not None and night.close.transitions:
                moved.add(loan.user_id)
        for order, loan in orders:
            self.debits.place(order, loan)
        self.notify(told)
        followed = LinesClosed()
        if self.follow_lines is not None and moved:
            followed = self.follow_lines(sorted(moved), day, at)
        # Lines frozen or thawed here are the night's too: the day's summary adds them to the
        # lines' Map's counts.
        return BatchClosed(
            **total.as_dict(),
            failedLoans=failed,
            linesFrozen=followed.linesFrozen,
            linesThawed=followed.linesThawed,
        )

    def _close(
        self, loan_id: str, loan: LoanRecord | None, day: date, at: str
    ) -> tuple[Night, LoanRecord] | None:
        """Close one loan, reading it again while a posting keeps moving it under the close.
        None when it is no longer served (paid off or written off since the list was written)."""
        for attempt in range(CLOSE_ATTEMPTS):
            if loan is None:
                raise LookupError(f"loan {loan_id} is listed for the close but has no record")
            if loan.status not in SERVICED:
                return None
            reserved = tuple(r for r, _ in loan.reservations)
            night = nightly_close(loan.state(), day, at, self.policy, reserved)
            if night.close is None:
                return night, loan
            try:
                after = self.loans.book_close(loan, posting.close_loan(loan, night.close, at), at)
                return night, after
            except Conflict:
                _backoff(attempt)
                loan = self.loans.get(loan_id)
        raise StoreBusy(f"loan {loan_id} kept changing while it was closed for {day}")
