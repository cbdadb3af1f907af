"""In-memory loans: the fake the services' fast tests run against. Same contract as DynamoLoans."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

from chalicelib.errors import Conflict, NotFound
from chalicelib.ledger import entries as le
from chalicelib.ledger.records import entry_item
from chalicelib.loans import posting
from chalicelib.loans.port import (
    DISBURSED,
    PENDING,
    REPAYABLE,
    SERVICED,
    VOID,
    Booking,
    LoanRecord,
)
from chalicelib.loans.records import loan_item, open_loan_marker_item
from chalicelib.money.servicing import Payment


class InMemoryLoans:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._loans: dict[str, LoanRecord] = {}
        self._entries: dict[str, list[le.JournalEntry]] = {}

    def create(self, loan: LoanRecord) -> LoanRecord:
        with self._lock:
            existing = self._loans.get(loan.loan_id)
            if existing is not None:
                if existing.terms() != loan.terms():
                    raise Conflict(f"loan {loan.loan_id} exists with other terms")
                return existing
            self._loans[loan.loan_id] = loan
            return loan

    def get(self, loan_id: str) -> LoanRecord:
        with self._lock:
            loan = self._loans.get(loan_id)
            if loan is None:
                raise NotFound(f"loan {loan_id} not found")
            return loan

    def _book(self, booked: Booking) -> LoanRecord:
        self._entries.setdefault(booked.loan.loan_id, []).extend(booked.entries)
        self._loans[booked.loan.loan_id] = booked.loan
        return booked.loan

    def disburse(self, loan_id: str, at: str) -> LoanRecord:
        with self._lock:
            loan = self.get(loan_id)
            if loan.status in DISBURSED:
                return loan
            return self._book(posting.disburse(loan, at))

    def void(self, loan_id: str, at: str) -> LoanRecord:
        with self._lock:
            loan = self.get(loan_id)
            if loan.status == VOID:
                return loan
            if loan.status != PENDING:
                raise Conflict(
                    f"loan {loan_id} is {loan.status}; only a pending loan can be voided"
                )
            loan = replace(loan, status=VOID, version=loan.version + 1)
            self._loans[loan_id] = loan
            return loan

    def post_repayment(
        self, loan_id: str, payment: Payment, expected_version: int, at: str
    ) -> LoanRecord:
        with self._lock:
            loan = self.get(loan_id)
            if loan.payment(payment.key) is not None:
                return loan
            if loan.version != expected_version:
                raise Conflict(f"loan {loan_id} changed while posting repayment {payment.key}")
            return self._book(posting.post_repayment(loan, payment, at))

    def reserve_repayment(
        self,
        loan_id: str,
        repayment_id: str,
        amount_fen: int,
        max_reserved_before_fen: int,
        expected_version: int,
    ) -> LoanRecord:
        with self._lock:
            loan = self.get(loan_id)
            if loan.reservation(repayment_id) is not None:
                return loan
            if (
                loan.status not in REPAYABLE
                or loan.version != expected_version
                or loan.reserved_fen > max_reserved_before_fen
            ):
                raise Conflict(f"loan {loan_id} changed while reserving repayment {repayment_id}")
            loan = replace(
                loan, reservations=tuple(sorted((*loan.reservations, (repayment_id, amount_fen))))
            )
            self._loans[loan_id] = loan
            return loan

    def release_repayment(self, loan_id: str, repayment_id: str) -> LoanRecord:
        with self._lock:
            loan = self.get(loan_id)
            if loan.reservation(repayment_id) is None:
                return loan
            loan = replace(
                loan, reservations=tuple(r for r in loan.reservations if r[0] != repayment_id)
            )
            self._loans[loan_id] = loan
            return loan

    def for_user(self, user_id: str) -> list[LoanRecord]:
        with self._lock:
            return sorted(
                (x for x in self._loans.values() if x.user_id == user_id),
                key=lambda x: (x.created_at, x.loan_id),
            )

    def entries(self, loan_id: str) -> list[le.JournalEntry]:
        with self._lock:
            return list(self._entries.get(loan_id, []))

    def open_loan_ids(self) -> Iterator[str]:
        with self._lock:
            ids = [x.loan_id for x in self._loans.values() if x.status in SERVICED]
        return iter(ids)

    def get_many(self, loan_ids: Sequence[str]) -> dict[str, LoanRecord]:
        with self._lock:
            return {i: self._loans[i] for i in loan_ids if i in self._loans}

    def book_close(self, before: LoanRecord, booking: Booking, at: str) -> LoanRecord:
        with self._lock:
            if self.get(before.loan_id).version != before.version:
                raise Conflict(f"loan {before.loan_id} changed while it was being closed")
            keys = {e.key for e in self._entries.get(before.loan_id, [])}
            if any(e.key in keys for e in booking.entries):
                raise Conflict(f"loan {before.loan_id}: an entry of this close is booked already")
            return self._book(booking)

    def items(self) -> list[dict[str, Any]]:
        """Everything as the DynamoDB items it would be, for `check_ledger_items`."""
        with self._lock:
            out = [loan_item(x) for x in self._loans.values()]
            out += [
                open_loan_marker_item(x.loan_id)
                for x in self._loans.values()
                if x.status in SERVICED
            ]
            out += [entry_item(e) for es in self._entries.values() for e in es]
            return out
