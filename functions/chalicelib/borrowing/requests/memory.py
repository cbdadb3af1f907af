"""Draw and repayment requests in memory: the DynamoDB adapter's contract, for fast tests."""

from __future__ import annotations

import threading
from dataclasses import replace

from ...errors import Conflict
from .port import PENDING, Draw, Repayment
from .records import draw_from_item, draw_item, repayment_from_item, repayment_item


class InMemoryMoneyRequests:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._draws: dict[str, Draw] = {}
        self._repayments: dict[tuple[str, str], Repayment] = {}

    def add_draw(self, draw: Draw) -> None:
        with self._lock:
            if draw.loan_id in self._draws:
                raise Conflict(f"loan {draw.loan_id} exists already")
            # as the DynamoDB item reads back (updatedAt starts as createdAt)
            self._draws[draw.loan_id] = draw_from_item(draw_item(draw))

    def get_draw(self, loan_id: str) -> Draw | None:
        return self._draws.get(loan_id)

    def draws_for_user(self, user_id: str) -> list[Draw]:
        return sorted(
            (d for d in self._draws.values() if d.user_id == user_id),
            key=lambda d: (d.created_at, d.loan_id),
        )

    def end_draw(
        self, loan_id: str, status: str, failure: str | None, at: str, from_status: str = PENDING
    ) -> Draw:
        with self._lock:
            d = self._draws.get(loan_id)
            if d is None:
                raise Conflict(f"no request for loan {loan_id}")
            if d.status == from_status:
                d = self._draws[loan_id] = replace(d, status=status, failure=failure, updated_at=at)
            return d

    def add_repayment(self, repayment: Repayment) -> None:
        key = (repayment.loan_id, repayment.repayment_id)
        with self._lock:
            if key in self._repayments:
                raise Conflict(f"repayment {repayment.repayment_id} exists already")
            self._repayments[key] = repayment_from_item(repayment_item(repayment))

    def get_repayment(self, loan_id: str, repayment_id: str) -> Repayment | None:
        return self._repayments.get((loan_id, repayment_id))

    def repayments(self, loan_id: str) -> list[Repayment]:
        return sorted(
            (r for (lid, _), r in self._repayments.items() if lid == loan_id),
            key=lambda r: (r.created_at, r.repayment_id),
        )

    def end_repayment(
        self,
        loan_id: str,
        repayment_id: str,
        status: str,
        failure: str | None,
        at: str,
        from_status: str = PENDING,
    ) -> Repayment:
        with self._lock:
            r = self._repayments.get((loan_id, repayment_id))
            if r is None:
                raise Conflict(f"no request {repayment_id}")
            if r.status == from_status:
                r = self._repayments[(loan_id, repayment_id)] = replace(
                    r, status=status, failure=failure, updated_at=at
                )
            return r
