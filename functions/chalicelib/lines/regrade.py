"""The review's re-score, pure: a borrower's grade moved by how they have repaid.

The scoring store keeps what each application was scored on; nothing scores a borrower again
from their behaviour on the book (that model needs repayment outcomes we do not have yet). So
the review re-grades by rule, from the same `Behaviour` it reviews, first match wins:

| behaviour                                        | grade           | reason code     |
|--------------------------------------------------|-----------------|-----------------|
| worst DPD since the last review >= 30            | two steps worse | REGRADE_LATE_30 |
| worst DPD since the last review >= 1             | one step worse  | REGRADE_LATE    |
| >= 6 months, >= 6 due in the window, all on time | one step better | REGRADE_ON_TIME |
| otherwise                                        | unchanged       |                 |

A late payment moves the grade once, at the first review after it (`Behaviour.new_max_dpd`),
as it cuts the limit once; it bars the step back up for the whole window (not all on time).

Grades run A (cheapest) to E and never leave that range. The grade's APR (pricing's rate
steps) becomes the line's APR for new draws through `review_line`, which also holds the APR
after a late payment (it never falls then).
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.lines.review import Behaviour
from chalicelib.pricing_model import GRADES
from chalicelib.reasons import Reason


@dataclass(frozen=True)
class RegradePolicy:
    serious_dpd: int = 30
    serious_steps: int = 2
    late_dpd: int = 1
    min_months: int = 6
    min_installments: int = 6


DEFAULT_REGRADE_POLICY = RegradePolicy()


@dataclass(frozen=True)
class Regrade:
    grade: str
    reason: Reason | None  # None when the grade stays


def regrade(
    grade: str, behaviour: Behaviour, policy: RegradePolicy = DEFAULT_REGRADE_POLICY
) -> Regrade:
    """The grade the review prices new draws at (see the module's table)."""
    if grade not in GRADES:
        raise ValueError(f"unknown grade {grade!r}; expected one of {GRADES}")
    b, p = behaviour, policy
    at = GRADES.index(grade)

    def moved(steps: int, code: str, text: str) -> Regrade:
        new = GRADES[min(max(at + steps, 0), len(GRADES) - 1)]
        return Regrade(new, Reason(code, text) if new != grade else None)

    late = b.new_max_dpd
    if late >= p.serious_dpd:
        return moved(p.serious_steps, "REGRADE_LATE_30", f"A payment was {late} days late.")
    if late >= p.late_dpd:
        return moved(1, "REGRADE_LATE", f"A payment was {late} days late.")
    if (
        b.months_on_book >= p.min_months
        and b.installments_due >= p.min_installments
        and b.installments_on_time == b.installments_due
    ):
        return moved(
            -1,
            "REGRADE_ON_TIME",
            f"All {b.installments_due} installments were paid on time.",
        )
    return Regrade(grade, None)


__all__ = ["DEFAULT_REGRADE_POLICY", "Regrade", "RegradePolicy", "regrade"]
