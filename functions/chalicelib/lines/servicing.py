"""A line's close of business: freeze or thaw it from its borrower's loans, and review it when
its review is due. The close of business (COB) calls `close_line` once per line per day.

    close_line(user_id, day, at) -> LineOutcome

1. Freeze / thaw (`freeze.line_effect`): from the standing of each of the borrower's loans on
   `day` (`loans.standing`), the line is FROZEN while any loan is overdue or written off and
   ACTIVE again once none is; `set_status` with change id `line-{STATUS}-{userId}-{YYYYMMDD}`
   (a re-run of the day claims the same id and changes nothing).
2. Review (`review.review_line`) when the line's next review date is `day` or past (a close
   that missed the review day catches it up; a CLOSED line is not reviewed): behaviour from
   the loans replayed exactly (`review.behaviour_from_loans`: months on book, installments due
   and paid on time, worst DPD, average utilisation), re-graded by rule (`regrade`: the
   scoring store offers no re-score of a borrower, see there), the APR for new draws the new
   grade's rate step. `apply_review` is idempotent on the review id (`review_id(user, day)`)
   and conditioned on the line it was computed on; when a draw moves the line in between, the
   review is computed again from the line as it is now (a few times, then Conflict).
3. Notifications: a limit or APR change is told to the borrower (`line_change_notifications`,
   keyed by the review id, so a re-run stores and publishes nothing twice). A re-run after a
   crash between the review and the notifications sends them from the review's history entry.

`day` is the business day the line is set for; the COB passes the day whose standing it sets
(the loans' close sets where they stand on that day). `at` is the write's timestamp
(`clock.utc_now_iso()`), which orders the line's history.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from ..errors import Conflict, NotFound
from ..loans.port import DISBURSED, LoanRecord, Loans
from ..loans.standing import standing_on
from ..money.notifications import Notification, line_change_notifications
from ..pricing import RATE_TABLE
from .freeze import LINE_ACTIVE, LINE_CLOSED, LINE_FROZEN, LoanStatus, line_effect
from .port import REVIEW, CreditLine, CreditLines, LineChange
from .regrade import DEFAULT_REGRADE_POLICY, RegradePolicy, regrade
from .review import (
    DEFAULT_REVIEW_POLICY,
    LineReview,
    LineTerms,
    ReviewPolicy,
    behaviour_from_loans,
    is_review_day,
    review_id,
    review_line,
)

log = logging.getLogger(__name__)

REVIEW_ATTEMPTS = 3
THAWED_TEXT = "Nothing is overdue any more: your line is open for draws again."


def apr_for_grade(grade: str) -> Decimal:
    """The rate step of a grade (pricing_model.RATE_STEPS)."""
    return RATE_TABLE[grade].apr


def status_change_id(user_id: str, day: date, status: str) -> str:
    return f"line-{status}-{user_id}-{day:%Y%m%d}"


def standings(records: Iterable[LoanRecord], day: date) -> list[LoanStatus]:
    """Where each of the borrower's loans stands on `day`, as the line sees it."""
    return [
        LoanStatus(r.loan_id, st.status, st.dpd)
        for r in records
        if (st := standing_on(r, day)) is not None
    ]


def reopen_if_cured(
    lines: CreditLines, line: CreditLine, records: Iterable[LoanRecord], day: date, at: str
) -> bool:
    """Thaw a FROZEN line whose borrower has nothing overdue on `day` any more: a repayment
    that cures the last overdue loan reopens the line when it is booked, not at the next close
    (a borrower who has paid wants to draw now, and the close that would see the cure races
    the morning's auto-debits). Never freezes: that is the close's, from the night's standing.
    The change id is the close's for that day, so the two cannot both thaw the line. True when
    this call thawed it."""
    if line.status != LINE_FROZEN:
        return False
    if line_effect(line.status, standings(records, day)).status != LINE_ACTIVE:
        return False
    change_id = status_change_id(line.user_id, day, LINE_ACTIVE)
    return lines.set_status(line.user_id, LINE_ACTIVE, THAWED_TEXT, at, change_id, on=day)


@dataclass(frozen=True)
class LineOutcome:
    """What one line's close did (ids, codes and fen only: it goes into the COB's output)."""

    user_id: str
    day: date
    status_before: str
    status: str
    limit_before_fen: int
    limit_fen: int
    apr_before: Decimal
    apr: Decimal
    frozen: bool = False  # this close froze it
    thawed: bool = False  # this close thawed it
    reviewed: bool = False  # this close applied its review
    reason_codes: tuple[str, ...] = ()
    notifications: tuple[Notification, ...] = field(default=(), repr=False)

    def as_summary(self) -> dict[str, Any]:
        return {
            "userId": self.user_id,
            "day": self.day.isoformat(),
            "statusBefore": self.status_before,
            "status": self.status,
            "frozen": self.frozen,
            "thawed": self.thawed,
            "reviewed": self.reviewed,
            "limitBeforeFen": self.limit_before_fen,
            "limitFen": self.limit_fen,
            "aprBefore": str(self.apr_before),
            "apr": str(self.apr),
            "reasons": list(self.reason_codes),
            "notifications": [n.key for n in self.notifications],
        }


def review_due(line: CreditLine, day: date) -> bool:
    """Is the line's review due on `day`? Its next review date has come (or, for a line opened
    before review dates were kept, `day` is a monthly anniversary of its opening)."""
    if line.status == LINE_CLOSED:
        return False
    if line.next_review_on is not None:
        return line.next_review_on <= day
    return line.opened_on is not None and is_review_day(line.opened_on, day)


