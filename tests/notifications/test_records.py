"""The notification items, requests and cursors, pure."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.money.notifications import COLLECTION_SUCCEEDED, DUE_TODAY, Notification
from chalicelib.notifications.port import BadCursor, cursor_for, position, position_of
from chalicelib.notifications.records import (
    inbox_request,
    mark_published_request,
    note_item,
    put_request,
)

N = Notification(DUE_TODAY, "u1", date(2026, 4, 2), "loan_1", {"amountFen": 5})


def test_the_item_is_keyed_by_user_and_position_and_waits_in_the_unpublished_index() -> None:
    item = note_item(N, "2026-04-01T16:00:00.000Z")
    assert item["PK"] == "USER#u1" and item["SK"] == "NOTE#2026-04-02#1#DUE_TODAY:loan_1:2026-04-02"
    assert item["GSI1PK"] == "NOTE#UNPUBLISHED"
    assert item["GSI1SK"] == "2026-04-01T16:00:00.000Z#u1#DUE_TODAY:loan_1:2026-04-02"
    assert "publishedAt" not in item


def test_writes_are_conditional_and_name_their_attributes() -> None:
    put = put_request("t", N, "at")
    assert put["ConditionExpression"] == "attribute_not_exists(#pk)"
    assert put["ReturnValuesOnConditionCheckFailure"] == "ALL_OLD"
    mark = mark_published_request("t", N, "at")
    assert mark["Key"] == {"PK": "USER#u1", "SK": note_item(N, "x")["SK"]}
    assert "REMOVE #g1pk, #g1sk" in mark["UpdateExpression"]
    assert "attribute_exists(#pk)" in mark["ConditionExpression"]
    for request in (put, mark):
        assert set(request["ExpressionAttributeNames"].values()) >= {"PK"}


def test_the_inbox_query_reads_one_more_than_a_page_from_the_cursor_down() -> None:
    q = inbox_request("t", "u1", None, 20)
    assert q["Limit"] == 21 and q["ScanIndexForward"] is False and "ExclusiveStartKey" not in q
    q = inbox_request("t", "u1", position(N), 20)
    assert q["ExclusiveStartKey"] == {"PK": "USER#u1", "SK": "NOTE#" + position(N)}


def test_collections_sort_after_the_days_reminders() -> None:
    paid = Notification(COLLECTION_SUCCEEDED, "u1", N.on, "rep_1", {})
    assert position(paid) > position(N)


def test_a_cursor_round_trips_and_hides_nothing_personal() -> None:
    c = cursor_for(position(N))
    assert position_of(c) == position(N)
    assert "=" not in c and "#" not in c


@pytest.mark.parametrize(
    "bad",
    ["", "!!!", "abc", cursor_for("LINE"), cursor_for("2026-04-02#9#X:y:2026-04-02"), "a" * 601,
     cursor_for("2026-04-02#1#DUE_TODAY:\x00:2026-04-02"), "w6M"],
)  # fmt: skip
def test_a_cursor_we_did_not_hand_out_is_refused(bad: str) -> None:
    with pytest.raises(BadCursor):
        position_of(bad)
