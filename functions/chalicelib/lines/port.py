"""The credit line port. Both adapters obey one contract (tests/money/test_lines_contract.py).

A line is the record PK `USER#{userId}` SK `LINE`. Invariant: available + drawn == limit.
Every change is one balanced journal entry written atomically with the line (see ledger/).

- open_line(user_id, limit_fen, apr, grade, application_id) -> CreditLine
    idempotent on application_id; Conflict if the user has a line from another application;
    Unprocessable if the limit is outside ¥50-¥200,000 or the APR outside 0-24%.
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
- get_line(user_id) -> CreditLine | None
- entries(user_id) -> list[JournalEntry]: the line's journal (for checks and tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from chalicelib.errors import Unprocessable
from chalicelib.ledger.entries import JournalEntry
from chalicelib.money.schedule import parse_apr

MIN_LIMIT_FEN = 5_000  # ¥50
MAX_LIMIT_FEN = 20_000_000  # ¥200,000
ACTIVE = "ACTIVE"


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
        self, user_id: str, limit_fen: int, apr: Decimal | str, grade: str, application_id: str
    ) -> CreditLine: ...

    def reserve(self, user_id: str, loan_id: str, amount_fen: int) -> None: ...

    def release(self, user_id: str, loan_id: str) -> CreditLine: ...

    def restore(self, user_id: str, amount_fen: int, key: str, loan_id: str = "") -> CreditLine: ...

    def change_limit(self, user_id: str, new_limit_fen: int, review_id: str) -> CreditLine: ...

    def get_line(self, user_id: str) -> CreditLine | None: ...

    def entries(self, user_id: str) -> list[JournalEntry]: ...
