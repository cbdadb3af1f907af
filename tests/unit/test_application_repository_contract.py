"""One suite, two adapters: the in-memory fake and DynamoDB (moto) must behave the same."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.applications.records import ApplicantPii, Application, Offer, Status
from chalicelib.applications.repository import (
    DynamoApplicationRepository,
    InMemoryApplicationRepository,
)
from chalicelib.errors import Conflict
from chalicelib.ids import new_id


@pytest.fixture(params=["memory", "dynamodb"])
def repo(request: pytest.FixtureRequest):
    if request.param == "memory":
        return InMemoryApplicationRepository()
    return DynamoApplicationRepository(request.getfixturevalue("dynamodb_table"))


def make_app(
    user: str = "u1", created: str = "2026-01-01T00:00:00.000Z"
) -> tuple[Application, ApplicantPii]:
    app_id = new_id("app")
    app = Application(
        application_id=app_id,
        user_id=user,
        document_id=new_id("doc"),
        status=Status.PENDING,
        amount_fen=500000,
        term_months=12,
        purpose="consumption",
        profile={"employment": "employed", "monthlyIncomeFen": 1200000},
        device={"fingerprint": "dev-1", "ip": "10.0.0.1"},
        location={"lat": "39.9", "lon": "116.4"},
        consent={"creditReport": "granted", "textVersion": "v1", "recordedAt": created},
        created_at=created,
        updated_at=created,
    )
    return app, ApplicantPii(app_id, "张三", "11010519900307001X", "13800138000")


def test_create_then_read_back(repo) -> None:
    app, pii = make_app()
    repo.create(app, pii)
    got = repo.get(app.application_id)
    assert got == app
    assert repo.get_with_pii(app.application_id) == (repo.get(app.application_id), pii)
    assert "张三" not in repr(repo.get_with_pii(app.application_id)[1])
    assert repo.get_with_pii("app_missing") is None


def test_status_alone_can_be_read(repo) -> None:
    app, pii = make_app("u9")
    repo.create(app, pii)
    assert repo.status_of(app.application_id) == ("u9", Status.PENDING)
    assert repo.status_of("app_missing") is None


def test_create_twice_conflicts(repo) -> None:
    app, pii = make_app()
    repo.create(app, pii)
    with pytest.raises(Conflict):
        repo.create(app, pii)


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
    with pytest.raises(Conflict):
        repo.create(c, pc, after=a.application_id)
    with pytest.raises(Conflict):
        repo.create(c, pc)  # nor by one that saw no application at all
    assert repo.get(c.application_id) is None and repo.get_with_pii(c.application_id) is None
    assert repo.latest_for_user("u1") == b.application_id


def test_status_moves_only_along_allowed_transitions(repo) -> None:
    app, pii = make_app()
    repo.create(app, pii)
    offer = Offer("B", "0.1200", "0.000333333", 2000000, "2026-02-01T00:00:00.000Z")
    repo.move(
        app.application_id, Status.APPROVED, "2026-01-01T00:00:01.000Z", reasons=(), offer=offer
    )
    moved = repo.get(app.application_id)
    assert moved.status is Status.APPROVED and moved.offer == offer
    with pytest.raises(Conflict):
        repo.move(app.application_id, Status.DECLINED, "2026-01-01T00:00:02.000Z")


def test_steps_are_recorded_and_acceptance_happens_once(repo) -> None:
    app, pii = make_app()
    repo.create(app, pii)
    repo.record_step(app.application_id, "score", {"pd": 0.12, "grade": "B"})
    repo.record_step(
        app.application_id, "fraud", {"decline": False, "signals": {"velocity_ip_24h": 1}}
    )
    repo.record_step(
        app.application_id, "score", {"pd": 0.2, "grade": "C"}
    )  # a retried step replaces its result
    steps = {
        "score": {"pd": 0.2, "grade": "C"},
        "fraud": {"decline": False, "signals": {"velocity_ip_24h": 1}},
    }
    assert repo.get(app.application_id).steps == steps
    assert repo.get(app.application_id, with_steps=False) == replace(
        repo.get(app.application_id), steps={}
    )
    assert repo.get_with_pii(app.application_id) == (repo.get(app.application_id), pii)
    # a listing carries no step results
    assert [a.steps for a in repo.list_for_user(app.user_id)] == [{}]
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
    repo.put_review(app.application_id, "token-1", "2026-01-01T00:00:00.000Z")
    assert [r["applicationId"] for r in repo.list_reviews()] == [app.application_id]
    closed = repo.close_review(app.application_id, "APPROVE", "t")
    assert closed["outcome"] == "APPROVE"
    assert repo.list_reviews() == []
    with pytest.raises(Conflict):
        repo.close_review(app.application_id, "DECLINE", "t")
