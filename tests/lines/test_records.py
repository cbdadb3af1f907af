"""The line's items and request builders, pure: history keyed by its sequence, changes claimed
once, a review conditioned on the line it was computed on."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from chalicelib.lines.port import CreditLine, LineChange, cursor_for, position_of
from chalicelib.lines.records import (
    apply_review_tx,
    change_from_item,
    claim_tx,
    history_item,
    history_request,
    line_from_item,
    line_item,
    set_status_tx,
)
from chalicelib.reasons import Reason

LINE = CreditLine(
    "u1", 1_000_000, 600_000, 400_000, Decimal("0.1440"), "C", "ACTIVE", 7, "app-1",
    date(2026, 1, 31), date(2026, 2, 28), None, "",
)  # fmt: skip
CHANGE = LineChange(
    "review-u1-20260228", "REVIEW", "2026-02-28T16:00:00.000Z", "ACTIVE", "ACTIVE",
    1_000_000, 1_150_000, Decimal("0.1440"), Decimal("0.1080"), "C", "B",
    (Reason("LIMIT_UP_ON_TIME", "On time."),), date(2026, 2, 28), date(2026, 3, 31), 3,
)  # fmt: skip


def _names_cover(request: dict) -> None:
    """Every #name and :value an expression uses is declared (DynamoDB refuses otherwise)."""
    text = " ".join(
        request.get(k, "")
        for k in ("UpdateExpression", "ConditionExpression", "KeyConditionExpression")
    )
    assert set(re.findall(r"#\w+", text)) == set(request["ExpressionAttributeNames"])
    assert set(re.findall(r":\w+", text)) <= set(request.get("ExpressionAttributeValues", {}))


def test_a_line_round_trips_with_its_dates_and_starts_its_history_at_one() -> None:
    item = line_item(LINE, "t")
    assert item["historySeq"] == 1 and item["openedOn"] == "2026-01-31"
    assert "lastReviewedOn" not in item
    assert line_from_item(item) == LINE
    legacy = {
        k: v for k, v in item.items() if k not in ("openedOn", "nextReviewOn", "statusReason")
    }
    assert line_from_item(legacy).opened_on is None


def test_a_change_is_kept_under_its_sequence_and_round_trips() -> None:
    item = history_item("u1", CHANGE)
    assert (item["PK"], item["SK"]) == ("USER#u1", "LINEHIST#0000000003")
    assert change_from_item(item) == CHANGE


def test_a_review_is_conditioned_on_the_line_it_was_computed_on() -> None:
    up = apply_review_tx("t", "u1", CHANGE, date(2026, 2, 28), date(2026, 3, 31))["Update"]
    _names_cover(up)
    cond = up["ConditionExpression"]
    assert "#lim = :limBefore" in cond and "#apr = :aprBefore" in cond
    assert "#dr <= :lim" in cond and "#hs = :hsBefore" in cond
    assert "#av = :lim - #dr" in up["UpdateExpression"]
    v = up["ExpressionAttributeValues"]
    assert (v[":lim"], v[":limBefore"], v[":hsBefore"], v[":hs"]) == (1_150_000, 1_000_000, 2, 3)
    assert (v[":apr"], v[":aprBefore"]) == ("0.1080", "0.1440")


def test_a_status_change_is_conditioned_on_the_status_read_and_a_line_older_than_history() -> None:
    first = LineChange(
        "c1", "STATUS", "t", "ACTIVE", "FROZEN", 1, 1, Decimal(0), Decimal(0), "C", "C", (), seq=1
    )
    up = set_status_tx("t", "u1", first, "overdue")["Update"]
    _names_cover(up)
    assert "attribute_not_exists(#hs)" in up["ConditionExpression"]
    assert up["ExpressionAttributeValues"][":before"] == "ACTIVE"
    claim = claim_tx("t", "u1", "c1", "t")["Put"]
    assert claim["Item"]["SK"] == "LINECHG#c1"
    assert claim["ConditionExpression"] == "attribute_not_exists(#pk)"


def test_the_history_query_reads_one_more_than_a_page_newest_first_from_the_cursor() -> None:
    q = history_request("t", "u1", "0000000005", 20)
    _names_cover(q)
    assert q["ScanIndexForward"] is False and q["Limit"] == 21 and q["ConsistentRead"]
    assert q["ExclusiveStartKey"] == {"PK": "USER#u1", "SK": "LINEHIST#0000000005"}
    assert position_of(cursor_for("0000000005")) == "0000000005"
