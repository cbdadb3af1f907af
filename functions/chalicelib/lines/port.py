"""The credit line port. Both adapters obey one contract (tests/money/test_lines_contract.py).

A line is the record PK `USER#{userId}` SK `LINE`. Invariant: available + drawn == limit.
Every change is one balanced journal entry written atomically with the line (see ledger/).

- open_line(user_id, limit_fen, apr, grade, application_id, opened_on=None) -> CreditLine
    idempotent on application_id; Conflict if the user has a line from another application;
    Unprocessable if the limit is outside ¥50-¥200,000 or the APR outside 0-24%. `opened_on`
    is the business day (default: the business date of the store's clock); the first review
    is a month later (`review.next_review_date`). Writes the history's first record.
- reserve(user_id, loan_id, amount_fen) -> None
    available -= amount, drawn += amount, only if available >= amount (a conditional update, so
    concurrent reservations never exceed the line); idempotent on loan_id. Returns nothing: the
    write cannot return the line, and the one caller (Reserve Line) needs nothing back.
    NotFound without a line; Unprocessable if the line is not ACTIVE or has too little credit.
- release(user_id, loan_id) -> CreditLine
    compensation: gives back the reservation of loan_id; a no-op if there is none or it was
    already released.
- restore(user_id, amount_fen, key, loan_id="") -> CreditLine
    principal repaid returns to the line; idempotent on key; Unprocessable if drawn < amount.
- change_limit(user_id, new_limit_fen, review_id) -> CreditLine
    periodic review; available becomes new_limit - drawn (Unprocessable if that is negative);
    idempotent on review_id.
- set_status(user_id, status, reason, at, change_id, on) -> bool (`on`: the business day)
    ACTIVE, FROZEN or CLOSED, with the reason the borrower is given (the text a refused draw
    names); writes a history record. Idempotent per change_id: a retry changes nothing and
    returns False; so does a status the line has already (nothing is recorded). A reservation
    is conditioned on ACTIVE, so once a line is FROZEN no draw can reserve on it.
- apply_review(user_id, review, at) -> bool
    moves the limit (available becomes limit - drawn, by one conditional write: never below
    what is drawn at write time, within ¥50-¥200,000), the APR for new draws (7.2%-24%; signed
    loans keep theirs) and the grade; sets last_reviewed_on = review.on and the next review
    date; writes a history record with the reason codes (and, when the limit moves, the
    journal entry `line-limit:{review_id}`). Idempotent per review id (False on a retry).
    Conflict when the line is not the one the review was computed on (limit or APR moved) or
    a concurrent draw took more than the new limit: the caller re-reads and reviews again.
- history(user_id, limit, cursor) -> HistoryPage: the line's changes newest first (opening,
    status changes, reviews), `limit` (1-100) a page; `cursor` from the previous page.
- get_line(user_id) -> CreditLine | None
- entries(user_id) -> list[JournalEntry]: the line's journal (for checks and tests).

History items: PK `USER#{userId}`, SK `LINEHIST#{seq}` (the line's n-th change, zero-padded:
newest first is a reverse query); each change id is claimed once by SK `LINECHG#{changeId}`
in the same transaction.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.clock import parse_iso
from chalicelib.errors import InvalidRequest, Unprocessable
from chalicelib.ledger.entries import JournalEntry
from chalicelib.lines.freeze import LINE_ACTIVE, LINE_CLOSED, LINE_FROZEN, LINE_STATUSES
from chalicelib.lines.review import next_review_date
from chalicelib.money.schedule import parse_apr
from chalicelib.reasons import Reason

if TYPE_CHECKING:
    from chalicelib.lines.review import LineReview

MIN_LIMIT_FEN = 5_000  # ¥50
MAX_LIMIT_FEN = 20_000_000  # ¥200,000
ACTIVE = LINE_ACTIVE
MIN_APR = Decimal("0.072")  # the product's cheapest rate step (pricing_model.RATE_STEPS)
MAX_APR = Decimal("0.24")
MAX_HISTORY_PAGE = 100


@dataclass(frozen=True)
class CreditLine:
    user_id: str
    limit_fen: int
    available_fen: int
    drawn_fen: int
    apr: Decimal
    grade: str
    status: str
    version: int
    application_id: str
    opened_on: date | None = None  # the business day it opened (None: opened before it was kept)
    next_review_on: date | None = None
    last_reviewed_on: date | None = None
    status_reason: str = ""  # why it is FROZEN or CLOSED, as the borrower is told

    def as_json(self) -> dict[str, Any]:
        from chalicelib.amounts import fen_to_yuan

        return {
            "userId": self.user_id,
            "limit": fen_to_yuan(self.limit_fen),
            "available": fen_to_yuan(self.available_fen),
            "drawn": fen_to_yuan(self.drawn_fen),
            "apr": str(self.apr),
            "grade": self.grade,
            "status": self.status,
        }


# What a change of status is called in the history
STATUS_CHANGE_CODES: dict[tuple[str, str], str] = {
    (LINE_ACTIVE, LINE_FROZEN): "LINE_FROZEN",
    (LINE_FROZEN, LINE_ACTIVE): "LINE_THAWED",
    (LINE_ACTIVE, LINE_CLOSED): "LINE_CLOSED",
    (LINE_FROZEN, LINE_CLOSED): "LINE_CLOSED",
    (LINE_CLOSED, LINE_ACTIVE): "LINE_REOPENED",
    (LINE_CLOSED, LINE_FROZEN): "LINE_FROZEN",
}
OPENED, STATUS, REVIEW = "OPENED", "STATUS", "REVIEW"


@dataclass(frozen=True)
class LineChange:
    """One entry of a line's history: its opening, a change of status, or a review (which may
    leave the limit and APR as they were: the reasons say why)."""

    change_id: str  # the application id (OPENED), the change id (STATUS), the review id
    kind: str  # OPENED, STATUS, REVIEW
    at: str  # when it was written (ISO timestamp, UTC)
    status_before: str
    status: str
    limit_before_fen: int
    limit_fen: int
    apr_before: Decimal
    apr: Decimal
    grade_before: str
    grade: str
    reasons: tuple[Reason, ...]
    on: date | None = None  # the business day of a review, an opening or a freeze/thaw
    next_review_on: date | None = None  # set by an opening or a review
    seq: int = 0  # the line's n-th change (the opening is 1): the history's order

    @property
    def position(self) -> str:
        """Where it sorts in the history (ascending = oldest first). The order changes were
        applied in, not their timestamps: callers' clocks (a COB re-run, the local business
        clock) need not agree."""
        return f"{self.seq:010d}"

    @property
    def reason_codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)


@dataclass(frozen=True)
class HistoryPage:
    items: tuple[LineChange, ...]  # newest first
    cursor: str | None  # for the next (older) page; None on the last page


def status_change(
    line: CreditLine,
    status: str,
    reason: str,
    at: str,
    change_id: str,
    seq: int,
    on: date | None = None,
) -> LineChange:
    code = STATUS_CHANGE_CODES.get((line.status, status), f"LINE_{status}")
    return LineChange(
        change_id,
        STATUS,
        at,
        line.status,
        status,
        line.limit_fen,
        line.limit_fen,
        line.apr,
        line.apr,
        line.grade,
        line.grade,
        (Reason(code, reason),),
        on=on,
        seq=seq,
    )


def new_line(
    user_id: str, limit_fen: int, apr: Decimal, grade: str, application_id: str, day: date
) -> CreditLine:
    """A line as it opens on `day`: all of it available, its first review a month later."""
    return CreditLine(
        user_id,
        limit_fen,
        limit_fen,
        0,
        apr,
        grade,
        ACTIVE,
        1,
        application_id,
        opened_on=day,
        next_review_on=next_review_date(day, day),
    )


def opening(line: CreditLine, at: str) -> LineChange:
    return LineChange(
        line.application_id,
        OPENED,
        at,
        line.status,
        line.status,
        line.limit_fen,
        line.limit_fen,
        line.apr,
        line.apr,
        line.grade,
        line.grade,
        (Reason("LINE_OPENED", "Your credit line was opened."),),
        line.opened_on,
        line.next_review_on,
        seq=1,
    )


def reviewed(
    line: CreditLine, review: LineReview, at: str, next_review_on: date, seq: int
) -> LineChange:
    return LineChange(
        review.review_id,
        REVIEW,
        at,
        line.status,
        line.status,
        review.limit_before_fen,
        review.limit_fen,
        review.apr_before,
        review.apr,
        review.grade_before,
        review.grade,
        review.reasons,
        review.on,
        next_review_on,
        seq,
    )


def validate_at(at: str) -> None:
    """`at` orders the history: an ISO timestamp (`clock.utc_now_iso()`)."""
    try:
        if "#" in at:
            raise ValueError(at)
        parse_iso(at)
    except (ValueError, TypeError, AttributeError):
        raise Unprocessable(f"at must be an ISO timestamp, not {at!r}", field="at") from None


def validate_status(status: str, reason: str, change_id: str) -> None:
    if status not in LINE_STATUSES:
        raise Unprocessable(f"status must be one of {', '.join(LINE_STATUSES)}", field="status")
    if not change_id or "#" in change_id:
        raise Unprocessable("a change id is required (and holds no '#')", field="changeId")
    if status != LINE_ACTIVE and not reason:
        raise Unprocessable(f"a line is {status} for a reason: give it", field="reason")


def validate_review(user_id: str, review: LineReview) -> None:
    """What a review may set, whoever computed it: the product's bounds."""
    if review.user_id != user_id:
        raise Unprocessable(f"review {review.review_id} is not of user {user_id}")
    if not MIN_LIMIT_FEN <= review.limit_fen <= MAX_LIMIT_FEN:
        raise Unprocessable(f"limit must be {MIN_LIMIT_FEN}-{MAX_LIMIT_FEN} fen", field="limit")
    if not MIN_APR <= review.apr <= MAX_APR:
        raise Unprocessable(f"APR for new draws must be {MIN_APR}-{MAX_APR}", field="apr")


