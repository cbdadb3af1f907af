"""Monthly line review and repricing: each rule, the bounds that always hold, review dates, and
behaviour measured from the borrower's loans."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.lines.freeze import LINE_ACTIVE, LINE_FROZEN
from chalicelib.lines.regrade import regrade
from chalicelib.lines.review import (
    Behaviour,
    LineTerms,
    behaviour_from_loans,
    is_review_day,
    months_between,
    next_review_date,
    review_line,
)
from chalicelib.money.delinquency import due_fen
from chalicelib.money.servicing import book_payment, position
from tests.money.servicing_harness import make_loan

APRS = {"A": Decimal("0.072"), "B": Decimal("0.108"), "C": Decimal("0.144"), "D": Decimal("0.1825")}
OPENED = date(2024, 1, 31)
ON = date(2025, 1, 31)


def apr_for(grade: str) -> Decimal:
    return APRS[grade]


def line(limit=1_000_000, apr="0.144", grade="C", status=LINE_ACTIVE) -> LineTerms:
    return LineTerms("user_1", limit, Decimal(apr), grade, status, OPENED)


def behaviour(**kw) -> Behaviour:
    base = dict(
        months_on_book=12,
        installments_due=10,
        installments_on_time=10,
        max_dpd=0,
        current_dpd=0,
        utilisation=Decimal("0.6"),
        drawn_fen=400_000,
        grade="C",
    )
    return Behaviour(**(base | kw))


def codes(r) -> tuple[str, ...]:
    return r.reason_codes


def test_on_time_and_used_raises_the_limit_by_the_grades_step_and_reprices() -> None:
    r = review_line(line(), behaviour(grade="B"), ON, apr_for)
    assert r.limit_fen == 1_150_000 and r.apr == Decimal("0.108")
    assert codes(r) == ("LIMIT_UP_ON_TIME", "APR_DOWN_REGRADE")
    assert r.review_id == "review-user_1-20250131"
    entry = r.history_entry()
    assert entry["limitBeforeFen"] == 1_000_000 and entry["limitFen"] == 1_150_000
    assert [n.kind for n in r.notifications()] == ["LIMIT_CHANGED", "APR_CHANGED"]


@pytest.mark.parametrize(
    "kw,limit,code",
    [
        (dict(max_dpd=75), 400_000, "LIMIT_CUT_SEVERE_LATE"),
        (dict(max_dpd=30), 500_000, "LIMIT_CUT_LATE_30"),
        (dict(max_dpd=3), 800_000, "LIMIT_CUT_LATE"),
        (dict(months_on_book=2), 1_000_000, "REVIEW_TOO_NEW"),
        (dict(installments_on_time=9), 1_000_000, "LIMIT_KEPT"),
        (dict(grade="D"), 1_000_000, "LIMIT_KEPT"),
        (dict(utilisation=Decimal("0.05"), drawn_fen=0), 900_000, "LIMIT_CUT_UNUSED"),
    ],
)
def test_each_rule(kw, limit, code) -> None:
    r = review_line(line(), behaviour(**kw), ON, apr_for)
    assert r.limit_fen == limit and codes(r)[0] == code


def test_three_months_on_book_and_three_installments_on_time_earn_the_first_raise() -> None:
    # the product's threshold (docs/risk.md): the third monthly review, not the sixth
    early = behaviour(months_on_book=3, installments_due=3, installments_on_time=3)
    assert review_line(line(), early, ON, apr_for).reason_codes[0] == "LIMIT_UP_ON_TIME"
    too_new = behaviour(months_on_book=2, installments_due=2, installments_on_time=2)
    assert review_line(line(), too_new, ON, apr_for).reason_codes[0] == "REVIEW_TOO_NEW"
    # three months on book with only two installments due (a draw a month after opening)
    two_due = behaviour(months_on_book=3, installments_due=2, installments_on_time=2)
    assert review_line(line(), two_due, ON, apr_for).reason_codes[0] == "LIMIT_KEPT"


def test_a_late_payment_cuts_once_at_the_first_review_after_it() -> None:
    first = review_line(line(), behaviour(max_dpd=12, since_review_dpd=12), ON, apr_for)
    assert first.reason_codes[0] == "LIMIT_CUT_LATE" and first.limit_fen == 800_000
    # a month later the window still holds it, nothing new since: kept, not cut again,
    # not raised, and the APR is not lowered
    held = behaviour(max_dpd=12, since_review_dpd=0, installments_on_time=9, grade="A")
    later = review_line(line(), held, ON, apr_for)
    assert later.limit_fen == 1_000_000 and later.reason_codes[0] == "LIMIT_KEPT"
    assert "APR_HELD_LATE" in later.reason_codes
    assert regrade("C", replace(held, grade="C")).grade == "C"
    assert regrade("C", behaviour(max_dpd=12, since_review_dpd=12)).grade == "D"
    with pytest.raises(ValueError):
        behaviour(max_dpd=3, since_review_dpd=4)


def test_an_overdue_borrower_or_a_frozen_line_is_not_reviewed() -> None:
    for ln, b in ((line(), behaviour(current_dpd=2)), (line(status=LINE_FROZEN), behaviour())):
        r = review_line(ln, b, ON, apr_for)
        assert (r.limit_fen, r.apr, r.grade) == (ln.limit_fen, ln.apr, ln.grade)
        assert codes(r) == ("REVIEW_DEFERRED_OVERDUE",) and r.notifications() == ()


def test_bounds_decide_and_say_so() -> None:
    top = review_line(line(19_000_000, grade="A"), behaviour(grade="A"), ON, apr_for)
    assert top.limit_fen == 20_000_000 and "LIMIT_AT_MAXIMUM" in codes(top)
    held = review_line(line(), behaviour(max_dpd=40, drawn_fen=900_000), ON, apr_for)
    assert held.limit_fen == 900_000 and "LIMIT_HELD_AT_BALANCE" in codes(held)
    # after a late payment the APR is not lowered, and a worse grade raises it
    late = review_line(line(), behaviour(max_dpd=2, grade="A"), ON, apr_for)
    assert late.apr == Decimal("0.144") and "APR_HELD_LATE" in codes(late)
    worse = review_line(line(), behaviour(max_dpd=2, grade="D"), ON, apr_for)
    assert worse.apr == Decimal("0.1825") and "APR_UP_REGRADE" in codes(worse)
    # an APR table outside the product's range is clamped into it
    r = review_line(line(), behaviour(), ON, lambda g: Decimal("0.30"))
    assert r.apr == Decimal("0.24")
    with pytest.raises(ValueError):
        review_line(line(), behaviour(drawn_fen=1_000_001), ON, apr_for)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(5_000, 20_000_000).flatmap(
        lambda lim: st.tuples(st.just(lim), st.integers(0, lim))
    ),
    st.integers(0, 60),
    st.integers(0, 36),
    st.integers(0, 200),
    st.integers(0, 3),
    st.decimals(0, 1, places=4),
    st.sampled_from(sorted(APRS)),
    st.sampled_from(sorted(APRS)),
)
def test_the_limit_stays_within_bounds_and_never_below_what_is_drawn(
    limit_drawn, months, due, max_dpd, current_dpd, used, grade, old_grade
) -> None:
    limit, drawn = limit_drawn
    b = Behaviour(months, due, due, max_dpd, current_dpd, used, drawn, grade)
    ln = line(limit, str(APRS[old_grade]), old_grade)
    r = review_line(ln, b, ON, apr_for)
    assert 5_000 <= r.limit_fen <= 20_000_000 and r.limit_fen >= drawn
    assert Decimal("0.072") <= r.apr <= Decimal("0.24")
    if r.limit_changed:
        assert r.limit_fen % 10_000 == 0 or r.limit_fen in (drawn, 5_000)
    first = codes(r)[0]
    if first == "LIMIT_UP_ON_TIME":
        assert r.limit_fen >= limit
    elif first.startswith("LIMIT_CUT"):
        assert r.limit_fen <= limit
    if max_dpd:
        assert (r.limit_fen <= limit and r.apr >= ln.apr) or first == "REVIEW_DEFERRED_OVERDUE"
    assert review_line(ln, b, ON, apr_for) == r  # deterministic: a re-run decides the same


def test_review_days_are_monthly_on_the_opening_day_clamped_to_month_end() -> None:
    assert is_review_day(OPENED, date(2024, 2, 29)) and is_review_day(OPENED, date(2024, 3, 31))
    assert not is_review_day(OPENED, date(2024, 3, 29)) and not is_review_day(OPENED, OPENED)
    assert next_review_date(OPENED, OPENED) == date(2024, 2, 29)
    assert next_review_date(OPENED, date(2024, 2, 29)) == date(2024, 3, 31)
    assert months_between(OPENED, date(2024, 2, 28)) == 0
    assert months_between(OPENED, date(2025, 1, 31)) == 12


def test_behaviour_is_measured_from_the_loans() -> None:
    loan = make_loan(600_000, "0.144", 12, start=OPENED)
    # six installments paid on their due dates, the seventh ten days late
    for i in range(6):
        d = loan.due_dates[i]
        loan, _ = book_payment(loan, f"r{i}", d, due_fen(position(loan, d)))
    late = loan.due_dates[6] + timedelta(days=10)
    pos = position(loan, late)
    loan, _ = book_payment(loan, "late", late, due_fen(pos))
    on = loan.due_dates[7] - timedelta(days=1)
    b = behaviour_from_loans([loan], line(1_000_000), 500_000, on, "C")
    assert (b.installments_due, b.installments_on_time) == (7, 6)
    assert (b.max_dpd, b.current_dpd) == (10, 0)
    assert b.months_on_book == months_between(OPENED, on) == 7
    assert Decimal("0.3") < b.utilisation < Decimal("0.6")
    r = review_line(line(1_000_000), b, on, apr_for)
    assert codes(r)[0] == "LIMIT_CUT_LATE" and r.limit_fen == 800_000
