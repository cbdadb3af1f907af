"""Issue 13: repayments fired at once at one loan are each collected once and booked, every
time: none ends STUCK, none stays PENDING, the bank's transfers all show in the books."""

from __future__ import annotations

import pytest

from localcloud.client import RemoteCloud
from tests.workflow.contention import run_round

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(("n", "seed"), [(20, 1), (35, 2), (50, 3)])
def test_simultaneous_repayments_are_all_booked(cloud: RemoteCloud, n: int, seed: int) -> None:
    r = run_round(cloud, f"contention-{n}-{seed}", n, seed)
    # some were refused up front (their sum exceeds the payoff), none lost after admission
    assert r.answers[202] >= 2 and sum(r.answers.values()) == n, r.answers
    assert set(r.answers) <= {202, 409, 422}, r.answers
    assert r.ended.get("STUCK", 0) == 0 and r.ended.get("PENDING", 0) == 0, r.ended
    assert r.collected_fen == r.booked_fen > 0
    assert not r.unbooked and r.books_ok, r