def _from_history(change: LineChange, user_id: str) -> tuple[Notification, ...]:
    assert change.on is not None
    return line_change_notifications(
        user_id,
        change.change_id,
        change.on,
        change.limit_before_fen,
        change.limit_fen,
        change.apr_before,
        change.apr,
        change.reason_codes,
    )


@dataclass
class LineServicing:
    lines: CreditLines
    loans: Loans
    notify: Callable[[Iterable[Notification]], object]
    apr_for: Callable[[str], Decimal] = apr_for_grade
    policy: ReviewPolicy = DEFAULT_REVIEW_POLICY
    regrade_policy: RegradePolicy = DEFAULT_REGRADE_POLICY

    def close_line(self, user_id: str, day: date, at: str, tell: bool = True) -> LineOutcome:
        """Freeze, thaw and review one line for `day`. The borrower is told here unless `tell`
        is False: then the caller sends `LineOutcome.notifications` (a batch at once)."""
        line = self.lines.get_line(user_id)
        if line is None:
            raise NotFound(f"user {user_id} has no credit line")
        before = line
        records = self.loans.for_user(user_id)
        effect = line_effect(line.status, standings(records, day))
        codes: list[str] = list(effect.reason_codes) if effect.status == LINE_FROZEN else []
        frozen = thawed = False
        if effect.changed:
            reason = " ".join(r.text for r in effect.reasons) if effect.reasons else THAWED_TEXT
            changed = self.lines.set_status(
                user_id,
                effect.status,
                reason,
                at,
                status_change_id(user_id, day, effect.status),
                on=day,
            )
            frozen = changed and effect.status == LINE_FROZEN
            thawed = changed and effect.status == LINE_ACTIVE
            # what the change wrote, without reading it back; another run's change is read
            line = (
                replace(line, status=effect.status, status_reason=reason, version=line.version + 1)
                if changed
                else self._must(user_id)
            )

        told: tuple[Notification, ...] = ()
        reviewed = False
        if review_due(line, day):
            review = self._review(line, records, day, at)
            if review is not None:
                reviewed = True
                codes += review.reason_codes
                told = review.notifications()
                line = replace(  # what the review wrote, for the outcome
                    line,
                    limit_fen=review.limit_fen,
                    available_fen=review.limit_fen - line.drawn_fen,
                    apr=review.apr,
                    grade=review.grade,
                    last_reviewed_on=day,
                )
            else:  # a concurrent run of this close applied it first
                told = self._told_by_earlier_run(user_id, day)
                line = self._must(user_id)
        elif line.last_reviewed_on == day:
            # Reviewed by an earlier run of this close: tell again what it changed (the keys
            # are the review's, so nothing is stored or published twice).
            told = self._told_by_earlier_run(user_id, day)
        if told and tell:
            self.notify(told)
        return LineOutcome(
            user_id,
            day,
            before.status,
            line.status,
            before.limit_fen,
            line.limit_fen,
            before.apr,
            line.apr,
            frozen,
            thawed,
            reviewed,
            tuple(codes),
            told,
        )

    def _must(self, user_id: str) -> CreditLine:
        line = self.lines.get_line(user_id)
        if line is None:
            raise NotFound(f"user {user_id} has no credit line")
        return line

    def review(self, line: CreditLine, records: Iterable[LoanRecord], day: date) -> LineReview:
        """The review of `line` on `day` (pure given the line and the loans' records)."""
        loans = [r.servicing() for r in records if r.status in DISBURSED]
        opened = line.opened_on or day
        terms = LineTerms(line.user_id, line.limit_fen, line.apr, line.grade, line.status, opened)
        b = behaviour_from_loans(
            loans,
            terms,
            line.drawn_fen,
            day,
            line.grade,
            self.policy.window_months,
            last_review=line.last_reviewed_on,
        )
        new_grade = regrade(line.grade, b, self.regrade_policy)
        review = review_line(
            terms, replace(b, grade=new_grade.grade), day, self.apr_for, self.policy
        )
        if new_grade.reason is not None and review.grade != review.grade_before:
            review = replace(review, reasons=(*review.reasons, new_grade.reason))
        return review

    def _review(
        self, line: CreditLine, records: list[LoanRecord], day: date, at: str
    ) -> LineReview | None:
        """Compute and apply the review; None when an earlier run of the day applied it."""
        for attempt in range(REVIEW_ATTEMPTS):
            review = self.review(line, records, day)
            try:
                return review if self.lines.apply_review(line.user_id, review, at) else None
            except Conflict:
                # A draw (or a repayment's restore) moved the line: review the line as it is.
                if attempt == REVIEW_ATTEMPTS - 1:
                    raise
                line = self._must(line.user_id)
                records = self.loans.for_user(line.user_id)
        raise AssertionError("unreachable")

    def _told_by_earlier_run(self, user_id: str, day: date) -> tuple[Notification, ...]:
        wanted = review_id(user_id, day)
        page = self.lines.history(user_id, 10, None)
        for change in page.items:
            if change.kind == REVIEW and change.change_id == wanted:
                return _from_history(change, user_id)
        return ()


__all__ = ["LineOutcome", "LineServicing", "apr_for_grade", "review_due", "status_change_id"]
