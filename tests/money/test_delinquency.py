"""Delinquency: buckets, status and its changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.money.delinquency import (
    ACTIVE,
    BECAME_CLOSED,
    BECAME_OVERDUE,
    BECAME_WRITTEN_OFF,
    BUCKET_ORDER,
    CLOSED,
    CURED,
    OVERDUE,
    WRITTEN_OFF,
    bucket,
    standing,
    status_for,
    transition,
)
from chalicelib.money.servicing import book_payment, dpd_bucket, position
from tests.money.servicing_harness import make_loan


@pytest.mark.parametrize(
    "dpd,name",
    [
        *((0, "CURRENT"), (1, "M1"), (30, "M1"), (31, "M2"), (60, "M2"), (61, "M3")),
        *((90, "M3"), (91, "M4+"), (180, "M4+"), (10_000, "M4+")),
    ],
)
def test_buckets(dpd, name) -> None:
    assert bucket(dpd) == name


@given(st.integers(0, 1000), st.integers(0, 1000))
def test_buckets_follow_dpd_and_agree_with_the_servicing_ranges(a, b) -> None:
    lo, hi = sorted((a, b))
    assert BUCKET_ORDER.index(bucket(lo)) <= BUCKET_ORDER.index(bucket(hi))
    old = ("current", "1-30", "31-60", "61-90", "90+")
    assert BUCKET_ORDER.index(bucket(lo)) == old.index(dpd_bucket(lo))


def test_negative_dpd_is_a_bug() -> None:
    with pytest.raises(ValueError):
        bucket(-1)


def test_status_follows_the_position_and_write_off_is_final() -> None:
    loan = make_loan(600_000, "0.12", 3)
    due = loan.due_dates[0]
    assert status_for(ACTIVE, position(loan, due)) == ACTIVE
    assert status_for(ACTIVE, position(loan, due + timedelta(days=1))) == OVERDUE
    assert status_for(OVERDUE, position(loan, due + timedelta(days=179))) == OVERDUE
    assert status_for(OVERDUE, position(loan, due + timedelta(days=180))) == WRITTEN_OFF
    paid, _ = book_payment(loan, "all", due, position(loan, due).payoff_fen)
    assert status_for(OVERDUE, position(paid, due)) == CLOSED
    assert status_for(WRITTEN_OFF, position(paid, due)) == WRITTEN_OFF


def test_transitions_are_named() -> None:
    assert transition(ACTIVE, OVERDUE) == BECAME_OVERDUE
    assert transition(OVERDUE, ACTIVE) == CURED
    assert transition(OVERDUE, CLOSED) == transition(ACTIVE, CLOSED) == BECAME_CLOSED
    assert transition(OVERDUE, WRITTEN_OFF) == BECAME_WRITTEN_OFF
    assert transition(ACTIVE, ACTIVE) is None and transition(OVERDUE, OVERDUE) is None


def test_standing_record_carries_ids_free_figures_only() -> None:
    loan = make_loan()
    s = standing(ACTIVE, position(loan, loan.due_dates[0] + timedelta(days=3)))
    assert (s.status, s.dpd, s.bucket) == (OVERDUE, 3, "M1") and s.frozen_line
    assert s.as_record()["daysPastDue"] == 3 and s.as_record()["bucket"] == "M1"
