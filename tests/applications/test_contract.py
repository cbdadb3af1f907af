"""One suite, two adapters: the in-memory fake and DynamoDB (moto) must behave the same."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from chalicelib.applications.dynamo import DynamoApplicationRepository
from chalicelib.applications.memory import InMemoryApplicationRepository
from chalicelib.applications.port import (
    ApplicantPii,
    Application,
    Consent,
    Device,
    LatestMoved,
    Location,
    Offer,
    Profile,
    Review,
    ScoreRecord,
    Status,
)
from chalicelib.bureau.sandbox import sandbox_report
from chalicelib.errors import Conflict
from chalicelib.ids import new_id
from chalicelib.reasons import Reason
from chalicelib.scoring.dynamo import DynamoScoredInputs


@pytest.fixture(params=["memory", "dynamodb"])
def repo(request: pytest.FixtureRequest):
    if request.param == "memory":
        return InMemoryApplicationRepository()
    return DynamoApplicationRepository(request.getfixturevalue("dynamodb_table"))


PROFILE = Profile("employed", 5, 1_200_000, "rent", 1, "北京", 3, "none")


def make_app(
    user: str = "u1", created: str = "2026-01-01T00:00:00.000Z"
) -> tuple[Application, ApplicantPii]:
    app_id = new_id("app")
    app = Application(
        application_id=app_id,
        user_id=user,
        document_id=new_id("doc"),
        status=Status.PENDING,
        amount_fen=500_000,
        term_months=12,
        purpose="consumption",
        profile=PROFILE,
        device=Device("dev-1", "10.0.0.1"),
        location=Location(Decimal("39.9"), Decimal("116.4")),
        consent=Consent("v1", created),
        created_at=created,
        updated_at=created,
    )
    card = {"name": "张三", "id_number": "11010519900307001X", "name_confidence": "0.9900"}
    return app, ApplicantPii(app_id, "张三", "11010519900307001X", "13800138000", card)


def test_create_then_read_back(repo) -> None:
    app, pii = make_app()
    repo.create(app, pii)
    assert repo.get(app.application_id) == app
    got = repo.get_for_step(app.application_id)
    assert got is not None and got[0] == app and got[1] == pii and got[2].score is None
    assert "张三" not in repr(got[1])
    assert repo.get_for_step("app_missing") is None and repo.get("app_missing") is None


def test_an_application_without_location_reads_back_without_one(repo) -> None:
    app, pii = make_app()
    app = Application(**{**app.__dict__, "location": None})
    repo.create(app, pii)
    assert repo.get(app.application_id).location is None


def test_create_twice_conflicts(repo) -> None:
    app, pii = make_app()
    repo.create(app, pii)
    with pytest.raises(Conflict) as refused:
        repo.create(app, pii, after=app.application_id)
    assert not isinstance(refused.value, LatestMoved)  # the id, not the user's latest


def test_listing_is_per_user_and_newest_first(repo) -> None:
    a, pa = make_app("u1", "2026-01-01T00:00:00.000Z")
    b, pb = make_app("u1", "2026-01-02T00:00:00.000Z")
    c, pc = make_app("u2")
    repo.create(a, pa)
    repo.create(b, pb, after=a.application_id)
    repo.create(c, pc)
    assert [x.application_id for x in repo.list_for_user("u1")] == [
        b.application_id,
        a.application_id,
    ]


def test_the_latest_application_moves_only_from_the_one_the_caller_saw(repo) -> None:
    # GIVEN a user whose latest application is `a`
    a, pa = make_app("u1", "2026-01-01T00:00:00.000Z")
    repo.create(a, pa)
    assert repo.latest_for_user("u1") == a.application_id and repo.latest_for_user("u2") is None
    # WHEN two submissions race, both having seen `a`
    b, pb = make_app("u1", "2026-01-02T00:00:00.000Z")
    c, pc = make_app("u1", "2026-01-02T00:00:00.000Z")
    repo.create(b, pb, after=a.application_id)
    # THEN the second is refused and nothing of it is written
    with pytest.raises(LatestMoved):
        repo.create(c, pc, after=a.application_id)
    with pytest.raises(LatestMoved):
        repo.create(c, pc)  # nor by one that saw no application at all
    assert repo.get(c.application_id) is None and repo.get_for_step(c.application_id) is None
    assert repo.latest_for_user("u1") == b.application_id


def test_status_moves_only_along_allowed_transitions_with_the_outcome(repo) -> None:
    app, pii = make_app()
    repo.create(app, pii)
    offer = Offer("B", "0.1200", "0.000333333", 2_000_000, "2026-02-01T00:00:00.000Z")
    trail = {"score": {"pd": 0.1234, "grade": "B"}, "decision": {"outcome": "APPROVE"}}
    repo.move(
        app.application_id, Status.APPROVED, "2026-01-01T00:00:01.000Z", offer=offer, trail=trail
    )
    moved = repo.get(app.application_id)
    assert moved.status is Status.APPROVED and moved.offer == offer and moved.trail == trail
    with pytest.raises(Conflict):
        repo.move(app.application_id, Status.DECLINED, "2026-01-01T00:00:02.000Z")


def test_declined_reasons_read_back_in_order(repo) -> None:
    app, pii = make_app()
    repo.create(app, pii)
    reasons = (Reason("B_CODE", "second"), Reason("A_CODE", "first"))
    repo.move(app.application_id, Status.DECLINED, "t", reasons=reasons)
    assert repo.get(app.application_id).reasons == reasons


def test_steps_are_recorded_replaced_on_retry_and_read_with_the_application(repo) -> None:
    app, pii = make_app()
    repo.create(app, pii)
    report = sandbox_report("11010519900307001X", app.application_id)
    score = ScoreRecord(0.2, 610, "C", (Reason("LOAN_AMOUNT", "t"),), dt.date(2026, 1, 1), {"x": 1})
    repo.record_step(app.application_id, "bureau", report)
    repo.record_step(app.application_id, "score", score)
    repo.record_step(app.application_id, "fraud", (Reason("FRAUD_VELOCITY", "too many"),))
    retried = ScoreRecord(0.25, 600, "C", score.reasons, score.day, {"x": 2})
    repo.record_step(app.application_id, "score", retried)  # a retried step replaces its result
    _, _, steps = repo.get_for_step(app.application_id)
    assert steps.bureau == report and steps.score == retried
    assert steps.fraud == (Reason("FRAUD_VELOCITY", "too many"),) and steps.identity == ()


def test_acceptance_happens_once_and_only_for_an_approved_application(repo) -> None:
    app, pii = make_app()
    repo.create(app, pii)
    with pytest.raises(Conflict):
        repo.mark_accepted(app.application_id, "t")  # not approved yet
    repo.move(
        app.application_id, Status.APPROVED, "t1", offer=Offer("B", "0.12", "0.0003", 100, "x")
    )
    repo.mark_accepted(app.application_id, "t2")
    assert repo.get(app.application_id).accepted_at == "t2"
    with pytest.raises(Conflict):
        repo.mark_accepted(app.application_id, "t3")


def test_reviews_open_list_and_close_once(repo) -> None:
    app, pii = make_app()
    repo.create(app, pii)
    review = Review(
        app.application_id,
        "token-1",
        "2026-01-01T00:00:00.000Z",
        (Reason("SCORE_BORDERLINE", "t"),),
    )
    repo.put_review(review)
    assert repo.list_reviews() == [review] and repo.get_review(app.application_id) == review
    assert "token-1" not in repr(review)
    closed = repo.close_review(app.application_id, "APPROVE", "t")
    assert (closed.state, closed.outcome, closed.closed_at) == ("CLOSED", "APPROVE", "t")
    assert repo.list_reviews() == []
    with pytest.raises(Conflict):
        repo.close_review(app.application_id, "DECLINE", "t")


def test_the_drift_check_reads_what_was_scored_by_day(dynamodb_table) -> None:
    # GIVEN two applications scored on consecutive days
    repo = DynamoApplicationRepository(dynamodb_table)
    day = dt.date(2026, 3, 1)
    for i in range(2):
        app, pii = make_app(f"u{i}")
        repo.create(app, pii)
        record = ScoreRecord(0.1, 650, "B", (), day + dt.timedelta(days=i), {"n": i, "f": 0.5})
        repo.record_step(app.application_id, "score", record)
    inputs = DynamoScoredInputs(dynamodb_table)
    # THEN the drift check finds each on its day, as the model saw it
    assert list(inputs.since(day, day)) == [{"f": 0.5, "n": 0}]
    assert sorted(f["n"] for f in inputs.since(day, day + dt.timedelta(days=1))) == [0, 1]