# Cursors are the position of the last item a page returned, opaque to the client.
_POSITION = re.compile(r"^[0-9]{10}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,600}$")


def cursor_for(position: str) -> str:
    return base64.urlsafe_b64encode(position.encode()).decode().rstrip("=")


def position_of(cursor: str) -> str:
    """The position a history cursor stands for; InvalidRequest (field `cursor`) for anything
    `cursor_for` cannot have made."""
    bad = InvalidRequest("cursor is not a token this API handed out", field="cursor")
    if not _TOKEN.fullmatch(cursor):
        raise bad
    try:
        pos = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise bad from None
    if not _POSITION.fullmatch(pos):
        raise bad
    return pos


def validate_page(limit: int, cursor: str | None) -> str | None:
    """The position to read before (None: the newest page); InvalidRequest naming the bad one."""
    if type(limit) is not int or not 1 <= limit <= MAX_HISTORY_PAGE:
        raise InvalidRequest(
            f"limit must be a whole number from 1 to {MAX_HISTORY_PAGE}", field="limit"
        )
    return position_of(cursor) if cursor is not None else None


def validate_line_terms(limit_fen: int, apr: Decimal | str) -> Decimal:
    if type(limit_fen) is not int or not MIN_LIMIT_FEN <= limit_fen <= MAX_LIMIT_FEN:
        raise Unprocessable(f"limit must be {MIN_LIMIT_FEN}-{MAX_LIMIT_FEN} fen", field="limit")
    try:
        return parse_apr(apr)
    except ValueError as exc:
        raise Unprocessable(str(exc), field="apr") from exc


