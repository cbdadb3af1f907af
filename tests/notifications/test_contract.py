"""The notifications store: one suite, the fake and DynamoDB (moto)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from chalicelib.money.notifications import (
    COLLECTION_SUCCEEDED,
    DUE_IN_3_DAYS,
    DUE_TODAY,
    OVERDUE_DAY_1,
    Notification,
    line_change_notifications,
)
from chalicelib.notifications.dynamo import DynamoNotificationStore
from chalicelib.notifications.memory import InMemoryNotificationStore
from chalicelib.notifications.port import StoredNotification

DAY = date(2026, 4, 2)
LOAN = "loan_" + "1" * 26


def due_today(user: str = "u1", on: date = DAY, loan: str = LOAN) -> Notification:
    return Notification(
        DUE_TODAY, user, on, loan, {"dueDate": on.isoformat(), "amountFen": 106_716}
    )


def collected(rep: str, user: str = "u1", on: date = DAY) -> Notification:
    return Notification(COLLECTION_SUCCEEDED, user, on, rep, {"loanId": LOAN, "collectedFen": 500})


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest):
    if request.param == "memory":
        return InMemoryNotificationStore()
    return DynamoNotificationStore(request.getfixturevalue("dynamodb_table"))


def test_a_key_is_stored_once_and_a_repeat_gets_the_first_record(store) -> None:
    n = due_today()
    first, new = store.add(n, "2026-04-01T16:00:00.000Z")
    assert new and first == StoredNotification(n, "2026-04-01T16:00:00.000Z", None)
    again, new = store.add(n, "2026-04-01T17:00:00.000Z")
    assert not new and again == first
    assert [s.notification for s in store.inbox("u1", None, 10).items] == [n]


def test_the_record_comes_back_as_it_went_in(store) -> None:
    (review,) = line_change_notifications(
        "u1",
        "review-u1-20260402",
        DAY,
        500_000,
        800_000,
        Decimal("0.18"),
        Decimal("0.18"),
        ("ON_TIME_12M",),
    )
    overdue = Notification(
        OVERDUE_DAY_1, "u1", DAY, LOAN, {"daysPastDue": 1, "dueFen": 106_716, "penaltyFen": 0}
    )
    for n in (review, overdue, Notification(DUE_IN_3_DAYS, "u1", DAY, "loan_x", {})):
        store.add(n, "t")
    got = {s.notification.key: s.notification for s in store.inbox("u1", None, 10).items}
    assert got[review.key] == review and got[review.key].data["reasons"] == ["ON_TIME_12M"]
    assert got[overdue.key] == overdue and type(got[overdue.key].data["dueFen"]) is int


def test_published_is_recorded_once_and_a_repeat_add_reports_it(store) -> None:
    n = due_today()
    store.add(n, "t0")
    store.mark_published(n, "t1")
    store.mark_published(n, "t2")  # the first time counts
    record, new = store.add(n, "t3")
    assert not new and record.published_at == "t1" and record.created_at == "t0"


def test_marking_an_unknown_notification_creates_nothing(store) -> None:
    store.mark_published(due_today(), "t1")
    assert store.inbox("u1", None, 10).items == ()
    assert store.unpublished(10) == []


def test_unpublished_lists_what_the_bus_has_not_taken_oldest_first(store) -> None:
    a, b, c = due_today(loan="loan_a"), due_today(loan="loan_b"), collected("rep_c", user="u2")
    store.add(b, "2026-04-01T16:00:02.000Z")
    store.add(a, "2026-04-01T16:00:01.000Z")
    store.add(c, "2026-04-01T16:00:03.000Z")
    store.mark_published(b, "t")
    assert [s.notification.key for s in store.unpublished(10)] == [a.key, c.key]
    assert [s.notification.key for s in store.unpublished(1)] == [a.key]
    assert store.unpublished(0) == []


def test_the_inbox_is_one_users_newest_day_first_and_in_day_order(store) -> None:
    day0 = DAY - timedelta(days=1)
    ns = [
        due_today(on=day0),
        collected("rep_01", on=DAY),
        due_today(on=DAY),
        collected("rep_02", on=DAY),
        Notification(DUE_IN_3_DAYS, "u1", DAY, "loan_2", {"dueDate": "2026-04-05", "amountFen": 1}),
        due_today(user="u2"),
    ]
    for n in ns:
        store.add(n, "t")
    got = [s.notification.key for s in store.inbox("u1", None, 10).items]
    # the day's repayments (time-ordered ids, latest first), then its reminders, then the day before
    assert got == [
        f"COLLECTED:rep_02:{DAY}",
        f"COLLECTED:rep_01:{DAY}",
        f"DUE_TODAY:{LOAN}:{DAY}",
        f"DUE_IN_3_DAYS:loan_2:{DAY}",
        f"DUE_TODAY:{LOAN}:{day0}",
    ]
    assert [s.notification.user_id for s in store.inbox("u2", None, 10).items] == ["u2"]
    assert store.inbox("nobody", None, 10).items == ()


def test_pages_walk_the_inbox_without_gaps_or_repeats(store) -> None:
    for i in range(7):
        store.add(collected(f"rep_{i:02d}"), "t")
    seen, before, pages = [], None, 0
    while True:
        page = store.inbox("u1", before, 3)
        seen += [s.notification.subject for s in page.items]
        pages += 1
        if page.next_position is None:
            break
        assert page.next_position == page.items[-1].position
        before = page.next_position
    assert seen == [f"rep_{i:02d}" for i in reversed(range(7))] and pages == 3


def test_a_page_that_ends_exactly_at_the_last_item_says_so(store) -> None:
    for i in range(4):
        store.add(collected(f"rep_{i:02d}"), "t")
    first = store.inbox("u1", None, 2)
    last = store.inbox("u1", first.next_position, 2)
    assert len(last.items) == 2 and last.next_position is None
