"""Close Lines: a child of the lines' Distributed Map, a batch of users whose credit line the
business day serves (frozen, or due for its monthly review), each closed by
`LineServicing.close_line`: frozen while a loan is overdue, thawed once none is, reviewed on its
date (limit and APR for new draws, with reasons, kept as history, the borrower told).

It runs after every loan of the day is closed, so a line reads its loans as the night left
them, and serves the line as of the next morning (the business date + 1): the night of a due
date left unpaid makes the loan overdue in the morning, and freezes its line the same night; a
review dated tomorrow is in force when tomorrow's first draw comes.

Idempotent for (line, business date): the status change and the review are keyed by user and
day, so a retried batch or a re-run changes nothing twice. A line that cannot be closed
(its record broken) is named in the answer and the rest of its batch still closes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from ..errors import StoreBusy
from ..lines.servicing import LineServicing
from ..money.notifications import Notification
from .handoffs import LineBatch, LinesClosed

log = logging.getLogger(__name__)


@dataclass
class CloseLines:
    servicing: LineServicing
    now: Callable[[], str]

    def __call__(self, batch: LineBatch) -> LinesClosed:
        return self.close(batch.userIds, batch.day(), self.now())

    def close(self, user_ids: Iterable[str], day: date, at: str) -> LinesClosed:
        """Close the lines of `user_ids` for business day `day` (as of the morning after)."""
        morning = day + timedelta(days=1)
        served = frozen = thawed = reviewed = raised = lowered = 0
        failed: list[str] = []
        told: list[Notification] = []
        for user_id in user_ids:
            try:
                out = self.servicing.close_line(user_id, morning, at, tell=False)
            except StoreBusy:
                raise  # the batch is retried (the ASL's Retry); what closed stays closed
            except Exception:
                log.exception("line of user %s not closed for %s", user_id, day)  # ids only
                failed.append(user_id)
                continue
            served += 1
            frozen += out.frozen
            thawed += out.thawed
            reviewed += out.reviewed
            raised += out.limit_fen > out.limit_before_fen
            lowered += out.limit_fen < out.limit_before_fen
            told += out.notifications
        if told:  # stored one by one, published ten to an event request
            self.servicing.notify(told)
        return LinesClosed(
            linesServed=served,
            linesFrozen=frozen,
            linesThawed=thawed,
            linesReviewed=reviewed,
            limitsRaised=raised,
            limitsLowered=lowered,
            failedLines=failed,
        )

    def follow(self, user_ids: Iterable[str], day: date, at: str) -> LinesClosed:
        """Close Loans' hook: the lines of borrowers whose loans changed status tonight (an
        installment gone overdue freezes the line the same night)."""
        return self.close(user_ids, day, at)
