"""One decision, one business date: Verify Identity reads the clock and hands the date on in
the workflow's state; Score judges the applicant's age as of that same day."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from chalicelib.applications.memory import InMemoryApplicationRepository
from chalicelib.kyc.idnumber import make_id_number
from chalicelib.origination.handoffs import FraudCheck, IdentityCheck, OriginationState
from chalicelib.scoring.scorer import Scorer
from tests.origination.builders import APP_ID, an_application, pii, steps_over_memory

ROOT = Path(__file__).resolve().parents[2]
VERIFIED_ON = dt.date(2026, 11, 30)
# Born the day after the decision's date, 30 years before: 29 on that day, 30 the next.
ID_NUMBER = make_id_number("110105", dt.date(1996, 12, 1), 10)


class Clock:
    def __init__(self, day: dt.date) -> None:
        self.day = day
        self.reads = 0

    def __call__(self) -> dt.date:
        self.reads += 1
        return self.day


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer.load(ROOT / "models" / "german")


def score(scorer: Scorer, identity: IdentityCheck, clock: Clock) -> dict[str, object]:
    apps = InMemoryApplicationRepository()
    steps = steps_over_memory(apps, scorer, today=clock)
    apps.create(an_application(), pii(ID_NUMBER))
    state = OriginationState(
        applicationId=APP_ID, identity=identity, fraud=FraudCheck(decline=False, review=False)
    )
    state = state.model_copy(update={"bureau": steps.pull_credit_report(state)})
    steps.score_application(state)
    found = apps.get_for_step(APP_ID)
    assert found is not None and found[2].score is not None
    return dict(found[2].score.features)


def test_score_judges_age_on_the_date_identity_was_verified(scorer: Scorer) -> None:
    # the business date moved on (midnight passed) between Verify Identity and Score
    clock = Clock(VERIFIED_ON + dt.timedelta(days=1))
    features = score(scorer, IdentityCheck(passed=True, asOf=VERIFIED_ON), clock)
    assert features["age.in.years"] == 29  # as of the decision's date, not 30 as of the clock's
    assert clock.reads == 0


def test_a_state_without_the_date_reads_the_clock(scorer: Scorer) -> None:
    # an execution started before the date travelled in the state
    clock = Clock(VERIFIED_ON + dt.timedelta(days=1))
    features = score(scorer, IdentityCheck(passed=True), clock)
    assert features["age.in.years"] == 30
    assert clock.reads == 1