def validate_amount(amount_fen: int) -> None:
    if type(amount_fen) is not int or amount_fen <= 0:
        raise Unprocessable("amount must be a positive integer of fen", field="amount")


class CreditLines(Protocol):
    def open_line(
        self,
        user_id: str,
        limit_fen: int,
        apr: Decimal | str,
        grade: str,
        application_id: str,
        opened_on: date | None = None,
    ) -> CreditLine: ...

    def reserve(self, user_id: str, loan_id: str, amount_fen: int) -> None: ...

    def release(self, user_id: str, loan_id: str) -> CreditLine: ...

    def restore(self, user_id: str, amount_fen: int, key: str, loan_id: str = "") -> CreditLine: ...

    def change_limit(self, user_id: str, new_limit_fen: int, review_id: str) -> CreditLine: ...

    def set_status(
        self,
        user_id: str,
        status: str,
        reason: str,
        at: str,
        change_id: str,
        on: date | None = None,
    ) -> bool: ...

    def apply_review(self, user_id: str, review: LineReview, at: str) -> bool: ...

    def history(self, user_id: str, limit: int, cursor: str | None) -> HistoryPage: ...

    def get_line(self, user_id: str) -> CreditLine | None: ...

    def lines_to_close(self, day: date, since: date) -> list[str]:
        """The users whose line the close of business of `day` serves: every FROZEN line (a
        cure may thaw it) and every line whose next review date is in [since, day] (a night
        that failed is caught up by the next). Sorted; a user listed whose review has been
        applied meanwhile is harmless (LineServicing checks the date again)."""
        ...

    def entries(self, user_id: str) -> list[JournalEntry]: ...
