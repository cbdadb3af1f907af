"""The event publisher: the in-memory bus and EventBridge (moto) publish the same events;
PutEvents takes 10 entries a call; entries the bus refuses are retried, then handed back."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from chalicelib.money.notifications import (
    COLLECTION_FAILED,
    DUE_TODAY,
    Notification,
    repayment_notifications,
)
from chalicelib.notifications.eventbridge import EventBridgePublisher
from chalicelib.notifications.events import SOURCE, event_entry
from chalicelib.notifications.memory import InMemoryEventBus

REGION = "us-east-1"
BUS = "weili-test-notifications"
DAY = date(2026, 4, 2)


def due(i: int) -> Notification:
    return Notification(
        DUE_TODAY, f"u{i}", DAY, f"loan_{i:02d}", {"dueDate": "2026-04-02", "amountFen": i}
    )


class Recording:
    """A client that counts what it is asked to put, and passes it on."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.batches: list[int] = []

    def put_events(self, **kw: Any) -> Any:
        self.batches.append(len(kw["Entries"]))
        return self._client.put_events(**kw)


@pytest.fixture
def bus_and_queue(moto_aws: None) -> tuple[Any, Any, str]:
    events = boto3.client("events", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    events.create_event_bus(Name=BUS)
    url = sqs.create_queue(QueueName="subscriber")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(Name="all", EventBusName=BUS, EventPattern=json.dumps({"source": [SOURCE]}))
    events.put_targets(Rule="all", EventBusName=BUS, Targets=[{"Id": "q", "Arn": arn}])
    return events, sqs, url


def drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    out = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return out
        for m in got:
            out.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def test_eventbridge_and_the_fake_publish_the_same_events_ten_a_call(bus_and_queue) -> None:
    events, sqs, url = bus_and_queue
    ns = [due(i) for i in range(23)]
    client = Recording(events)
    assert EventBridgePublisher(client, BUS).publish_events(ns) == []
    assert client.batches == [10, 10, 3]
    received = sorted(drain(sqs, url), key=lambda e: e["detail"]["key"])
    fake = InMemoryEventBus(BUS)
    assert fake.publish_events(ns) == []
    assert [
        {"source": e["source"], "detail-type": e["detail-type"], "detail": e["detail"]}
        for e in received
    ] == [
        {"source": e["Source"], "detail-type": e["DetailType"], "detail": json.loads(e["Detail"])}
        for e in sorted(fake.entries, key=lambda e: json.loads(e["Detail"])["key"])
    ]
    first = received[0]
    assert first["detail-type"] == "Installment Due Today"
    assert first["detail"] == {
        "key": f"DUE_TODAY:loan_00:{DAY}", "kind": "DUE_TODAY", "userId": "u0", "on": "2026-04-02",
        "subject": "loan_00", "dueDate": "2026-04-02", "amountFen": 0,
    }  # fmt: skip


def test_a_missing_bus_hands_everything_back_without_raising(moto_aws: None) -> None:
    events = boto3.client("events", region_name=REGION)
    ns = [due(i) for i in range(3)]
    assert EventBridgePublisher(events, "no-such-bus").publish_events(ns) == ns


def _stubbed() -> tuple[Any, Stubber]:
    client = boto3.client("events", region_name=REGION)
    return client, Stubber(client)


def test_refused_entries_alone_are_put_again() -> None:
    client, stub = _stubbed()
    ns = [due(i) for i in range(3)]
    stub.add_response(
        "put_events",
        {
            "FailedEntryCount": 1,
            "Entries": [{"EventId": "1"}, {"ErrorCode": "ThrottlingException"}, {"EventId": "3"}],
        },
        {"Entries": [event_entry(n, BUS) for n in ns]},
    )  # fmt: skip
    stub.add_response(
        "put_events",
        {"FailedEntryCount": 0, "Entries": [{"EventId": "2"}]},
        {"Entries": [event_entry(ns[1], BUS)]},
    )
    pauses: list[float] = []
    with stub:
        assert EventBridgePublisher(client, BUS, sleep=pauses.append).publish_events(ns) == []
    stub.assert_no_pending_responses()
    assert pauses == [0.2]


def test_an_entry_refused_every_time_is_handed_back_after_the_last_attempt() -> None:
    client, stub = _stubbed()
    ns = [due(0), due(1)]
    stub.add_response(
        "put_events",
        {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "InternalFailure"}, {"EventId": "2"}]},
        {"Entries": [event_entry(n, BUS) for n in ns]},
    )
    for _ in range(2):
        stub.add_response(
            "put_events",
            {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "InternalFailure"}]},
            {"Entries": [event_entry(ns[0], BUS)]},
        )
    pauses: list[float] = []
    with stub:
        assert EventBridgePublisher(client, BUS, sleep=pauses.append).publish_events(ns) == [ns[0]]
    stub.assert_no_pending_responses()
    assert pauses == [0.2, 0.4]


def test_a_failed_call_hands_back_its_batch_and_the_next_batch_still_goes() -> None:
    client, stub = _stubbed()
    ns = [due(i) for i in range(12)]
    stub.add_client_error("put_events", "AccessDeniedException", http_status_code=400)
    stub.add_response(
        "put_events",
        {"FailedEntryCount": 0, "Entries": [{"EventId": "a"}, {"EventId": "b"}]},
        {"Entries": [event_entry(n, BUS) for n in ns[10:]]},
    )
    with stub:
        assert EventBridgePublisher(client, BUS, sleep=lambda s: None).publish_events(ns) == ns[:10]


def test_event_details_hold_ids_fen_and_dates_only() -> None:
    (failed,) = repayment_notifications("u1", "loan_1", "rep_1", DAY, 10_000, 0, date(2026, 4, 3))
    assert failed.kind == COLLECTION_FAILED
    entry = event_entry(failed, BUS)
    assert entry["Source"] == SOURCE and entry["DetailType"] == "Collection Failed"
    assert json.loads(entry["Detail"]) == {
        "key": f"COLLECTION_FAILED:rep_1:{DAY}", "kind": "COLLECTION_FAILED", "userId": "u1",
        "on": "2026-04-02", "subject": "rep_1", "loanId": "loan_1", "collectedFen": 0,
        "shortFen": 10_000, "nextAttempt": "2026-04-03",
    }  # fmt: skip
