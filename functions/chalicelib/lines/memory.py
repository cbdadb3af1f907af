"""In-memory credit lines: the fake the unit tests and the services' fast tests run against."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from chalicelib.clock import business_date_at, utc_now_iso
from chalicelib.errors import Conflict, NotFound, Unprocessable
from chalicelib.ledger import entries as le
from chalicelib.ledger.records import entry_item
from chalicelib.lines.freeze import LINE_FROZEN
from chalicelib.lines.port import (
    ACTIVE,
    CreditLine,
    HistoryPage,
    LineChange,
    cursor_for,
    new_line,
    opening,
    reviewed,
    status_change,
    validate_amount,
    validate_at,
    validate_line_terms,
    validate_page,
    validate_review,
    validate_status,
)
from chalicelib.lines.records import claim_key, history_item, line_item
from chalicelib.lines.review import next_review_date

if TYPE_CHECKING:
    from chalicelib.lines.review import LineReview


class InMemoryCreditLines:
    def __init__(self, clock: Callable[[], str] = utc_now_iso) -> None:
        self._clock = clock
        self._lock = threading.RLock()
        self._lines: dict[str, CreditLine] = {}
        self._entries: dict[tuple[str, str], le.JournalEntry] = {}
        self._history: dict[str, list[LineChange]] = {}
        self._claims: dict[tuple[str, str], str] = {}  # (user, change id) -> at

    def _post(self, e: le.JournalEntry) -> bool:
        k = (e.owner, e.key)
        if k in self._entries:
            return False
        self._entries[k] = e
        return True

    def _line(self, user_id: str) -> CreditLine:
        line = self._lines.get(user_id)
        if line is None:
            raise NotFound(f"user {user_id} has no credit line")
        return line

    def open_line(
        self,
        user_id: str,
        limit_fen: int,
        apr: Decimal | str,
        grade: str,
        application_id: str,
        opened_on: date | None = None,
    ) -> CreditLine:
        apr = validate_line_terms(limit_fen, apr)
        with self._lock:
            line = self._lines.get(user_id)
            if line is not None:
                if line.application_id == application_id:
                    return line
                raise Conflict(
                    f"user {user_id} already has a line (application {line.application_id})"
                )
            at = self._clock()
            day = opened_on or business_date_at(at)
            line = new_line(user_id, limit_fen, apr, grade, application_id, day)
            self._post(le.open_line_entry(user_id, application_id, limit_fen, at))
            self._history.setdefault(user_id, []).append(opening(line, at))
            self._lines[user_id] = line
            return line

    def reserve(self, user_id: str, loan_id: str, amount_fen: int) -> None:
        validate_amount(amount_fen)
        with self._lock:
            line = self._line(user_id)
            e = le.reserve_entry(user_id, loan_id, amount_fen, self._clock())
            prior = self._entries.get((e.owner, e.key))
            if prior is not None:
                if prior.debits != amount_fen:
                    raise Conflict(f"loan {loan_id} reserved a different amount")
                return
            if line.status != ACTIVE:
                raise Unprocessable(f"line of {user_id} is {line.status}")
            if line.available_fen < amount_fen:
                raise Unprocessable(
                    f"insufficient available credit: {line.available_fen} < {amount_fen} fen",
                    field="amount",
                )
            self._post(e)
            line = replace(
                line,
                available_fen=line.available_fen - amount_fen,
                drawn_fen=line.drawn_fen + amount_fen,
                version=line.version + 1,
            )
            self._lines[user_id] = line

    def release(self, user_id: str, loan_id: str) -> CreditLine:
        with self._lock:
            line = self._line(user_id)
            reserved = self._entries.get((f"USER#{user_id}", f"line-reserve:{loan_id}"))
            if reserved is None:
                return line
            if not self._post(le.release_entry(user_id, loan_id, reserved.debits, self._clock())):
                return line
            line = replace(
                line,
                available_fen=line.available_fen + reserved.debits,
                drawn_fen=line.drawn_fen - reserved.debits,
                version=line.version + 1,
            )
            self._lines[user_id] = line
            return line

    def restore(self, user_id: str, amount_fen: int, key: str, loan_id: str = "") -> CreditLine:
        validate_amount(amount_fen)
        with self._lock:
            line = self._line(user_id)
            e = le.restore_entry(user_id, key, amount_fen, self._clock(), loan_id)
            if (e.owner, e.key) in self._entries:
                return line
            if line.drawn_fen < amount_fen:
                raise Unprocessable(f"cannot restore {amount_fen} fen: only {line.drawn_fen} drawn")
            self._post(e)
            line = replace(
                line,
                available_fen=line.available_fen + amount_fen,
                drawn_fen=line.drawn_fen - amount_fen,
                version=line.version + 1,
            )
            self._lines[user_id] = line
            return line

    def change_limit(self, user_id: str, new_limit_fen: int, review_id: str) -> CreditLine:
        with self._lock:
            line = self._line(user_id)
            validate_line_terms(new_limit_fen, line.apr)
            if (f"USER#{user_id}", f"line-limit:{review_id}") in self._entries:
                return line
            delta = new_limit_fen - line.limit_fen
            if new_limit_fen < line.drawn_fen:
                raise Unprocessable(
                    f"new limit {new_limit_fen} is below the drawn {line.drawn_fen}"
                )
            if delta:
                self._post(le.change_limit_entry(user_id, review_id, delta, self._clock()))
            line = replace(
                line,
                limit_fen=new_limit_fen,
                available_fen=new_limit_fen - line.drawn_fen,
                version=line.version + 1,
            )
            self._lines[user_id] = line
            return line

    def lines_to_close(self, day: date, since: date) -> list[str]:
        with self._lock:
            return sorted(
                u
                for u, line in self._lines.items()
                if line.status == LINE_FROZEN
                or (line.next_review_on is not None and since <= line.next_review_on <= day)
            )

    def set_status(
        self,
        user_id: str,
        status: str,
        reason: str,
        at: str,
        change_id: str,
        on: date | None = None,
    ) -> bool:
        validate_status(status, reason, change_id)
        validate_at(at)
        with self._lock:
            line = self._line(user_id)
            if (user_id, change_id) in self._claims or line.status == status:
                return False
            self._claims[(user_id, change_id)] = at
            history = self._history.setdefault(user_id, [])
            history.append(status_change(line, status, reason, at, change_id, len(history) + 1, on))
            self._lines[user_id] = replace(
                line, status=status, status_reason=reason, version=line.version + 1
            )
            return True

    def apply_review(self, user_id: str, review: LineReview, at: str) -> bool:
        validate_review(user_id, review)
        validate_at(at)
        with self._lock:
            line = self._line(user_id)
            if (user_id, review.review_id) in self._claims:
                return False
            if (line.limit_fen, line.apr) != (review.limit_before_fen, review.apr_before):
                raise Conflict(
                    f"line of {user_id} changed since review {review.review_id} was computed"
                )
            if line.drawn_fen > review.limit_fen:
                raise Conflict(
                    f"line of {user_id} has {line.drawn_fen} fen drawn, more than the reviewed "
                    f"limit {review.limit_fen}; review {review.review_id} not applied"
                )
            next_on = next_review_date(line.opened_on or review.on, review.on)
            delta = review.limit_fen - review.limit_before_fen
            if delta:
                self._post(le.change_limit_entry(user_id, review.review_id, delta, at))
            self._claims[(user_id, review.review_id)] = at
            history = self._history.setdefault(user_id, [])
            history.append(reviewed(line, review, at, next_on, len(history) + 1))
            self._lines[user_id] = replace(
                line,
                limit_fen=review.limit_fen,
                available_fen=review.limit_fen - line.drawn_fen,
                apr=review.apr,
                grade=review.grade,
                last_reviewed_on=review.on,
                next_review_on=next_on,
                version=line.version + 1,
            )
            return True

    def history(self, user_id: str, limit: int, cursor: str | None) -> HistoryPage:
        before = validate_page(limit, cursor)
        with self._lock:
            newest = sorted(self._history.get(user_id, ()), key=lambda c: c.position, reverse=True)
        if before is not None:
            newest = [c for c in newest if c.position < before]
        page = tuple(newest[:limit])
        more = len(newest) > limit
        return HistoryPage(page, cursor_for(page[-1].position) if more else None)

    def get_line(self, user_id: str) -> CreditLine | None:
        with self._lock:
            return self._lines.get(user_id)

    def items(self) -> list[dict[str, Any]]:
        """Everything as the DynamoDB items it would be, for `check_ledger_items`."""
        with self._lock:
            out = [line_item(x, "", len(self._history.get(u, ()))) for u, x in self._lines.items()]
            out += [entry_item(e) for e in self._entries.values()]
            out += [history_item(u, c) for u, cs in self._history.items() for c in cs]
            out += [
                {**claim_key(u, cid), "changeId": cid, "at": at}
                for (u, cid), at in self._claims.items()
            ]
            return out

    def entries(self, user_id: str) -> list[le.JournalEntry]:
        with self._lock:
            return [e for (owner, _), e in self._entries.items() if owner == f"USER#{user_id}"]
