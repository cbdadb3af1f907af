"""The COB summary adds up across loans and batches, and a catch-up reports what the days did."""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.money.cob_summary import CobSummary, of_close, of_outcome, summarise_day
from chalicelib.money.collections import CollectionOrder, CollectionOutcome
from chalicelib.money.day_close import LoanState, close_through
from tests.money.servicing_harness import AT, START, make_loan

summaries = st.builds(CobSummary, **{f.name: st.integers(0, 10**6) for f in fields(CobSummary)})


@given(summaries, summaries, summaries)
def test_summaries_add_in_any_order_and_grouping(a, b, c) -> None:
    assert (a + b) + c == a + (b + c) == c + (b + a)
    assert CobSummary.from_dict(a.as_dict()) == a


def test_a_catch_up_counts_what_its_days_did() -> None:
    loan = make_loan(600_000, "0.12", 3)
    state = LoanState("loan_1", "user_1", loan)
    through = loan.due_dates[0] + timedelta(days=200)
    caught_up = of_close(close_through(state, through, AT))
    daily = CobSummary()
    for i in range((through - START).days + 1):
        c = close_through(state, START + timedelta(days=i), AT)
        daily = daily + of_close(c)
        state = c.state
    assert caught_up.processed == 1 and daily.processed == (through - START).days + 1
    for name in ("accrued_interest_fen", "accrued_penalty_fen", "billed", "billed_fen"):
        assert getattr(caught_up, name) == getattr(daily, name)
    for name in ("newly_overdue", "written_off", "written_off_fen", "days_closed"):
        assert getattr(caught_up, name) == getattr(daily, name)
    assert caught_up.newly_overdue == caught_up.written_off == 1 and caught_up.billed == 3
    assert of_close(close_through(state, through, AT)) == CobSummary(already_closed=1)
    out = summarise_day(through, [close_through(state, through, AT)])
    assert out["businessDate"] == through.isoformat() and out["alreadyClosed"] == 1


def test_outcomes() -> None:
    order = CollectionOrder("loan_1", "user_1", START, 0, 1_000)
    assert of_outcome(CollectionOutcome(order, 1_000)) == CobSummary(
        collected=1, collected_fen=1_000
    )
    assert of_outcome(CollectionOutcome(order, 400)) == CobSummary(partial=1, collected_fen=400)
    assert of_outcome(CollectionOutcome(order, 0)) == CobSummary(failed=1)
