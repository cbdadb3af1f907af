"""notify / publish_pending / inbox over the fakes: GIVEN a store and a bus, WHEN notifications
are sent (and sent again, with the bus refusing some), THEN each is stored and published once."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from chalicelib.errors import InvalidRequest
from chalicelib.money.notifications import DUE_TODAY, Notification, repayment_notifications
from chalicelib.notifications.memory import InMemoryEventBus, InMemoryNotificationStore
from chalicelib.notifications.service import Delivery, NotificationService

DAY = date(2026, 4, 2)


def due(i: int, user: str = "u1") -> Notification:
    return Notification(
        DUE_TODAY, user, DAY, f"loan_{i:02d}", {"dueDate": "2026-04-02", "amountFen": 100}
    )


@pytest.fixture
def bus() -> InMemoryEventBus:
    return InMemoryEventBus()


@pytest.fixture
def service(bus: InMemoryEventBus) -> NotificationService:
    ticks = itertools.count()
    return NotificationService(
        InMemoryNotificationStore(), bus, lambda: f"2026-04-01T16:00:{next(ticks):02d}.000Z"
    )


def test_notify_stores_then_publishes_each_once_and_a_rerun_does_nothing(
    service: NotificationService, bus: InMemoryEventBus
) -> None:
    ns = [due(1), due(2)]
    assert service.notify(ns) == Delivery(stored=2, published=2)
    assert service.notify(ns) == Delivery()
    assert service.notify([due(1), due(1)]) == Delivery()
    assert bus.keys() == [n.key for n in ns]
    assert service.store.unpublished(10) == []


def test_what_the_bus_refused_is_published_by_the_rerun_and_only_that(
    service: NotificationService, bus: InMemoryEventBus
) -> None:
    ns = [due(1), due(2), due(3)]
    bus.refuse = 2
    first = service.notify(ns)
    assert first == Delivery(stored=3, published=1, unpublished=(ns[0].key, ns[1].key))
    assert bus.keys() == [ns[2].key]
    # the retried run (a retried batch, a retried step) sends the same notifications
    assert service.notify(ns) == Delivery(published=2)
    assert sorted(bus.keys()) == sorted(n.key for n in ns)
    assert service.notify(ns) == Delivery()


def test_the_sweep_publishes_what_no_rerun_came_back_for_oldest_first(
    service: NotificationService, bus: InMemoryEventBus
) -> None:
    bus.refuse = 10
    service.notify([due(1)])
    service.notify([due(2, user="u2")])
    service.notify([due(3)])
    bus.refuse = 0
    assert service.publish_pending(limit=2) == Delivery(published=2)
    assert bus.keys() == [due(1).key, due(2, "u2").key]
    assert service.publish_pending() == Delivery(published=1)
    assert service.publish_pending() == Delivery()
    assert service.notify([due(1), due(2, "u2"), due(3)]) == Delivery()
    assert len(bus.keys()) == 3


def test_a_sweep_that_meets_a_refusing_bus_leaves_them_for_the_next(
    service: NotificationService, bus: InMemoryEventBus
) -> None:
    bus.refuse = 1
    service.notify([due(1)])
    bus.refuse = 1
    assert service.publish_pending() == Delivery(unpublished=(due(1).key,))
    assert service.publish_pending() == Delivery(published=1)


def test_the_inbox_pages_newest_first_with_an_opaque_cursor(service: NotificationService) -> None:
    service.notify(
        repayment_notifications("u1", "loan_1", f"rep_{i:02d}", DAY, 100, 100)[0] for i in range(5)
    )
    page = service.inbox("u1", None, 2)
    assert [s.notification.subject for s in page.items] == ["rep_04", "rep_03"]
    assert page.cursor is not None and "rep_" not in page.cursor
    page = service.inbox("u1", page.cursor, 2)
    assert [s.notification.subject for s in page.items] == ["rep_02", "rep_01"]
    page = service.inbox("u1", page.cursor, 2)
    assert [s.notification.subject for s in page.items] == ["rep_00"] and page.cursor is None
    assert service.inbox("u2", None, 20).items == ()


@pytest.mark.parametrize("limit", [0, 101, -1])
def test_a_limit_out_of_range_is_refused_naming_it(
    service: NotificationService, limit: int
) -> None:
    with pytest.raises(InvalidRequest) as exc:
        service.inbox("u1", None, limit)
    assert exc.value.field == "limit"


@pytest.mark.parametrize("cursor", ["", "nope", "bm90IGEgY3Vyc29y"])
def test_a_cursor_we_did_not_hand_out_is_refused_naming_it(
    service: NotificationService, cursor: str
) -> None:
    with pytest.raises(InvalidRequest) as exc:
        service.inbox("u1", cursor, 20)
    assert exc.value.field == "cursor"


def test_on_dynamodb_and_eventbridge_a_bus_that_was_missing_is_caught_up(dynamodb_table) -> None:
    import boto3

    from chalicelib.notifications.dynamo import DynamoNotificationStore
    from chalicelib.notifications.eventbridge import EventBridgePublisher

    events = boto3.client("events", region_name="us-east-1")
    service = NotificationService(
        DynamoNotificationStore(dynamodb_table),
        EventBridgePublisher(events, "weili-test-notifications", sleep=lambda s: None),
        lambda: "2026-04-01T16:00:00.000Z",
    )
    ns = [due(i) for i in range(12)]
    assert service.notify(ns) == Delivery(stored=12, unpublished=tuple(sorted(n.key for n in ns)))
    events.create_event_bus(Name="weili-test-notifications")
    assert service.notify(ns[:2]) == Delivery(published=2)  # a re-run sends what it stored
    assert service.publish_pending(limit=5) == Delivery(published=5)
    assert service.publish_pending() == Delivery(published=5)
    assert service.publish_pending() == Delivery()
    assert len(service.inbox("u1", None, 100).items) == 12
